import Backprop
import WireFormat

extension Fault.Field {
    /// The field as `/v2` names it: the input or parameter it is in.
    var v2Name: String {
        switch self {
        case .network, .layers: "the network"
        case .layer(let l), .weights(let l): "input W\(l + 1)"
        case .biases(let l): "input b\(l + 1)"
        case .activation(let l): "parameter activations (layer \(l + 1))"
        case .inputs: "input inputs"
        case .targets: "input targets"
        case .labels, .label: "input labels"
        case .loss: "parameter loss"
        case .setting(let name): "parameter \(name)"
        }
    }
}

extension Problem {
    /// The `/v2` answer to a fault: its status, and a sentence in the protocol's names (inputs
    /// `W1…WL`, `b1…bL`, `inputs`, `targets`, `labels`; parameters), rendered as `{"error"}`.
    init(v2 fault: Fault, retryAfter: Int) {
        switch fault.reason {
        case .timedOut:
            self = .timedOut(retryAfter: retryAfter)
            return
        case .internalError:
            self = .internalError()
            return
        default: break
        }
        let kind = fault.status == 413 ? "too-large" : "invalid-request"
        self.init(status: fault.status, kind: kind, title: "", detail: Self.v2Sentence(fault))
    }

    private static func v2Sentence(_ fault: Fault) -> String {
        let subject = fault.field.v2Name
        let layer =
            if case .layer(let l) = fault.field { l } else if case .weights(let l) = fault.field { l } else { 0 }
        switch fault.reason {
        case .network(let error):
            return v2Sentence(error)
        case .inputWidth(let expected, let actual, let units):
            return
                "input inputs has \(Wording.count(actual, "column")), but W1 has shape [\(units), \(expected)], so inputs needs \(Wording.count(expected, "column"))"
        case .tooManyLayers(let count, let limit):
            return "the request has \(Wording.count(count, "layer")) (W1…W\(count)); the limit is \(limit)"
        case .tooManyUnits(let count, let limit):
            return "\(subject) has \(Wording.count(count, "row")) (units); the limit is \(limit) per layer"
        case .tooManyInputs(let count, let limit):
            return "\(subject) has \(Wording.count(count, "column")) (inputs); the limit is \(limit)"
        case .tooManyParameters(let limit):
            return "the network has over \(limit) parameters (the limit) by input W\(layer + 1)"
        case .batchTooLarge(let count, let limit):
            return "input inputs has \(Wording.count(count, "row")) (samples); the limit is \(limit)"
        case .tooManyElements(let count, let limit):
            return "\(subject) has \(Wording.count(count, "element")); the limit is \(limit) per tensor"
        case .tooMuchWork(let estimate, let limit):
            return "the request needs about \(estimate) multiply-adds; the work limit is \(limit) per request"
        case .gradcheckTooLarge(let parameters, let limit):
            return
                "model gradcheck is limited to \(limit) parameters (two forward passes each); this network has \(parameters)"
        case .notFinite(let element, let dtype):
            return
                "\(subject): element \(element) is not finite (NaN, infinity, or overflows \(V2Datatype(dtype).wireName))"
        case .lossRequired:
            return "parameter loss is needed: " + Wording.oneOf(Loss.wireNames)
        case .targetsRequired:
            return "the request needs the input targets (or labels, with loss cross_entropy)"
        case .lossRequiredForTargets:
            return "input targets was given, so parameter loss is needed to compare them"
        case .targetsAndLabels:
            return "give input targets or input labels, not both"
        case .labelsNeedCrossEntropy:
            return "input labels (class indices) goes with loss cross_entropy; give targets otherwise"
        case .labelCount(let labels, let batch):
            return "input labels has \(Wording.count(labels, "label")) for a batch of \(Wording.count(batch, "sample"))"
        case .notAClassIndex(let value, let outputs):
            let sample = if case .label(let i) = fault.field { i } else { 0 }
            let expected =
                switch outputs {
                case 1: "expected 0 (the last layer has 1 unit)"
                case 2: "expected 0 or 1"
                default: "expected an integer from 0 to \(outputs - 1)"
                }
            return "input labels: label \(Wording.number(value)) (sample \(sample)) is not a class index: \(expected)"
        case .notPositive(let allowZero):
            return "\(subject) must be a \(allowZero ? "non-negative" : "positive") number"
        case .forwardOverflow(let dtype):
            return
                "the forward pass overflowed \(V2Datatype(dtype).wireName) (non-finite outputs or loss); scale the weights or inputs down"
        case .gradientsOverflow(let dtype):
            return
                "the gradients of layer \(layer + 1) overflowed \(V2Datatype(dtype).wireName); scale the weights or inputs down"
        case .timedOut, .internalError:
            return "the server failed to compute an answer"
        }
    }

    /// A validator fault in the protocol's names.
    private static func v2Sentence(_ error: NetworkError) -> String {
        switch error {
        case .noLayers:
            "the request needs the weights of layer 1 as input W1"
        case .weightsDoNotMatchPreviousLayer(let l, let units, let columns, let previous):
            "input W\(l + 1) has shape [\(units), \(columns)], but W\(l) has \(Wording.count(previous, "row")), so W\(l + 1) needs \(Wording.count(previous, "column"))"
        case .biasesDoNotMatchWeights(let l, let units, let biases):
            "input b\(l + 1) has \(Wording.count(biases, "element")), but W\(l + 1) has \(Wording.count(units, "row")), so b\(l + 1) needs \(Wording.count(units, "element"))"
        case .softmaxNotOnOutputLayer(let l):
            "parameter activations: softmax is allowed on the last layer only, not on layer \(l + 1)"
        case .emptyBatch:
            "input inputs has no rows"
        case .inputsDoNotMatchFirstLayer(let expected, let actual):
            "input inputs has \(Wording.count(actual, "column")), but W1 takes \(expected)"
        case .targetsDoNotMatchOutput(let rows, let columns, let actualRows, let actualColumns):
            "input targets has shape [\(actualRows), \(actualColumns)]; it needs [\(rows), \(columns)] (batch size × the last layer's rows)"
        case .lossDoesNotAcceptOutput(let loss, let output):
            "parameter loss: \(loss.wireName) needs a \((loss.acceptedOutputs ?? []).map(\.wireName).joined(separator: " or ")) last layer, but parameter activations gives it \(output.wireName)"
        case .cancelled:
            "the request was cancelled"
        }
    }
}
