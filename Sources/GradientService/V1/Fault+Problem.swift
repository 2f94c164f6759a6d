import Backprop
import WireFormat

extension Fault.Field {
    /// Where the field is in a `/v1` body.
    var pointer: JSONPointer {
        let layers = JSONPointer.root / "network" / "layers"
        let batch = JSONPointer.root / "batch"
        return switch self {
        case .network: .root / "network"
        case .layers: layers
        case .layer(let l): layers / l
        case .weights(let l): layers / l / "weights"
        case .biases(let l): layers / l / "biases"
        case .activation(let l): layers / l / "activation"
        case .inputs: batch / "inputs"
        case .targets: batch / "targets"
        case .labels: batch / "labels"
        case .label(let i): batch / "labels" / i
        case .loss: .root / "loss"
        case .setting(let name): Fields.gradcheckOnly.contains(name) ? .root / name : .root / "options" / name
        }
    }
}

extension Problem {
    /// The `/v1` answer to a fault: the JSON Pointer of the field at fault and a sentence in the
    /// `/v1` body's own terms (`layers[k]`, `batch.targets`). `retryAfter` goes with a 503.
    init(_ fault: Fault, retryAfter: Int) {
        let at = fault.field.pointer
        let invalid = { (detail: String) in Problem.invalid(at, detail) }
        let tooLarge = { (detail: String) in Problem.tooLarge(at, detail) }
        switch fault.reason {
        case .network(let error):
            self = invalid(Self.sentence(error))
        case .inputWidth(let expected, let actual, let units):
            self = invalid(
                "inputs have \(Wording.count(actual, "column")); the first layer's weights take \(expected) (shape [n_1, n_0] = [\(units), \(expected)])"
            )
        case .tooManyLayers(let count, let limit):
            self = tooLarge("\(Wording.count(count, "layer")); the limit is \(limit)")
        case .tooManyUnits(let count, let limit):
            self = tooLarge("\(Wording.count(count, "unit")); the limit is \(limit) per layer")
        case .tooManyInputs(let count, let limit):
            self = tooLarge("\(Wording.count(count, "input")); the limit is \(limit)")
        case .tooManyParameters(let limit):
            self = tooLarge("the network has over \(limit) parameters (the limit)")
        case .batchTooLarge(let count, let limit):
            self = tooLarge("batch of \(Wording.count(count, "sample")); the limit is \(limit)")
        case .tooManyElements(let count, let limit):
            self = tooLarge("tensor has \(Wording.count(count, "element")); the limit is \(limit)")
        case .tooMuchWork(let estimate, let limit):
            self = tooLarge("about \(estimate) multiply-adds; the work limit is \(limit) per request")
        case .gradcheckTooLarge(let parameters, let limit):
            self = invalid(
                "gradcheck is limited to \(limit) parameters (two forward passes each); this network has \(parameters)"
            )
        case .notFinite(let element, let dtype):
            self = invalid("element \(element) is not finite (NaN, infinity, or overflows \(dtype.wireName))")
        case .lossRequired:
            self = invalid("loss is required; one of " + Loss.wireNames.joined(separator: ", "))
        case .targetsRequired:
            self = invalid("batch.targets (or batch.labels for cross_entropy) is required")
        case .lossRequiredForTargets:
            self = invalid("targets were given, so a loss is needed to compare them")
        case .targetsAndLabels:
            self = invalid("give targets or labels, not both")
        case .labelsNeedCrossEntropy:
            self = invalid("labels (class indices) go with the cross_entropy loss; give targets otherwise")
        case .labelCount(let labels, let batch):
            self = invalid("\(Wording.count(labels, "label")) for a batch of \(Wording.count(batch, "sample"))")
        case .notAClassIndex(let value, let outputs):
            self = invalid("label \(Wording.number(value)) is not a class index: \(Self.classIndices(outputs))")
        case .notPositive(let allowZero):
            let name = if case .setting(let name) = fault.field { name } else { "the value" }
            self = invalid("\(name) must be a \(allowZero ? "non-negative" : "positive") number")
        case .forwardOverflow(let dtype):
            self = invalid(
                "the forward pass overflowed \(dtype.wireName) (non-finite outputs or loss); scale the weights or inputs down"
            )
        case .gradientsOverflow(let dtype):
            let layer = if case .layer(let l) = fault.field { l + 1 } else { 0 }
            self = invalid(
                "the gradients of layer \(layer) overflowed \(dtype.wireName); scale the weights or inputs down"
            )
        case .timedOut:
            self = .timedOut(retryAfter: retryAfter)
        case .internalError:
            self = .internalError()
        }
    }

    /// What labels may be for `outputs` classes.
    static func classIndices(_ outputs: Int) -> String {
        switch outputs {
        case 1: "expected 0 (the output layer has 1 unit)"
        case 2: "expected 0 or 1"
        default: "expected an integer from 0 to \(outputs - 1)"
        }
    }

    /// A validator fault in the `/v1` body's terms.
    private static func sentence(_ error: NetworkError) -> String {
        switch error {
        case .noLayers:
            "a network needs at least one layer"
        case .weightsDoNotMatchPreviousLayer(let l, let units, let columns, let previous):
            "weights have shape [\(units), \(columns)], but the layer before (layers[\(l - 1)]) has \(Wording.count(previous, "unit")), so W^\(l + 1) needs \(Wording.count(previous, "column"))"
        case .biasesDoNotMatchWeights(_, let units, let biases):
            "biases have \(Wording.count(biases, "entry")); the layer has \(Wording.count(units, "unit"))"
        case .softmaxNotOnOutputLayer:
            "softmax is allowed on the output layer only"
        case .emptyBatch:
            "a matrix needs at least one row"
        case .inputsDoNotMatchFirstLayer(let expected, let actual):
            "inputs have \(Wording.count(actual, "column")); the first layer's weights take \(expected)"
        case .targetsDoNotMatchOutput(let rows, let columns, let actualRows, let actualColumns):
            "targets have shape [\(actualRows), \(actualColumns)]; expected [\(rows), \(columns)] (batch size × output units)"
        case .lossDoesNotAcceptOutput(let loss, let output):
            "\(loss.wireName) needs a \((loss.acceptedOutputs ?? []).map(\.wireName).joined(separator: " or ")) output layer, not \(output.wireName)"
        case .cancelled:
            "the request was cancelled"
        }
    }
}
