import Backprop
import WireFormat

extension Problem {
    /// The answer to a fault `Network`'s validator found: the field at fault as a JSON Pointer,
    /// and a sentence in the request's own terms. `network` is the request's (for the widths a
    /// sentence quotes).
    init<S: BLASScalar>(_ fault: NetworkError, in network: Network<S>) {
        let layers = JSONPointer.root / "network" / "layers"
        let batch = JSONPointer.root / "batch"
        switch fault {
        case .noLayers:
            self = .invalid(layers, "a network needs at least one layer")
        case .weightsDoNotMatchPreviousLayer(let l, let units, let columns, let previous):
            self = .invalid(
                layers / l / "weights",
                "weights have shape [\(units), \(columns)], but the layer before (layers[\(l - 1)]) has \(Wording.count(previous, "unit")), so W^\(l + 1) needs \(Wording.count(previous, "column"))"
            )
        case .biasesDoNotMatchWeights(let l, let units, let biases):
            self = .invalid(
                layers / l / "biases",
                "biases have \(Wording.count(biases, "entry")); the layer has \(Wording.count(units, "unit"))"
            )
        case .softmaxNotOnOutputLayer(let l):
            self = .invalid(layers / l / "activation", "softmax is allowed on the output layer only")
        case .emptyBatch:
            self = .invalid(batch / "inputs", "a matrix needs at least one row")
        case .inputsDoNotMatchFirstLayer(let expected, let actual):
            let units = network.layers.first?.units ?? 0
            self = .invalid(
                batch / "inputs",
                "inputs have \(Wording.count(actual, "column")); the first layer's weights take \(expected) (shape [n_1, n_0] = [\(units), \(expected)])"
            )
        case .targetsDoNotMatchOutput(let rows, let columns, let actualRows, let actualColumns):
            self = .invalid(
                batch / "targets",
                "targets have shape [\(actualRows), \(actualColumns)]; expected [\(rows), \(columns)] (batch size × output units)"
            )
        case .lossDoesNotAcceptOutput(let loss, let output):
            let accepted = (loss.acceptedOutputs ?? []).map(\.wireName).joined(separator: " or ")
            self = .invalid(
                layers / (network.layers.count - 1) / "activation",
                "\(loss.wireName) needs a \(accepted) output layer, not \(output.wireName)"
            )
        case .cancelled:
            self = .timedOut()
        }
    }
}
