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

    @Test("forward refuses inputs of the wrong width before any product reads them")
    func forwardRefusesTheWrongWidth() {
        // W^1 takes 3 inputs; one column of one row would have the GEMM read 2 elements past it.
        let net = Network<Double>(layers: [Layer(weights: Matrix([[1, 2, 3], [4, 5, 6]]), activation: .relu)])
        #expect(throws: NetworkError.inputsDoNotMatchFirstLayer(expected: 3, actual: 1)) {
            _ = try net.forward(Matrix([[1]]))
        }
        #expect(throws: NetworkError.inputsDoNotMatchFirstLayer(expected: 3, actual: 4)) {
            _ = try net.forward(Matrix([[1, 2, 3, 4]]))
        }
    }

    @Test("forward refuses an empty batch and a network whose layers do not chain")
    func forwardValidatesTheBatchAndTheNetwork() throws {
        let net = Network<Double>(layers: [Layer(weights: Matrix([[1, 2]]), activation: .identity)])
        #expect(throws: NetworkError.emptyBatch) { _ = try net.forward(Matrix(rows: 0, columns: 2)) }
        let broken = Network<Double>(layers: [
            Layer(weights: Matrix([[1, 2], [3, 4]]), activation: .relu),
            Layer(weights: Matrix([[1, 2, 3]]), activation: .identity),
        ])
        #expect(throws: NetworkError.weightsDoNotMatchPreviousLayer(layer: 1, units: 1, columns: 3, previousUnits: 2)) {
            _ = try broken.forward(Matrix([[1, 2]]))
        }
        // A batch that fits is computed: z = 1·3 + 2·4 = 11.
        #expect(try net.forward(Matrix([[3, 4]])).output == Matrix([[11]]))
    }
}
