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

    public var description: String {
        switch self {
        case .noLayers:
            "a network needs at least one layer"
        case .weightsDoNotMatchPreviousLayer(let l, let units, let columns, let previous):
            "W^\(l + 1) has shape [\(units), \(columns)], but layer \(l) has \(previous) units, so it needs \(previous) columns"
        case .biasesDoNotMatchWeights(let l, let units, let biases):
            "b^\(l + 1) has \(biases) entries; layer \(l + 1) has \(units) units"
        case .softmaxNotOnOutputLayer(let l):
            "softmax is allowed on the output layer only, not on layer \(l + 1)"
        case .emptyBatch:
            "the batch has no samples"
        case .inputsDoNotMatchFirstLayer(let expected, let actual):
            "the inputs have \(actual) columns; the first layer takes \(expected)"
        case .targetsDoNotMatchOutput(let rows, let columns, let actualRows, let actualColumns):
            "the targets have shape [\(actualRows), \(actualColumns)]; expected [\(rows), \(columns)]"
        case .lossDoesNotAcceptOutput(let loss, let output):
            "\(loss) does not accept a \(output) output layer"
        case .cancelled:
            "cancelled"
        }
    }
}
