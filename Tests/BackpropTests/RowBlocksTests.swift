import Backprop
import Foundation
import TestSupport
import Testing

@Suite("Batches split across workers")
struct ParallelBatchTests {
    @Test("row blocks summed give the unsplit gradients, and the same bits run to run")
    func blocksMatchWholeBatch() throws {
        var g = SeededGenerator(seed: 77)
        let net: Network<Double> = Reference.network(
            widths: [64, 128, 32, 10],
            hidden: .relu,
            output: .softmax,
            using: &g
        )
        let x: Matrix<Double> = Reference.random(300, 64, using: &g)
        let y: Matrix<Double> = Reference.targets(for: .crossEntropy, rows: 300, columns: 10, using: &g)
        #expect(net.blockCount(batch: 300, parallelism: 4) > 1, "the batch is big enough to be split")
        let (_, whole) = try net.gradients(inputs: x, targets: y, loss: .crossEntropy, inputGradient: true)
        let (pass, split) = try net.gradients(
            inputs: x,
            targets: y,
            loss: .crossEntropy,
            inputGradient: true,
            parallelism: 4
        )
        let (_, again) = try net.gradients(
            inputs: x,
            targets: y,
            loss: .crossEntropy,
            inputGradient: true,
            parallelism: 4
        )
        #expect(abs(split.cost - whole.cost) < 1e-12 * abs(whole.cost))
        #expect(pass.z[0].shape == [300, 128])
        for l in net.layers.indices {
            #expect(split.delta[l].shape == whole.delta[l].shape)
            #expect(
                maxRelativeError(split.weightGradient[l].storage, whole.weightGradient[l].storage, floor: 1e-9) < 1e-10
            )
            #expect(maxRelativeError(split.biasGradient[l], whole.biasGradient[l], floor: 1e-9) < 1e-10)
            #expect(maxDifference(split.delta[l].storage, whole.delta[l].storage).value < 1e-15)
            #expect(split.weightGradient[l].storage == again.weightGradient[l].storage, "deterministic")
        }
        #expect(maxDifference(split.inputGradient!.storage, whole.inputGradient!.storage).value < 1e-15)
    }
}
