import Backprop
import WireFormat

/// Builds a `GradientRequest` from typed parts, for every front end: it owns the limits, the
/// network's validator, the batch's checks, labels, gradcheck's settings and the work estimate.
///
/// A reader hands parts over in the order it meets them (the layers in order, then the inputs,
/// then targets or labels) and asks `elementLimit` before it allocates a tensor, so the first
/// fault of a request is the same whichever front end sent it, and each check runs as soon as
/// its parts are there (a chain fault in layer 2 is found before layer 3 is read).
struct RequestAssembler<S: BLASScalar> {
    let operation: Operation
    let limits: ServiceLimits
    let loss: Loss?
    private(set) var layers: [Layer<S>] = []
    private var declaredLayers = 0
    private var parameters = 0
    private var inputs: Matrix<S>?
    private var targets: Matrix<S>?

    /// Starts a request for `operation`; every operation but the forward pass needs a loss.
    init(operation: Operation, limits: ServiceLimits, loss: Loss?) throws(Fault) {
        if loss == nil && operation != .forward { throw Fault(.loss, .lossRequired) }
        self.operation = operation
        self.limits = limits
        self.loss = loss
    }

    /// The cap on one tensor's elements, for readers that check a declared shape themselves.
    var tensorLimits: TensorLimits { TensorLimits(maxElements: limits.maxTensorElements) }

    /// Checks a tensor's declared shape against the element limit, before it is allocated.
    func checkElements(of shape: [Int], at field: Fault.Field) throws(Fault) {
        // The whole product (saturating), so the message quotes the tensor's real size.
        var count = 1
        var overflowed = false
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            overflowed = overflowed || overflow
            count = overflowed ? Int.max : product
        }
        if overflowed || count > limits.maxTensorElements {
            throw Fault(field, .tooManyElements(count: count, limit: limits.maxTensorElements))
        }
    }

    // MARK: - The network

    /// How many layers the network will have, before any is read.
    mutating func expectLayers(_ count: Int) throws(Fault) {
        if count == 0 { throw Fault(.layers, .network(.noLayers)) }
        if count > limits.maxLayers { throw Fault(.layers, .tooManyLayers(count: count, limit: limits.maxLayers)) }
        declaredLayers = count
    }

    /// Checks the next layer's weight shape against the unit and parameter limits, before its
    /// biases are read.
    mutating func checkWeights(rows: Int, columns: Int) throws(Fault) {
        let l = layers.count
        if rows > limits.maxUnits { throw Fault(.weights(l), .tooManyUnits(count: rows, limit: limits.maxUnits)) }
        if l == 0 && columns > limits.maxUnits {
            throw Fault(.weights(l), .tooManyInputs(count: columns, limit: limits.maxUnits))
        }
        // Saturating: a reader checks each tensor's elements first, but the sum must not trap.
        let (weights, o1) = rows.multipliedReportingOverflow(by: columns)
        let (sum, o2) = parameters.addingReportingOverflow(weights &+ rows)
        parameters = o1 || o2 ? Int.max : sum
        if parameters > limits.maxParameters { throw Fault(.layer(l), .tooManyParameters(limit: limits.maxParameters)) }
    }

    /// Adds the next layer (its weights already passed `checkWeights`) and checks it against the
    /// one before: W^l takes n_{l−1} inputs, b^l has n_l entries, softmax only on the output.
    mutating func addLayer(weights: Matrix<S>, biases: [S]?, activation: Activation) throws(Fault) {
        let layer = Layer(weights: weights, biases: biases, activation: activation)
        do {
            try Network.check(layer, at: layers.count, after: layers.last, isOutput: layers.count == declaredLayers - 1)
        } catch {
            throw Fault(error, in: Network(layers: layers + [layer]))
        }
        layers.append(layer)
    }

    // MARK: - The batch

    /// A^0: [B, n_0]. Checked against the batch limit, the network and the loss at once.
    mutating func setInputs(_ m: Matrix<S>) throws(Fault) {
        if m.rows > limits.maxBatch { throw Fault(.inputs, .batchTooLarge(count: m.rows, limit: limits.maxBatch)) }
        try validate(batch: m.rows, inputWidth: m.columns, targets: nil)
        inputs = m
    }

    /// Refuses targets and labels together (before either is read).
    func checkTargets(given: Bool, labels: Bool) throws(Fault) {
        if given && labels { throw Fault(.labels, .targetsAndLabels) }
    }

    /// Y: [B, n_L].
    mutating func setTargets(_ m: Matrix<S>) throws(Fault) {
        let batch = inputs?.rows ?? 0
        try validate(batch: batch, inputWidth: inputs?.columns ?? 0, targets: (m.rows, m.columns))
        targets = m
    }

    /// Whether labels may be given (only with cross-entropy); asked before they are read.
    func checkLabelsAllowed() throws(Fault) {
        if loss != .crossEntropy { throw Fault(.labels, .labelsNeedCrossEntropy) }
    }

    /// Class indices, one per sample, made one-hot targets.
    mutating func setLabels(_ labels: [Double]) throws(Fault) {
        try checkLabelsAllowed()
        let batch = inputs?.rows ?? 0
        if labels.count != batch { throw Fault(.labels, .labelCount(labels: labels.count, batch: batch)) }
        let outputs = layers.last?.units ?? 0
        var m = Matrix<S>(rows: batch, columns: outputs)
        for (i, label) in labels.enumerated() {
            guard label == label.rounded(), label >= 0, label < Double(outputs) else {
                throw Fault(.label(i), .notAClassIndex(value: label, outputs: outputs))
            }
            m[i, Int(label)] = 1
        }
        targets = m
    }

    // MARK: - The whole

    /// The request, once every part is in: targets where the operation needs them, the work
    /// limit, and gradcheck's step and tolerances (NaN stands for a value that is not a number).
    func finish(
        options: RequestOptions,
        epsilon: Double? = nil,
        atol: Double? = nil,
        rtol: Double? = nil
    ) throws(Fault) -> GradientRequest<S> {
        guard let inputs else { throw Fault(.inputs, .network(.emptyBatch)) }
        if targets == nil && loss != nil && operation != .forward { throw Fault(.targets, .targetsRequired) }
        if targets != nil && loss == nil { throw Fault(.loss, .lossRequiredForTargets) }
        let network = Network(layers: layers)
        let (work, overflow) = network.multiplyAddsPerSample.multipliedReportingOverflow(by: inputs.rows)
        if overflow || work > limits.maxWork {
            throw Fault(.inputs, .tooMuchWork(estimate: overflow ? Int.max : work, limit: limits.maxWork))
        }
        var request = GradientRequest(network: network, inputs: inputs, targets: targets, loss: loss, options: options)
        if operation == .gradcheck {
            let defaults = GradcheckTolerances()
            request.tolerances = GradcheckTolerances(
                epsilon: try Self.positive(epsilon, "epsilon", default: defaults.epsilon),
                atol: try Self.positive(atol, "atol", default: defaults.atol, allowZero: true),
                rtol: try Self.positive(rtol, "rtol", default: defaults.rtol, allowZero: true)
            )
            if network.parameterCount > limits.maxGradcheckParameters {
                throw Fault(
                    .network,
                    .gradcheckTooLarge(parameters: network.parameterCount, limit: limits.maxGradcheckParameters)
                )
            }
        }
        return request
    }

    private func validate(batch: Int, inputWidth: Int, targets: (rows: Int, columns: Int)?) throws(Fault) {
        let network = Network(layers: layers)
        do {
            try network.validate(batch: batch, inputWidth: inputWidth, targets: targets, loss: loss)
        } catch {
            throw Fault(error, in: network)
        }
    }

    private static func positive(
        _ value: Double?,
        _ name: String,
        default fallback: Double,
        allowZero: Bool = false
    ) throws(Fault) -> Double {
        guard let value else { return fallback }
        guard value.isFinite, value > 0 || (allowZero && value == 0) else {
            throw Fault(.setting(name), .notPositive(allowZero: allowZero))
        }
        return value
    }
}
