import Backprop
import TestSupport
import Testing

@Suite("Explain and gradcheck")
struct ExplainAndGradcheckTests {
    @Test("a 3-layer network: δ^1 needs W^2, δ^2, z^1 and ∇W^1 needs δ^1, a^0")
    func explainThreeLayers() {
        var g = SeededGenerator(seed: 11)
        let net: Network<Double> = Reference.network(
            widths: [2, 3, 3, 2],
            hidden: .sigmoid,
            output: .softmax,
            using: &g
        )
        let e = net.explain(loss: .crossEntropy, reduction: .mean)
        #expect(e.map(\.layer) == [1, 2, 3])
        #expect(e[0].delta.needs == ["W^2", "δ^2", "z^1"])
        #expect(e[0].delta.formula == "δ^1 = ((W^2)^T δ^2) ⊙ σ'(z^1)")
        #expect(e[0].weightGradient.needs == ["δ^1", "a^0"])
        #expect(e[0].weightGradient.formula == "∇W^1 = δ^1 (a^0)^T")
        #expect(e[1].delta.needs == ["W^3", "δ^3", "z^2"])
        #expect(e[2].delta.needs == ["a^3", "y"])
        #expect(e[2].delta.formula.contains("fused softmax + cross-entropy"))
        #expect(!e[0].weightGradient.needs.contains("a^1"), "∇W^1 does not need a^1")
    }

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
