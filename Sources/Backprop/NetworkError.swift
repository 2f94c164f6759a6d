/// Why a network, batch or loss cannot be computed: one case per fault, carrying the layer, what
/// was expected and what was found, so a caller can point at the field (the service turns each
/// into a JSON Pointer and a sentence). Layers are counted from 0 here, as in an array of layers
/// (the article's layer l is index l − 1); the descriptions use the article's numbering.
public enum NetworkError: Error, Equatable, Sendable, CustomStringConvertible {
    case noLayers
    /// `W^l` has `columns` columns, but the layer before has `previousUnits` units.
    case weightsDoNotMatchPreviousLayer(layer: Int, units: Int, columns: Int, previousUnits: Int)
    case biasesDoNotMatchWeights(layer: Int, units: Int, biases: Int)
    case softmaxNotOnOutputLayer(layer: Int)
    case emptyBatch
    case inputsDoNotMatchFirstLayer(expected: Int, actual: Int)
    case targetsDoNotMatchOutput(expectedRows: Int, expectedColumns: Int, actualRows: Int, actualColumns: Int)
    case lossDoesNotAcceptOutput(loss: Loss, output: Activation)
    /// The caller's `shouldStop` said to give up.
    case cancelled

    /// A sentence in the article's words: its layer numbers, and the `name`s of losses and
    /// activations (never Swift's spelling of the enum cases).
    public var description: String {
        switch self {
        case .noLayers:
            "a network needs at least one layer"
        case .weightsDoNotMatchPreviousLayer(let l, let units, let columns, let previous):
            "W^\(l + 1) has shape [\(units), \(columns)], but layer \(l) has \(Self.count(previous, "unit")), so it needs \(Self.count(previous, "column"))"
        case .biasesDoNotMatchWeights(let l, let units, let biases):
            "b^\(l + 1) has \(Self.count(biases, "entry", "entries")); layer \(l + 1) has \(Self.count(units, "unit"))"
        case .softmaxNotOnOutputLayer(let l):
            "softmax is allowed on the output layer only, not on layer \(l + 1)"
        case .emptyBatch:
            "the batch has no samples"
        case .inputsDoNotMatchFirstLayer(let expected, let actual):
            "the inputs have \(Self.count(actual, "column")); the first layer takes \(Self.count(expected, "column"))"
        case .targetsDoNotMatchOutput(let rows, let columns, let actualRows, let actualColumns):
            "the targets have shape [\(actualRows), \(actualColumns)]; expected [\(rows), \(columns)]"
        case .lossDoesNotAcceptOutput(let loss, let output):
            // The names go without articles: "a ELU" or "a identity" would need a rule per name.
            if let accepted = loss.acceptedOutputs?.map(\.name).joined(separator: " or ") {
                "\(loss.name) needs the output layer to be \(accepted), not \(output.name)"
            } else {
                // Not a fault the validator raises (such a loss accepts any output), but a value
                // anyone can make.
                "\(loss.name) does not accept \(output.name) on the output layer"
            }
        case .cancelled:
            "cancelled"
        }
    }

    /// `n` and the noun, plural when `n` is not 1. WireFormat has a `Wording.count` for the
    /// service's sentences; Backprop sits below it and keeps this small one of its own.
    private static func count(_ n: Int, _ noun: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? noun : plural ?? noun + "s")"
    }
}
