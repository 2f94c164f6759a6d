import Backprop
import TestSupport
import Testing

@Suite("Network validation")
struct NetworkValidationTests {
    @Test func softmaxOnAHiddenLayerIsRefused() {
        let net = Network<Double>(layers: [
            Layer(weights: Matrix([[1, 2]]), activation: .softmax),
            Layer(weights: Matrix([[1]]), activation: .identity),
        ])
        #expect(throws: NetworkError.softmaxNotOnOutputLayer(layer: 0)) { try net.validate() }
    }

    @Test func layersThatDoNotChainAreRefused() {
        let net = Network<Double>(layers: [
            Layer(weights: Matrix([[1, 2], [3, 4]]), activation: .relu),
            Layer(weights: Matrix([[1, 2, 3]]), activation: .identity),
        ])
        #expect(throws: NetworkError.weightsDoNotMatchPreviousLayer(layer: 1, units: 1, columns: 3, previousUnits: 2)) {
            try net.validate()
        }
    }

    @Test func crossEntropyNeedsSoftmaxOrIdentity() {
        let net = Network<Double>(layers: [Layer(weights: Matrix([[1, 2]]), activation: .tanh)])
        #expect(throws: NetworkError.lossDoesNotAcceptOutput(loss: .crossEntropy, output: .tanh)) {
            try net.validate(inputs: Matrix([[1, 2]]), targets: Matrix([[1]]), loss: .crossEntropy)
        }
    }

    @Test func inputsOfTheWrongWidthAreRefused() {
        let net = Network<Double>(layers: [Layer(weights: Matrix([[1, 2]]), activation: .identity)])
        #expect(throws: NetworkError.inputsDoNotMatchFirstLayer(expected: 2, actual: 3)) {
            try net.validate(inputs: Matrix([[1, 2, 3]]), targets: nil, loss: nil)
        }
    }

    @Test func biasesOfTheWrongLengthAreRefused() {
        let net = Network<Double>(layers: [Layer(weights: Matrix([[1, 2], [3, 4]]), biases: [0], activation: .relu)])
        #expect(throws: NetworkError.biasesDoNotMatchWeights(layer: 0, units: 2, biases: 1)) { try net.validate() }
    }

    @Test func targetsOfTheWrongShapeAndEmptyBatchesAreRefused() {
        let net = Network<Double>(layers: [Layer(weights: Matrix([[1, 2]]), activation: .identity)])
        #expect(
            throws: NetworkError.targetsDoNotMatchOutput(
                expectedRows: 1,
                expectedColumns: 1,
                actualRows: 1,
                actualColumns: 2
            )
        ) {
            try net.validate(inputs: Matrix([[1, 2]]), targets: Matrix([[1, 2]]), loss: .mse)
        }
        #expect(throws: NetworkError.emptyBatch) {
            try net.validate(batch: 0, inputWidth: 2, targets: nil, loss: nil)
        }
        #expect(throws: NetworkError.noLayers) { try Network<Double>(layers: []).validate() }
    }

    @Test("faults describe themselves in the article's numbering, never as Swift's enum text")
    func descriptions() {
        let fault = NetworkError.weightsDoNotMatchPreviousLayer(layer: 1, units: 1, columns: 3, previousUnits: 2)
        #expect(fault.description == "W^2 has shape [1, 3], but layer 1 has 2 units, so it needs 2 columns")
        #expect(NetworkError.softmaxNotOnOutputLayer(layer: 0).description.contains("layer 1"))
        #expect(!NetworkError.lossDoesNotAcceptOutput(loss: .mse, output: .tanh).description.contains("("))
    }
}

@Suite("Matrix products through OpenBLAS")
struct MatrixProductTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func productMatchesNaiveMatmul(transposeA: Bool, transposeB: Bool) {
        var g = SeededGenerator(seed: 9)
        let a: Matrix<Double> = transposeA ? Reference.random(7, 5, using: &g) : Reference.random(5, 7, using: &g)
        let b: Matrix<Double> = transposeB ? Reference.random(3, 7, using: &g) : Reference.random(7, 3, using: &g)
        let c = Matrix.product(a, transposed: transposeA, b, transposed: transposeB)
        let na = transposeA ? Reference.transpose(a.nested) : a.nested
        let nb = transposeB ? Reference.transpose(b.nested) : b.nested
        #expect(c.shape == [5, 3])
        let d = maxDifference(c.storage, Reference.matmul(na, nb).flatMap { $0 })
        #expect(d.value < 1e-14, "max difference \(d.value) at \(d.index)")
    }

    @Test func float32ProductMatchesNaiveMatmul() {
        var g = SeededGenerator(seed: 10)
        let a: Matrix<Double> = Reference.random(9, 4, using: &g)
        let b: Matrix<Double> = Reference.random(4, 6, using: &g)
        let c = Matrix.product(a.converted(to: Float.self), b.converted(to: Float.self))
        let expected = Reference.matmul(a.nested, b.nested).flatMap { $0 }
        #expect(maxDifference(c.storage.map(Double.init), expected).value < 1e-5)
    }
}

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
