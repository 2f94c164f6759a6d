import Backprop
import TestSupport
import Testing

@Suite("Gradcheck")
struct GradcheckTests {
    @Test("gradcheck passes for the analytic gradients and fails with zero tolerance")
    func gradcheckPassesAndCanFail() throws {
        var g = SeededGenerator(seed: 12)
        let net: Network<Double> = Reference.network(widths: [3, 4, 2], hidden: .tanh, output: .sigmoid, using: &g)
        let x: Matrix<Double> = Reference.random(4, 3, using: &g)
        let y: Matrix<Double> = Reference.targets(for: .binaryCrossEntropy, rows: 4, columns: 2, using: &g)
        let checks = try net.gradcheck(inputs: x, targets: y, loss: .binaryCrossEntropy, reduction: .mean)
        #expect(checks.count == 2)
        #expect(checks.allSatisfy { $0.passed })
        #expect(checks.allSatisfy { $0.weights.maxAbsError < 1e-8 })
        let strict = try net.gradcheck(
            inputs: x,
            targets: y,
            loss: .binaryCrossEntropy,
            reduction: .mean,
            tolerances: GradcheckTolerances(atol: 0, rtol: 0)
        )
        #expect(!strict.allSatisfy { $0.passed }, "zero tolerance cannot pass floating-point differences")
    }
}
