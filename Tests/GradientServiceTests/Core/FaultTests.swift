import Backprop
import Testing
import WireFormat

@testable import GradientService

/// Every fault said both ways: `/v1` as problem+json (status, JSON Pointer, sentence) and `/v2`
/// as the protocol's sentence, from one typed `Fault`; and the validator's faults mapped to the
/// field they name.
@Suite("Fault")
struct FaultTests {
    /// One fault and how each front end must say it.
    struct Rendering: Sendable, CustomTestStringConvertible {
        var fault: Fault
        var status: Int
        /// nil: the `/v1` problem has no pointer.
        var pointer: String?
        var v1: String
        var v2: String

        init(_ fault: Fault, _ status: Int, _ pointer: String?, v1: String, v2: String) {
            self.fault = fault
            self.status = status
            self.pointer = pointer
            self.v1 = v1
            self.v2 = v2
        }

        var testDescription: String { "\(FaultTests.reasonName(fault.reason)) at \(fault.field): \(v1)" }
    }

    /// The `Retry-After` a 503 must carry, as passed to the renderers.
    static let retryAfter = 7

    // Every `Fault.Reason` case and every `Fault.Field` case appear at least once.
    static let renderings: [Rendering] = [
        Rendering(
            Fault(.layers, .network(.noLayers)),
            422,
            "/network/layers",
            v1: "a network needs at least one layer",
            v2: "the request needs the weights of layer 1 as input W1"
        ),
        Rendering(
            Fault(
                .weights(2),
                .network(.weightsDoNotMatchPreviousLayer(layer: 2, units: 4, columns: 3, previousUnits: 5))
            ),
            422,
            "/network/layers/2/weights",
            v1: "weights have shape [4, 3], but the layer before (layers[1]) has 5 units, so W^3 needs 5 columns",
            v2: "input W3 has shape [4, 3], but W2 has 5 rows, so W3 needs 5 columns"
        ),
        Rendering(
            Fault(
                .weights(1),
                .network(.weightsDoNotMatchPreviousLayer(layer: 1, units: 1, columns: 2, previousUnits: 1))
            ),
            422,
            "/network/layers/1/weights",
            v1: "weights have shape [1, 2], but the layer before (layers[0]) has 1 unit, so W^2 needs 1 column",
            v2: "input W2 has shape [1, 2], but W1 has 1 row, so W2 needs 1 column"
        ),
        Rendering(
            Fault(.biases(0), .network(.biasesDoNotMatchWeights(layer: 0, units: 3, biases: 1))),
            422,
            "/network/layers/0/biases",
            v1: "biases have 1 entry; the layer has 3 units",
            v2: "input b1 has 1 element, but W1 has 3 rows, so b1 needs 3 elements"
        ),
        Rendering(
            Fault(.biases(2), .network(.biasesDoNotMatchWeights(layer: 2, units: 1, biases: 2))),
            422,
            "/network/layers/2/biases",
            v1: "biases have 2 entries; the layer has 1 unit",
            v2: "input b3 has 2 elements, but W3 has 1 row, so b3 needs 1 element"
        ),
        Rendering(
            Fault(.activation(0), .network(.softmaxNotOnOutputLayer(layer: 0))),
            422,
            "/network/layers/0/activation",
            v1: "softmax is allowed on the output layer only",
            v2: "parameter activations: softmax is allowed on the last layer only, not on layer 1"
        ),
        Rendering(
            Fault(.inputs, .network(.emptyBatch)),
            422,
            "/batch/inputs",
            v1: "a matrix needs at least one row",
            v2: "input inputs has no rows"
        ),
        Rendering(
            Fault(.inputs, .network(.inputsDoNotMatchFirstLayer(expected: 2, actual: 3))),
            422,
            "/batch/inputs",
            v1: "inputs have 3 columns; the first layer's weights take 2",
            v2: "input inputs has 3 columns, but W1 takes 2"
        ),
        Rendering(
            Fault(
                .targets,
                .network(.targetsDoNotMatchOutput(expectedRows: 2, expectedColumns: 1, actualRows: 2, actualColumns: 3))
            ),
            422,
            "/batch/targets",
            v1: "targets have shape [2, 3]; expected [2, 1] (batch size × output units)",
            v2: "input targets has shape [2, 3]; it needs [2, 1] (batch size × the last layer's rows)"
        ),
        Rendering(
            Fault(
                .activation(1),
                .network(.lossDoesNotAcceptOutput(loss: .crossEntropy, output: .leakyReLU(alpha: 0.01)))
            ),
            422,
            "/network/layers/1/activation",
            v1: "cross_entropy needs a softmax or identity output layer, not leaky_relu",
            v2:
                "parameter loss: cross_entropy needs a softmax or identity last layer, but parameter activations gives it leaky_relu"
        ),
        Rendering(
            Fault(
                .activation(0),
                .network(.lossDoesNotAcceptOutput(loss: .binaryCrossEntropy, output: .elu(alpha: 1)))
            ),
            422,
            "/network/layers/0/activation",
            v1: "binary_cross_entropy needs a sigmoid or identity output layer, not elu",
            v2:
                "parameter loss: binary_cross_entropy needs a sigmoid or identity last layer, but parameter activations gives it elu"
        ),
        Rendering(
            Fault(.inputs, .inputWidth(expected: 2, actual: 3, units: 4)),
            422,
            "/batch/inputs",
            v1: "inputs have 3 columns; the first layer's weights take 2 (shape [n_1, n_0] = [4, 2])",
            v2: "input inputs has 3 columns, but W1 has shape [4, 2], so inputs needs 2 columns"
        ),
        Rendering(
            Fault(.inputs, .inputWidth(expected: 1, actual: 1, units: 1)),
            422,
            "/batch/inputs",
            v1: "inputs have 1 column; the first layer's weights take 1 (shape [n_1, n_0] = [1, 1])",
            v2: "input inputs has 1 column, but W1 has shape [1, 1], so inputs needs 1 column"
        ),
        Rendering(
            Fault(.layers, .tooManyLayers(count: 65, limit: 64)),
            413,
            "/network/layers",
            v1: "65 layers; the limit is 64",
            v2: "the request has 65 layers (W1…W65); the limit is 64"
        ),
        Rendering(
            Fault(.weights(1), .tooManyUnits(count: 20_000, limit: 16_384)),
            413,
            "/network/layers/1/weights",
            v1: "20000 units; the limit is 16384 per layer",
            v2: "input W2 has 20000 rows (units); the limit is 16384 per layer"
        ),
        Rendering(
            Fault(.weights(0), .tooManyInputs(count: 20_000, limit: 16_384)),
            413,
            "/network/layers/0/weights",
            v1: "20000 inputs; the limit is 16384",
            v2: "input W1 has 20000 columns (inputs); the limit is 16384"
        ),
        Rendering(
            Fault(.layer(2), .tooManyParameters(limit: 100)),
            413,
            "/network/layers/2",
            v1: "the network has over 100 parameters (the limit)",
            v2: "the network has over 100 parameters (the limit) by input W3"
        ),
        Rendering(
            Fault(.inputs, .batchTooLarge(count: 10, limit: 8)),
            413,
            "/batch/inputs",
            v1: "batch of 10 samples; the limit is 8",
            v2: "input inputs has 10 rows (samples); the limit is 8"
        ),
        Rendering(
            Fault(.targets, .tooManyElements(count: Int.max, limit: 67_108_864)),
            413,
            "/batch/targets",
            v1: "tensor has 9223372036854775807 elements; the limit is 67108864",
            v2: "input targets has 9223372036854775807 elements; the limit is 67108864 per tensor"
        ),
        Rendering(
            Fault(.label(3), .tooManyElements(count: 9, limit: 8)),
            413,
            "/batch/labels/3",
            v1: "tensor has 9 elements; the limit is 8",
            v2: "input labels has 9 elements; the limit is 8 per tensor"
        ),
        Rendering(
            Fault(.inputs, .tooMuchWork(estimate: 120, limit: 100)),
            413,
            "/batch/inputs",
            v1: "about 120 multiply-adds; the work limit is 100 per request",
            v2: "the request needs about 120 multiply-adds; the work limit is 100 per request"
        ),
        Rendering(
            Fault(.network, .gradcheckTooLarge(parameters: 30_000, limit: 20_000)),
            422,
            "/network",
            v1: "gradcheck is limited to 20000 parameters (two forward passes each); this network has 30000",
            v2: "model gradcheck is limited to 20000 parameters (two forward passes each); this network has 30000"
        ),
        Rendering(
            Fault(.weights(0), .notFinite(element: 3, dtype: .float32)),
            422,
            "/network/layers/0/weights",
            v1: "element 3 is not finite (NaN, infinity, or overflows float32)",
            v2: "input W1: element 3 is not finite (NaN, infinity, or overflows FP32)"
        ),
        Rendering(
            Fault(.biases(1), .notFinite(element: 0, dtype: .float64)),
            422,
            "/network/layers/1/biases",
            v1: "element 0 is not finite (NaN, infinity, or overflows float64)",
            v2: "input b2: element 0 is not finite (NaN, infinity, or overflows FP64)"
        ),
        Rendering(
            Fault(.loss, .lossRequired),
            422,
            "/loss",
            v1: "loss is required; one of quadratic, mse, cross_entropy, binary_cross_entropy",
            v2: #"parameter loss is needed: "quadratic", "mse", "cross_entropy" or "binary_cross_entropy""#
        ),
        Rendering(
            Fault(.targets, .targetsRequired),
            422,
            "/batch/targets",
            v1: "batch.targets (or batch.labels for cross_entropy) is required",
            v2: "the request needs the input targets (or labels, with loss cross_entropy)"
        ),
        Rendering(
            Fault(.loss, .lossRequiredForTargets),
            422,
            "/loss",
            v1: "targets were given, so a loss is needed to compare them",
            v2: "input targets was given, so parameter loss is needed to compare them"
        ),
        Rendering(
            Fault(.labels, .targetsAndLabels),
            422,
            "/batch/labels",
            v1: "give targets or labels, not both",
            v2: "give input targets or input labels, not both"
        ),
        Rendering(
            Fault(.labels, .labelsNeedCrossEntropy),
            422,
            "/batch/labels",
            v1: "labels (class indices) go with the cross_entropy loss; give targets otherwise",
            v2: "input labels (class indices) goes with loss cross_entropy; give targets otherwise"
        ),
        Rendering(
            Fault(.labels, .labelCount(labels: 1, batch: 2)),
            422,
            "/batch/labels",
            v1: "1 label for a batch of 2 samples",
            v2: "input labels has 1 label for a batch of 2 samples"
        ),
        Rendering(
            Fault(.labels, .labelCount(labels: 3, batch: 1)),
            422,
            "/batch/labels",
            v1: "3 labels for a batch of 1 sample",
            v2: "input labels has 3 labels for a batch of 1 sample"
        ),
        Rendering(
            Fault(.label(1), .notAClassIndex(value: 2.5, outputs: 3)),
            422,
            "/batch/labels/1",
            v1: "label 2.5 is not a class index: expected an integer from 0 to 2",
            v2: "input labels: label 2.5 (sample 1) is not a class index: expected an integer from 0 to 2"
        ),
        Rendering(
            Fault(.label(0), .notAClassIndex(value: -1, outputs: 2)),
            422,
            "/batch/labels/0",
            v1: "label -1 is not a class index: expected 0 or 1",
            v2: "input labels: label -1 (sample 0) is not a class index: expected 0 or 1"
        ),
        Rendering(
            Fault(.label(4), .notAClassIndex(value: 1, outputs: 1)),
            422,
            "/batch/labels/4",
            v1: "label 1 is not a class index: expected 0 (the output layer has 1 unit)",
            v2: "input labels: label 1 (sample 4) is not a class index: expected 0 (the last layer has 1 unit)"
        ),
        Rendering(
            Fault(.setting("epsilon"), .notPositive(allowZero: false)),
            422,
            "/epsilon",
            v1: "epsilon must be a positive number",
            v2: "parameter epsilon must be a positive number"
        ),
        Rendering(
            Fault(.setting("atol"), .notPositive(allowZero: true)),
            422,
            "/atol",
            v1: "atol must be a non-negative number",
            v2: "parameter atol must be a non-negative number"
        ),
        Rendering(
            Fault(.network, .forwardOverflow(dtype: .float32)),
            422,
            "/network",
            v1: "the forward pass overflowed float32 (non-finite outputs or loss); scale the weights or inputs down",
            v2: "the forward pass overflowed FP32 (non-finite outputs or loss); scale the weights or inputs down"
        ),
        Rendering(
            Fault(.layer(1), .gradientsOverflow(dtype: .float64)),
            422,
            "/network/layers/1",
            v1: "the gradients of layer 2 overflowed float64; scale the weights or inputs down",
            v2: "the gradients of layer 2 overflowed FP64; scale the weights or inputs down"
        ),
        Rendering(
            Fault(.network, .timedOut),
            503,
            nil,
            v1: "the request took longer than the server's --request-timeout; send less work per request",
            v2: "the request took longer than the server's --request-timeout; send less work per request"
        ),
        Rendering(
            Fault(.network, .internalError),
            500,
            nil,
            v1: "the server failed to compute an answer",
            v2: "the server failed to compute an answer"
        ),
    ]

    /// The problem kind (the `type` URI's slug) each status goes with.
    static func kind(_ status: Int) -> String {
        switch status {
        case 413: "too-large"
        case 500: "internal"
        case 503: "timeout"
        default: "invalid-request"
        }
    }

    @Test("each fault is rendered for /v1 with its status, pointer and sentence", arguments: renderings)
    func v1(_ r: Rendering) {
        let problem = Problem(r.fault, retryAfter: Self.retryAfter)
        #expect(r.fault.status == r.status)
        #expect(problem.status == r.status)
        #expect(problem.kind == Self.kind(r.status))
        #expect(problem.pointer == r.pointer)
        #expect(problem.detail == r.v1)
    }

    @Test("each fault is rendered for /v2 with its status and sentence", arguments: renderings)
    func v2(_ r: Rendering) {
        let problem = Problem(v2: r.fault, retryAfter: Self.retryAfter)
        #expect(problem.status == r.status)
        #expect(problem.kind == Self.kind(r.status))
        #expect(problem.detail == r.v2)
    }

    @Test("a timeout says Retry-After with the seconds passed, both ways; no other fault has headers")
    func retryAfterHeader() {
        for r in Self.renderings {
            let expected = r.status == 503 ? [["Retry-After", "7"]] : []
            #expect(Problem(r.fault, retryAfter: 7).headers.map { [$0.0, $0.1] } == expected, "\(r.testDescription)")
            #expect(
                Problem(v2: r.fault, retryAfter: 7).headers.map { [$0.0, $0.1] } == expected,
                "\(r.testDescription)"
            )
        }
        let other = Problem(v2: Fault(.network, .timedOut), retryAfter: 30)
        #expect(other.headers.map { [$0.0, $0.1] } == [["Retry-After", "30"]])
    }

    @Test("the table covers every reason and every field")
    func tableIsComplete() {
        // Written out so a new case must be added here, and then to the table.
        let reasons = Set(Self.renderings.map { Self.reasonName($0.fault.reason) })
        #expect(
            reasons == [
                "network", "inputWidth", "tooManyLayers", "tooManyUnits", "tooManyInputs", "tooManyParameters",
                "batchTooLarge", "tooManyElements", "tooMuchWork", "gradcheckTooLarge", "notFinite", "lossRequired",
                "targetsRequired", "lossRequiredForTargets", "targetsAndLabels", "labelsNeedCrossEntropy",
                "labelCount", "notAClassIndex", "notPositive", "forwardOverflow", "gradientsOverflow", "timedOut",
                "internalError",
            ]
        )
        let fields = Set(Self.renderings.map { Self.fieldName($0.fault.field) })
        #expect(
            fields == [
                "network", "layers", "layer", "weights", "biases", "activation", "inputs", "targets", "labels", "label",
                "loss", "setting",
            ]
        )
    }

    /// A case's name without its payload (exhaustive: a new case fails to compile here).
    static func reasonName(_ reason: Fault.Reason) -> String {
        switch reason {
        case .network: "network"
        case .inputWidth: "inputWidth"
        case .tooManyLayers: "tooManyLayers"
        case .tooManyUnits: "tooManyUnits"
        case .tooManyInputs: "tooManyInputs"
        case .tooManyParameters: "tooManyParameters"
        case .batchTooLarge: "batchTooLarge"
        case .tooManyElements: "tooManyElements"
        case .tooMuchWork: "tooMuchWork"
        case .gradcheckTooLarge: "gradcheckTooLarge"
        case .notFinite: "notFinite"
        case .lossRequired: "lossRequired"
        case .targetsRequired: "targetsRequired"
        case .lossRequiredForTargets: "lossRequiredForTargets"
        case .targetsAndLabels: "targetsAndLabels"
        case .labelsNeedCrossEntropy: "labelsNeedCrossEntropy"
        case .labelCount: "labelCount"
        case .notAClassIndex: "notAClassIndex"
        case .notPositive: "notPositive"
        case .forwardOverflow: "forwardOverflow"
        case .gradientsOverflow: "gradientsOverflow"
        case .timedOut: "timedOut"
        case .internalError: "internalError"
        }
    }

    static func fieldName(_ field: Fault.Field) -> String {
        switch field {
        case .network: "network"
        case .layers: "layers"
        case .layer: "layer"
        case .weights: "weights"
        case .biases: "biases"
        case .activation: "activation"
        case .inputs: "inputs"
        case .targets: "targets"
        case .labels: "labels"
        case .label: "label"
        case .loss: "loss"
        case .setting: "setting"
        }
    }

    @Test("a setting's pointer is at the root for gradcheck's own, under options for the rest")
    func settingPointer() {
        #expect(Fault.Field.setting("rtol").pointer.description == "/rtol")
        #expect(Fault.Field.setting("reduction").pointer.description == "/options/reduction")
        #expect(Fault.Field.setting("reduction").v2Name == "parameter reduction")
    }

    /// Spellings only Swift source has: enum cases, their payloads, and a plural after 1.
    static let swiftSpellings = [
        "crossEntropy", "leakyReLU", "binaryCrossEntropy", "alpha:", "(alpha", "1 units", "1 columns", "1 rows",
        "1 entries",
    ]

    /// Faults whose sentences quote a loss, an activation with a parameter, or a count of 1.
    static var faultsQuotingNamesAndOnes: [Fault] {
        var faults = renderings.map(\.fault)
        let activations: [Activation] = [
            .identity, .sigmoid, .tanh, .relu, .leakyReLU(alpha: 0.2), .elu(alpha: 1), .softplus, .gelu, .silu,
            .softmax,
        ]
        for loss in Loss.allCases {
            for output in activations where !loss.accepts(output: output) {
                faults.append(Fault(.activation(0), .network(.lossDoesNotAcceptOutput(loss: loss, output: output))))
            }
        }
        faults += [
            Fault(
                .weights(1),
                .network(.weightsDoNotMatchPreviousLayer(layer: 1, units: 1, columns: 1, previousUnits: 1))
            ),
            Fault(.biases(0), .network(.biasesDoNotMatchWeights(layer: 0, units: 1, biases: 1))),
            Fault(.inputs, .network(.inputsDoNotMatchFirstLayer(expected: 1, actual: 1))),
            Fault(.layers, .tooManyLayers(count: 1, limit: 0)),
            Fault(.weights(0), .tooManyUnits(count: 1, limit: 0)),
            Fault(.weights(0), .tooManyInputs(count: 1, limit: 0)),
            Fault(.inputs, .batchTooLarge(count: 1, limit: 0)),
            Fault(.inputs, .tooManyElements(count: 1, limit: 0)),
            Fault(.labels, .labelCount(labels: 1, batch: 1)),
            Fault(.label(0), .notAClassIndex(value: 1, outputs: 1)),
        ]
        return faults
    }

    @Test("no sentence, either way, has a Swift enum spelling or a plural after 1")
    func noSwiftSpellings() {
        let faults = Self.faultsQuotingNamesAndOnes
        #expect(faults.count > Self.renderings.count + 20)
        for fault in faults {
            for detail in [Problem(fault, retryAfter: 1).detail, Problem(v2: fault, retryAfter: 1).detail] {
                let found = Self.swiftSpellings.filter { detail.contains($0) }
                #expect(found.isEmpty, "\(fault): \(detail)")
            }
        }
    }

    // MARK: - The validator's faults, placed

    /// A network of two layers (3 ← 2, 1 ← 3) for the widths a sentence quotes.
    static let network = Network<Double>(layers: [
        Layer(weights: Matrix(rows: 3, columns: 2, repeating: 0.5), activation: .sigmoid),
        Layer(weights: Matrix(rows: 1, columns: 3, repeating: 0.5), activation: .tanh),
    ])

    static let placements: [(NetworkError, Fault)] = [
        (.noLayers, Fault(.layers, .network(.noLayers))),
        (
            .weightsDoNotMatchPreviousLayer(layer: 1, units: 1, columns: 4, previousUnits: 3),
            Fault(
                .weights(1),
                .network(.weightsDoNotMatchPreviousLayer(layer: 1, units: 1, columns: 4, previousUnits: 3))
            )
        ),
        (
            .biasesDoNotMatchWeights(layer: 1, units: 1, biases: 2),
            Fault(.biases(1), .network(.biasesDoNotMatchWeights(layer: 1, units: 1, biases: 2)))
        ),
        (.softmaxNotOnOutputLayer(layer: 0), Fault(.activation(0), .network(.softmaxNotOnOutputLayer(layer: 0)))),
        (.emptyBatch, Fault(.inputs, .network(.emptyBatch))),
        // The width fault quotes the first layer's units (3), which the validator does not carry.
        (
            .inputsDoNotMatchFirstLayer(expected: 2, actual: 5),
            Fault(.inputs, .inputWidth(expected: 2, actual: 5, units: 3))
        ),
        (
            .targetsDoNotMatchOutput(expectedRows: 4, expectedColumns: 1, actualRows: 4, actualColumns: 2),
            Fault(
                .targets,
                .network(.targetsDoNotMatchOutput(expectedRows: 4, expectedColumns: 1, actualRows: 4, actualColumns: 2))
            )
        ),
        // The loss refuses the output layer's activation: the last layer's (index 1).
        (
            .lossDoesNotAcceptOutput(loss: .crossEntropy, output: .tanh),
            Fault(.activation(1), .network(.lossDoesNotAcceptOutput(loss: .crossEntropy, output: .tanh)))
        ),
        // Cancellation is the deadline passing: a timeout of the whole network.
        (.cancelled, Fault(.network, .timedOut)),
    ]

    @Test("each validator fault is placed at the field it names", arguments: placements)
    func placement(_ error: NetworkError, _ expected: Fault) {
        #expect(Fault(error, in: Self.network) == expected)
    }

    @Test("a placed timeout answers 503, not the 422 of the validator's other faults")
    func cancelledIsUnavailable() {
        #expect(Fault(.cancelled, in: Self.network).status == 503)
        #expect(Fault(.emptyBatch, in: Self.network).status == 422)
    }
}
