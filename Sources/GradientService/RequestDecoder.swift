import Backprop
import WireFormat

/// Turns a parsed body into a `GradientRequest`, checking every field and every limit, and
/// naming the JSON Pointer of the first fault.
struct RequestDecoder {
    let operation: Operation
    let limits: ServiceLimits
    /// The tensor bytes of a binary body, when the request has one.
    var binary: BinarySection? = nil
    /// Threads a long base64 tensor may be decoded on (the worker pool's width for one request).
    var parallelism = 1

    /// A matrix field, with this request's tensor limits, binary section and parallelism.
    private func tensorMatrix<S: BLASScalar>(
        _ value: JSONValue,
        at pointer: JSONPointer,
        _ tensorLimits: TensorLimits
    ) throws(WireError) -> Matrix<S> {
        try TensorDecoder.matrix(value, at: pointer, limits: tensorLimits, binary: binary, parallelism: parallelism)
    }

    /// A vector field, likewise.
    private func tensorVector<S: BLASScalar>(
        _ value: JSONValue,
        at pointer: JSONPointer,
        _ tensorLimits: TensorLimits
    ) throws(WireError) -> [S] {
        try TensorDecoder.vector(value, at: pointer, limits: tensorLimits, binary: binary, parallelism: parallelism)
    }

    /// Reads `options` first: the dtype decides how the tensors are decoded.
    func options(_ root: JSONValue) throws(Problem) -> RequestOptions {
        guard case .object(let members) = root else {
            throw .invalid(.root, "the body must be a JSON object, got \(root.typeName)")
        }
        for m in members
        where !Fields.root.contains(m.key) || (operation != .gradcheck && ["epsilon", "atol", "rtol"].contains(m.key)) {
            throw .invalid(.root / m.key, "unknown field \"\(m.key)\"")
        }
        var options = RequestOptions(operation: operation)
        guard let value = root["options"] else { return options }
        let at = JSONPointer.root / "options"
        guard case .object(let fields) = value else {
            throw .invalid(at, "options must be an object, got \(value.typeName)")
        }
        let allowed = Fields.options(operation)
        for f in fields where !allowed.contains(f.key) {
            throw .invalid(
                at / f.key,
                "unknown option \"\(f.key)\" for /v1/\(operation.rawValue); allowed: \(allowed.sorted().joined(separator: ", "))"
            )
        }
        if let v = value["reduction"] {
            guard let s = v.stringValue, let r = Reduction(rawValue: s) else {
                throw .invalid(at / "reduction", "reduction must be \"mean\" or \"sum\"")
            }
            options.reduction = r
        }
        if let v = value["dtype"] {
            guard let s = v.stringValue, s == "float32" || s == "float64" else {
                throw .invalid(at / "dtype", "dtype must be \"float32\" or \"float64\"")
            }
            if operation == .gradcheck && s != "float64" {
                throw .invalid(at / "dtype", "gradcheck runs in float64 only (finite differences need the precision)")
            }
            options.dtype = s
        }
        if let v = value["encoding"] {
            guard let s = v.stringValue, let e = TensorEncoding(rawValue: s) else {
                throw .invalid(at / "encoding", "encoding must be one of \"nested\", \"flat\", \"base64\", \"binary\"")
            }
            options.encoding = e
        }
        if let v = value["include"] {
            guard let items = v.arrayElements else {
                throw .invalid(at / "include", "include must be an array of names")
            }
            var include = Set<Quantity>()
            for (k, item) in items.enumerated() {
                guard let s = item.stringValue, let q = Quantity(rawValue: s) else {
                    throw .invalid(
                        at / "include" / k,
                        "unknown quantity; expected one of " + Quantity.allCases.map(\.rawValue).joined(separator: ", ")
                    )
                }
                if operation == .forward && ![.preactivation, .activation].contains(q) {
                    throw .invalid(at / "include" / k, "/v1/forward can include only preactivation and activation")
                }
                include.insert(q)
            }
            options.include = include
        }
        if let v = value["explain"] {
            guard case .bool(let b) = v else { throw .invalid(at / "explain", "explain must be true or false") }
            options.explain = b
        }
        return options
    }

    func decode<S: BLASScalar>(
        _ root: JSONValue,
        options: RequestOptions,
        as: S.Type
    ) throws(Problem) -> GradientRequest<S> {
        let tensorLimits = TensorLimits(maxElements: limits.maxTensorElements)
        let loss = try self.loss(root)
        let network: Network<S> = try self.network(root, tensorLimits)
        let (inputs, targets): (Matrix<S>, Matrix<S>?) = try batch(root, network: network, loss: loss, tensorLimits)
        try checkWork(network, batch: inputs.rows)
        var request = GradientRequest(network: network, inputs: inputs, targets: targets, loss: loss, options: options)
        if operation == .gradcheck {
            request.epsilon = try positive(root, "epsilon", default: 1e-6)
            request.atol = try positive(root, "atol", default: 1e-5, allowZero: true)
            request.rtol = try positive(root, "rtol", default: 1e-3, allowZero: true)
            if network.parameterCount > limits.maxGradcheckParameters {
                throw .invalid(
                    .root / "network",
                    "gradcheck is limited to \(limits.maxGradcheckParameters) parameters (two forward passes each); this network has \(network.parameterCount)"
                )
            }
        }
        return request
    }

    private func loss(_ root: JSONValue) throws(Problem) -> Loss? {
        guard let value = root["loss"] else {
            if operation == .forward { return nil }
            throw .invalid(
                .root / "loss",
                "loss is required; one of " + Loss.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        guard let s = value.stringValue, let loss = Loss(rawValue: s) else {
            throw .invalid(
                .root / "loss",
                "unknown loss; expected one of " + Loss.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        return loss
    }

    private func network<S: BLASScalar>(_ root: JSONValue, _ tensorLimits: TensorLimits) throws(Problem) -> Network<S> {
        let at = JSONPointer.root / "network"
        guard let value = root["network"] else { throw .invalid(at, "network is required") }
        guard case .object(let fields) = value else {
            throw .invalid(at, "network must be an object, got \(value.typeName)")
        }
        for f in fields where !Fields.network.contains(f.key) {
            throw .invalid(at / f.key, "unknown field \"\(f.key)\"")
        }
        guard let layersValue = value["layers"], let items = layersValue.arrayElements else {
            throw .invalid(at / "layers", "network.layers must be an array of layers")
        }
        if items.isEmpty { throw .invalid(at / "layers", "a network needs at least one layer") }
        if items.count > limits.maxLayers {
            throw .tooLarge(at / "layers", "\(items.count) layers; the limit is \(limits.maxLayers)")
        }
        var layers: [Layer<S>] = []
        var parameters = 0
        for (l, item) in items.enumerated() {
            let lat = at / "layers" / l
            guard case .object(let fields) = item else {
                throw .invalid(lat, "a layer must be an object, got \(item.typeName)")
            }
            for f in fields where !Fields.layer.contains(f.key) {
                throw .invalid(lat / f.key, "unknown layer field \"\(f.key)\"")
            }
            guard let w = item["weights"] else { throw .invalid(lat / "weights", "weights are required") }
            let weights: Matrix<S>
            do {
                weights = try tensorMatrix(w, at: lat / "weights", tensorLimits)
            } catch {
                throw Problem(error)
            }
            if weights.rows > limits.maxUnits {
                throw .tooLarge(lat / "weights", "\(weights.rows) units; the limit is \(limits.maxUnits) per layer")
            }
            if l == 0 && weights.columns > limits.maxUnits {
                throw .tooLarge(lat / "weights", "\(weights.columns) inputs; the limit is \(limits.maxUnits)")
            }
            parameters += weights.count + weights.rows
            if parameters > limits.maxParameters {
                throw .tooLarge(lat, "the network has over \(limits.maxParameters) parameters (the limit)")
            }
            if l > 0, weights.columns != layers[l - 1].units {
                throw .invalid(
                    lat / "weights",
                    "weights have shape [\(weights.rows), \(weights.columns)], but the layer before (layers[\(l - 1)]) has \(layers[l - 1].units) units, so W^\(l + 1) needs \(layers[l - 1].units) columns"
                )
            }
            var biases: [S]? = nil
            if let b = item["biases"] {
                let v: [S]
                do {
                    v = try tensorVector(b, at: lat / "biases", tensorLimits)
                } catch {
                    throw Problem(error)
                }
                if v.count != weights.rows {
                    throw .invalid(
                        lat / "biases",
                        "biases have \(v.count) entries; the layer has \(weights.rows) units"
                    )
                }
                biases = v
            }
            let activation = try self.activation(item, at: lat, isOutput: l == items.count - 1)
            layers.append(Layer(weights: weights, biases: biases, activation: activation))
        }
        return Network(layers: layers)
    }

    private func activation(_ layer: JSONValue, at lat: JSONPointer, isOutput: Bool) throws(Problem) -> Activation {
        var name = "identity"
        if let v = layer["activation"] {
            guard let s = v.stringValue else { throw .invalid(lat / "activation", "activation must be a string") }
            name = s
        }
        var alpha: Double?
        if let v = layer["alpha"] {
            guard case .number(let a) = v else { throw .invalid(lat / "alpha", "alpha must be a number") }
            guard name == "leaky_relu" || name == "elu" else {
                throw .invalid(lat / "alpha", "alpha applies only to leaky_relu and elu")
            }
            alpha = a
        }
        let activation: Activation
        switch name {
        case "identity", "linear": activation = .identity
        case "sigmoid": activation = .sigmoid
        case "tanh": activation = .tanh
        case "relu": activation = .relu
        case "leaky_relu": activation = .leakyReLU(alpha: alpha ?? 0.01)
        case "elu": activation = .elu(alpha: alpha ?? 1)
        case "softplus": activation = .softplus
        case "gelu": activation = .gelu
        case "silu": activation = .silu
        case "softmax": activation = .softmax
        default:
            throw .invalid(
                lat / "activation",
                "unknown activation \"\(name)\"; expected one of " + Activation.names.joined(separator: ", ")
            )
        }
        if activation == .softmax && !isOutput {
            throw .invalid(lat / "activation", "softmax is allowed on the output layer only")
        }
        return activation
    }

    private func batch<S: BLASScalar>(
        _ root: JSONValue,
        network: Network<S>,
        loss: Loss?,
        _ tensorLimits: TensorLimits
    ) throws(Problem) -> (Matrix<S>, Matrix<S>?) {
        let at = JSONPointer.root / "batch"
        guard let value = root["batch"] else { throw .invalid(at, "batch is required") }
        guard case .object(let fields) = value else {
            throw .invalid(at, "batch must be an object, got \(value.typeName)")
        }
        for f in fields where !Fields.batch.contains(f.key) {
            throw .invalid(at / f.key, "unknown batch field \"\(f.key)\"")
        }
        guard let inputsValue = value["inputs"] else { throw .invalid(at / "inputs", "batch.inputs is required") }
        let inputs: Matrix<S>
        do {
            inputs = try tensorMatrix(inputsValue, at: at / "inputs", tensorLimits)
        } catch {
            throw Problem(error)
        }
        if inputs.rows > limits.maxBatch {
            throw .tooLarge(at / "inputs", "batch of \(inputs.rows) samples; the limit is \(limits.maxBatch)")
        }
        if inputs.columns != network.inputWidth {
            throw .invalid(
                at / "inputs",
                "inputs have \(inputs.columns) columns; the first layer's weights take \(network.inputWidth) (shape [n_1, n_0] = [\(network.layers[0].units), \(network.inputWidth)])"
            )
        }
        let outputs = network.outputWidth
        let outputActivation = network.layers[network.layers.count - 1].activation
        if let loss, !loss.accepts(output: outputActivation) {
            throw .invalid(
                .root / "network" / "layers" / (network.layers.count - 1) / "activation",
                "\(loss.rawValue) needs a \(loss.allowedOutputActivations!.joined(separator: " or ")) output layer, not \(outputActivation.name)"
            )
        }
        if value["targets"] != nil && value["labels"] != nil {
            throw .invalid(at / "labels", "give targets or labels, not both")
        }
        var targets: Matrix<S>?
        if let t = value["targets"] {
            let m: Matrix<S>
            do {
                m = try tensorMatrix(t, at: at / "targets", tensorLimits)
            } catch {
                throw Problem(error)
            }
            if m.rows != inputs.rows || m.columns != outputs {
                throw .invalid(
                    at / "targets",
                    "targets have shape [\(m.rows), \(m.columns)]; expected [\(inputs.rows), \(outputs)] (batch size × output units)"
                )
            }
            targets = m
        } else if let labelsValue = value["labels"] {
            guard loss == .crossEntropy else {
                throw .invalid(
                    at / "labels",
                    "labels (class indices) go with the cross_entropy loss; give targets otherwise"
                )
            }
            let labels: [Double]
            do {
                labels = try tensorVector(labelsValue, at: at / "labels", tensorLimits)
            } catch {
                throw Problem(error)
            }
            if labels.count != inputs.rows {
                throw .invalid(at / "labels", "\(labels.count) labels for a batch of \(inputs.rows)")
            }
            var m = Matrix<S>(rows: inputs.rows, columns: outputs)
            for (i, label) in labels.enumerated() {
                guard label == label.rounded(), label >= 0, label < Double(outputs) else {
                    throw .invalid(at / "labels" / i, "label \(label) is not a class index in 0..<\(outputs)")
                }
                m[i, Int(label)] = 1
            }
            targets = m
        }
        if targets == nil && loss != nil && operation != .forward {
            throw .invalid(at / "targets", "batch.targets (or batch.labels for cross_entropy) is required")
        }
        if targets != nil && loss == nil {
            throw .invalid(.root / "loss", "targets were given, so a loss is needed to compare them")
        }
        return (inputs, targets)
    }

    private func checkWork<S: BLASScalar>(_ network: Network<S>, batch: Int) throws(Problem) {
        let perSample = network.layers.reduce(0) { $0 + $1.weights.count }
        let (work, overflow) = (3 * perSample).multipliedReportingOverflow(by: batch)
        if overflow || work > limits.maxWork {
            throw .tooLarge(
                .root / "batch" / "inputs",
                "about \(overflow ? Int.max : work) multiply-adds; the work limit is \(limits.maxWork) per request"
            )
        }
    }

    private func positive(
        _ root: JSONValue,
        _ key: String,
        default value: Double,
        allowZero: Bool = false
    ) throws(Problem) -> Double {
        guard let v = root[key] else { return value }
        guard case .number(let x) = v, x > 0 || (allowZero && x == 0) else {
            throw .invalid(.root / key, "\(key) must be a \(allowZero ? "non-negative" : "positive") number")
        }
        return x
    }
}
