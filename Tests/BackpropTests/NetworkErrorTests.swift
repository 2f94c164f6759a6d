import Backprop
import Testing

@Suite("Network faults describe themselves in words")
struct NetworkErrorTests {
    /// Every case, with singular and plural counts and parameterised activations.
    static let descriptions: [(NetworkError, String)] = [
        (.noLayers, "a network needs at least one layer"),
        (
            .weightsDoNotMatchPreviousLayer(layer: 1, units: 1, columns: 3, previousUnits: 2),
            "W^2 has shape [1, 3], but layer 1 has 2 units, so it needs 2 columns"
        ),
        (
            .weightsDoNotMatchPreviousLayer(layer: 2, units: 4, columns: 2, previousUnits: 1),
            "W^3 has shape [4, 2], but layer 2 has 1 unit, so it needs 1 column"
        ),
        (.biasesDoNotMatchWeights(layer: 0, units: 2, biases: 1), "b^1 has 1 entry; layer 1 has 2 units"),
        (.biasesDoNotMatchWeights(layer: 1, units: 1, biases: 2), "b^2 has 2 entries; layer 2 has 1 unit"),
        (.softmaxNotOnOutputLayer(layer: 0), "softmax is allowed on the output layer only, not on layer 1"),
        (.emptyBatch, "the batch has no samples"),
        (
            .inputsDoNotMatchFirstLayer(expected: 3, actual: 1),
            "the inputs have 1 column; the first layer takes 3 columns"
        ),
        (
            .inputsDoNotMatchFirstLayer(expected: 1, actual: 2),
            "the inputs have 2 columns; the first layer takes 1 column"
        ),
        (
            .targetsDoNotMatchOutput(expectedRows: 1, expectedColumns: 1, actualRows: 1, actualColumns: 2),
            "the targets have shape [1, 2]; expected [1, 1]"
        ),
        (
            .lossDoesNotAcceptOutput(loss: .crossEntropy, output: .leakyReLU(alpha: 0.01)),
            "cross-entropy needs the output layer to be softmax or identity, not leaky ReLU (α = 0.01)"
        ),
        (
            .lossDoesNotAcceptOutput(loss: .binaryCrossEntropy, output: .elu(alpha: 1)),
            "binary cross-entropy needs the output layer to be sigmoid or identity, not ELU (α = 1)"
        ),
        // Not raised by the validator (mse accepts any output), but still a sentence.
        (
            .lossDoesNotAcceptOutput(loss: .mse, output: .tanh),
            "mean squared error does not accept tanh on the output layer"
        ),
        (.cancelled, "cancelled"),
    ]

    @Test("each fault's description, word for word", arguments: descriptions)
    func description(fault: NetworkError, expected: String) {
        #expect(fault.description == expected)
        #expect("\(fault)" == expected)
    }

    static let activations: [(Activation, String)] = [
        (.identity, "identity"), (.sigmoid, "sigmoid"), (.tanh, "tanh"), (.relu, "ReLU"),
        (.leakyReLU(alpha: 0.01), "leaky ReLU (α = 0.01)"), (.leakyReLU(alpha: 2), "leaky ReLU (α = 2)"),
        (.elu(alpha: 1), "ELU (α = 1)"), (.elu(alpha: 0.5), "ELU (α = 0.5)"), (.softplus, "softplus"),
        (.gelu, "GELU"), (.silu, "SiLU"), (.softmax, "softmax"),
    ]

    @Test("each activation's name, its parameter written as a person writes it", arguments: activations)
    func activationName(activation: Activation, expected: String) {
        #expect(activation.name == expected)
    }

    @Test(
        "each loss's name",
        arguments: [
            (Loss.quadratic, "quadratic cost"), (.mse, "mean squared error"), (.crossEntropy, "cross-entropy"),
            (.binaryCrossEntropy, "binary cross-entropy"),
        ]
    )
    func lossName(loss: Loss, expected: String) {
        #expect(loss.name == expected)
    }

    @Test("no loss × output fault shows Swift's spelling of a case", arguments: Loss.allCases)
    func noEnumSpelling(loss: Loss) {
        for (output, _) in Self.activations {
            let text = NetworkError.lossDoesNotAcceptOutput(loss: loss, output: output).description
            for swiftSpelling in ["crossEntropy", "leakyReLU", "elu(", "alpha:", "mse", "relu", "gelu", "silu"] {
                #expect(!text.contains(swiftSpelling), "\(text)")
            }
        }
    }
}
