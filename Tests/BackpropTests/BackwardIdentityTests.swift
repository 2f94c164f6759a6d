import Backprop
import Foundation
import TestSupport
import Testing

@Suite("Backward pass identities and stability")
struct BackwardIdentityTests {
    @Test("∇W^l = (Δ^l)^T A^{l−1} and ∇b^l = column sums of Δ^l, against the naive matmul")
    func weightGradientIsDeltaTransposeTimesActivations() throws {
        var g = SeededGenerator(seed: 42)
        let net: Network<Double> = Reference.network(widths: [5, 7, 6, 3], hidden: .gelu, output: .identity, using: &g)
        let x: Matrix<Double> = Reference.random(8, 5, using: &g)
        let y: Matrix<Double> = Reference.random(8, 3, using: &g)
        let (pass, grads) = try net.gradients(inputs: x, targets: y, loss: .mse)
        for l in net.layers.indices {
            let expected = Reference.matmul(Reference.transpose(grads.delta[l].nested), pass.a[l].nested)
            #expect(grads.weightGradient[l].shape == [net.layers[l].units, net.layers[l].inputs])
            let d = maxDifference(grads.weightGradient[l].storage, expected.flatMap { $0 })
            #expect(d.value < 1e-13, "layer \(l + 1): max difference \(d.value) at \(d.index)")
            let sums = (0..<net.layers[l].units).map { j in grads.delta[l].nested.reduce(0) { $0 + $1[j] } }
            #expect(maxDifference(grads.biasGradient[l], sums).value < 1e-14)
        }
    }

    @Test("Δ^l = (Δ^{l+1} W^{l+1}) ⊙ f'(Z^l), against the naive matmul")
    func deltaRecursion() throws {
        var g = SeededGenerator(seed: 43)
        let net: Network<Double> = Reference.network(
            widths: [4, 6, 5, 2],
            hidden: .sigmoid,
            output: .identity,
            using: &g
        )
        let x: Matrix<Double> = Reference.random(3, 4, using: &g)
        let y: Matrix<Double> = Reference.random(3, 2, using: &g)
        let (pass, grads) = try net.gradients(inputs: x, targets: y, loss: .quadratic)
        for l in 0..<(net.layers.count - 1) {
            let back = Reference.matmul(grads.delta[l + 1].nested, net.layers[l + 1].weights.nested)
            let a = pass.a[l + 1].nested
            let expected = back.indices.flatMap { i in back[i].indices.map { j in back[i][j] * a[i][j] * (1 - a[i][j]) }
            }
            #expect(maxDifference(grads.delta[l].storage, expected).value < 1e-14)
        }
    }

    @Test("with reduction sum, a batch of B identical samples gives B times one sample's gradients")
    func sumOfIdenticalSamples() throws {
        var g = SeededGenerator(seed: 44)
        let net: Network<Double> = Reference.network(widths: [3, 4, 2], hidden: .relu, output: .softmax, using: &g)
        let x1: Matrix<Double> = Reference.random(1, 3, using: &g)
        let y1: Matrix<Double> = Reference.targets(for: .crossEntropy, rows: 1, columns: 2, using: &g)
        let b = 5
        let xb = Matrix(rows: b, columns: 3, storage: Array((0..<b).map { _ in x1.storage }.joined()))
        let yb = Matrix(rows: b, columns: 2, storage: Array((0..<b).map { _ in y1.storage }.joined()))
        let (_, one) = try net.gradients(inputs: x1, targets: y1, loss: .crossEntropy, reduction: .sum)
        let (_, many) = try net.gradients(inputs: xb, targets: yb, loss: .crossEntropy, reduction: .sum)
        #expect(abs(many.cost - Double(b) * one.cost) < 1e-12)
        for l in net.layers.indices {
            let scaled = one.weightGradient[l].storage.map { $0 * Double(b) }
            #expect(maxDifference(many.weightGradient[l].storage, scaled).value < 1e-12)
            #expect(maxDifference(many.biasGradient[l], one.biasGradient[l].map { $0 * Double(b) }).value < 1e-12)
        }
        // And mean of the same batch equals one sample's gradient.
        let (_, mean) = try net.gradients(inputs: xb, targets: yb, loss: .crossEntropy, reduction: .mean)
        #expect(maxDifference(mean.weightGradient[0].storage, one.weightGradient[0].storage).value < 1e-14)
    }

    @Test("saturated logits (±1000) give finite, exact cross-entropy values and deltas")
    func stableCrossEntropies() throws {
        let identity = Network<Double>(layers: [Layer(weights: Matrix([[1, 0], [0, 1]]), activation: .identity)])
        let x = Matrix<Double>([[1000, -1000]])
        // Softmax CE: p = (1, e^{−2000}) → C = −log p_1 = 2000 for y = (0, 1); δ = p − y = (1, −1).
        let (_, ce) = try identity.gradients(inputs: x, targets: Matrix([[0, 1]]), loss: .crossEntropy)
        #expect(ce.cost == 2000)
        #expect(ce.delta[0].storage == [1, -1])
        let softmaxNet = Network<Double>(layers: [Layer(weights: Matrix([[1, 0], [0, 1]]), activation: .softmax)])
        let (_, ce2) = try softmaxNet.gradients(inputs: x, targets: Matrix([[0, 1]]), loss: .crossEntropy)
        #expect(ce2.cost == 2000)
        #expect(ce2.delta[0].storage == [1, -1])
        // BCE on logits: z = 1000, y = 0 → C = 1000; z = −1000, y = 0 → C ≈ 0; δ = σ(z) − y.
        let (_, bce) = try identity.gradients(
            inputs: x,
            targets: Matrix([[0, 0]]),
            loss: .binaryCrossEntropy,
            reduction: .sum
        )
        #expect(bce.cost == 1000)
        #expect(bce.delta[0].storage == [1, 0])
        let sigmoidNet = Network<Double>(layers: [Layer(weights: Matrix([[1, 0], [0, 1]]), activation: .sigmoid)])
        let (_, bce2) = try sigmoidNet.gradients(
            inputs: x,
            targets: Matrix([[0, 1]]),
            loss: .binaryCrossEntropy,
            reduction: .sum
        )
        #expect(bce2.cost == 2000)
        #expect(bce2.delta[0].storage == [1, -1])
    }

    @Test("loss values match their textbook formulas")
    func lossValues() throws {
        let net = Network<Double>(layers: [
            Layer(weights: Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), activation: .identity)
        ])
        let z = Matrix<Double>([[0.2, -1.0, 2.5], [1.5, 0.3, -0.7]])
        let y = Matrix<Double>([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
        func cost(_ loss: Loss, _ reduction: Reduction = .mean) throws -> Double {
            try net.gradients(inputs: z, targets: y, loss: loss, reduction: reduction).gradients.cost
        }
        var quadratic = 0.0
        var mse = 0.0
        var ce = 0.0
        var bce = 0.0
        for i in 0..<2 {
            let row = z.row(i)
            let t = y.row(i)
            let sum = row.map { exp($0) }.reduce(0, +)
            for j in 0..<3 {
                quadratic += 0.5 * pow(row[j] - t[j], 2)
                mse += pow(row[j] - t[j], 2) / 3
                ce += -t[j] * log(exp(row[j]) / sum)
                let p = 1 / (1 + exp(-row[j]))
                bce += -(t[j] * log(p) + (1 - t[j]) * log(1 - p))
            }
        }
        #expect(abs(try cost(.quadratic) - quadratic / 2) < 1e-14)
        #expect(abs(try cost(.quadratic, .sum) - quadratic) < 1e-14)
        #expect(abs(try cost(.mse) - mse / 2) < 1e-14)
        #expect(abs(try cost(.crossEntropy) - ce / 2) < 1e-14)
        #expect(abs(try cost(.binaryCrossEntropy) - bce / 2) < 1e-14)
    }
}
