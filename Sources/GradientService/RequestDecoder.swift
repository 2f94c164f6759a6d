import Backprop
import WireFormat

/// Turns a parsed body into a `GradientRequest`, checking every field and every limit, and
/// naming the JSON Pointer of the first fault. The shapes are checked by `Network`'s own
/// validator, layer by layer as they are read; this maps its faults to fields and sentences.
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
        let rootFields = operation.rootFields
        for m in members where !rootFields.contains(m.key) {
            if Fields.gradcheckOnly.contains(m.key) {
                throw .invalid(
                    .root / m.key,
                    "\(m.key) belongs to /v1/gradcheck; allowed here: \(Wording.names(rootFields))"
                )
            }
            throw .invalid(.root / m.key, "unknown field \"\(m.key)\"; allowed: \(Wording.names(rootFields))")
        }
        var options = RequestOptions(operation: operation)
        guard let value = root["options"] else { return options }
        let at = JSONPointer.root / "options"
        guard case .object(let fields) = value else {
            throw .invalid(at, "options must be an object, got \(value.typeName)")
        }
        let allowed = operation.optionFields
        for f in fields where !allowed.contains(f.key) {
            throw .invalid(
                at / f.key,
                "unknown option \"\(f.key)\" for /v1/\(operation.wireName); allowed: \(Wording.names(allowed))"
            )
        }
        if let v = value["reduction"] {
            guard let s = v.stringValue, let r = Reduction(wireName: s) else {
                throw .invalid(
                    at / "reduction",
                    "reduction must be \(Wording.oneOf(Reduction.wireNames)), got \(Wording.got(v))"
                )
            }
            options.reduction = r
        }
        if let v = value["dtype"] {
            guard let s = v.stringValue, let dtype = DType(wireName: s) else {
                throw .invalid(at / "dtype", "dtype must be \(Wording.oneOf(DType.wireNames)), got \(Wording.got(v))")
            }
            if operation == .gradcheck && dtype != .float64 {
                throw .invalid(at / "dtype", "gradcheck runs in float64 only (finite differences need the precision)")
            }
            options.dtype = dtype
        }
        if let v = value["encoding"] {
            guard let s = v.stringValue, let e = TensorEncoding(wireName: s) else {
                throw .invalid(
                    at / "encoding",
                    "encoding must be \(Wording.oneOf(TensorEncoding.wireNames)), got \(Wording.got(v))"
                )
            }
            options.encoding = e
        }
        if let v = value["include"] {
            guard let items = v.arrayElements else {
                throw .invalid(at / "include", "include must be an array of names")
            }
            var include = Set<Quantity>()
            for (k, item) in items.enumerated() {
                guard let s = item.stringValue, let q = Quantity(wireName: s) else {
                    throw .invalid(
                        at / "include" / k,
                        "unknown quantity \(Wording.got(item)); expected one of "
                            + Quantity.wireNames.joined(separator: ", ")
                    )
                }
                if operation == .forward && !Quantity.forwardOnly.contains(q) {
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
            let defaults = GradcheckTolerances()
            request.tolerances = GradcheckTolerances(
                epsilon: try positive(root, "epsilon", default: defaults.epsilon),
                atol: try positive(root, "atol", default: defaults.atol, allowZero: true),
                rtol: try positive(root, "rtol", default: defaults.rtol, allowZero: true)
            )
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
                "loss is required; one of " + Loss.wireNames.joined(separator: ", ")
            )
        }
        guard let s = value.stringValue, let loss = Loss(wireName: s) else {
            throw .invalid(
                .root / "loss",
                "unknown loss \(Wording.got(value)); expected one of " + Loss.wireNames.joined(separator: ", ")
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
            throw .invalid(
                at / f.key,
                "unknown field \"\(f.key)\"; allowed: \(Wording.names(Fields.network))"
            )
        }
        guard let layersValue = value["layers"], let items = layersValue.arrayElements else {
            throw .invalid(at / "layers", "network.layers must be an array of layers")
        }
        if items.isEmpty { throw .invalid(at / "layers", "a network needs at least one layer") }
        if items.count > limits.maxLayers {
            throw .tooLarge(at / "layers", "\(Wording.count(items.count, "layer")); the limit is \(limits.maxLayers)")
        }
        var layers: [Layer<S>] = []
        var parameters = 0
        for (l, item) in items.enumerated() {
            let lat = at / "layers" / l
            guard case .object(let fields) = item else {
                throw .invalid(lat, "a layer must be an object, got \(item.typeName)")
            }
            for f in fields where !Fields.layer.contains(f.key) {
                throw .invalid(
                    lat / f.key,
                    "unknown layer field \"\(f.key)\"; allowed: \(Wording.names(Fields.layer))"
                )
            }
            guard let w = item["weights"] else { throw .invalid(lat / "weights", "weights are required") }
            let weights: Matrix<S>
            do {
                weights = try tensorMatrix(w, at: lat / "weights", tensorLimits)
            } catch {
                throw Problem(error)
            }
            if weights.rows > limits.maxUnits {
                throw .tooLarge(
                    lat / "weights",
                    "\(Wording.count(weights.rows, "unit")); the limit is \(limits.maxUnits) per layer"
                )
            }
            if l == 0 && weights.columns > limits.maxUnits {
                throw .tooLarge(
                    lat / "weights",
                    "\(Wording.count(weights.columns, "input")); the limit is \(limits.maxUnits)"
                )
            }
            parameters += weights.count + weights.rows
            if parameters > limits.maxParameters {
                throw .tooLarge(lat, "the network has over \(limits.maxParameters) parameters (the limit)")
            }
            var biases: [S]? = nil
            if let b = item["biases"] {
                do {
                    biases = try tensorVector(b, at: lat / "biases", tensorLimits)
                } catch {
                    throw Problem(error)
                }
            }
            let layer = Layer(weights: weights, biases: biases, activation: try activation(item, at: lat))
            do {
                try Network.check(layer, at: l, after: layers.last, isOutput: l == items.count - 1)
            } catch {
                throw Problem(error, in: Network(layers: layers + [layer]))
            }
            layers.append(layer)
        }
        return Network(layers: layers)
    }

    private func activation(_ layer: JSONValue, at lat: JSONPointer) throws(Problem) -> Activation {
        var given = ActivationName.identity.wireName
        if let v = layer["activation"] {
            guard let s = v.stringValue else { throw .invalid(lat / "activation", "activation must be a string") }
            given = s
        }
        let name = ActivationName(wireName: given)
        var alpha: Double?
        if let v = layer["alpha"] {
            guard case .number(let a) = v, a.isFinite else {
                throw .invalid(lat / "alpha", "alpha must be a finite number")
            }
            guard name?.takesAlpha == true else {
                throw .invalid(lat / "alpha", "alpha applies only to leaky_relu and elu")
            }
            alpha = a
        }
        guard let name else {
            throw .invalid(
                lat / "activation",
                "unknown activation \"\(given)\"; expected one of " + ActivationName.wireNames.joined(separator: ", ")
            )
        }
        return name.activation(alpha: alpha)
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
            throw .invalid(
                at / f.key,
                "unknown batch field \"\(f.key)\"; allowed: \(Wording.names(Fields.batch))"
            )
        }
        guard let inputsValue = value["inputs"] else { throw .invalid(at / "inputs", "batch.inputs is required") }
        let inputs: Matrix<S>
        do {
            inputs = try tensorMatrix(inputsValue, at: at / "inputs", tensorLimits)
        } catch {
            throw Problem(error)
        }
        if inputs.rows > limits.maxBatch {
            throw .tooLarge(
                at / "inputs",
                "batch of \(Wording.count(inputs.rows, "sample")); the limit is \(limits.maxBatch)"
            )
        }
        // The batch against the network, before the targets are read (their faults come after).
        try validate(network, batch: inputs.rows, inputWidth: inputs.columns, targets: nil, loss: loss)
        let outputs = network.outputWidth
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
            try validate(
                network,
                batch: inputs.rows,
                inputWidth: inputs.columns,
                targets: (m.rows, m.columns),
                loss: loss
            )
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
                throw .invalid(
                    at / "labels",
                    "\(Wording.count(labels.count, "label")) for a batch of \(Wording.count(inputs.rows, "sample"))"
                )
            }
            var m = Matrix<S>(rows: inputs.rows, columns: outputs)
            for (i, label) in labels.enumerated() {
                guard label == label.rounded(), label >= 0, label < Double(outputs) else {
                    let expected =
                        switch outputs {
                        case 1: "expected 0 (the output layer has 1 unit)"
                        case 2: "expected 0 or 1"
                        default: "expected an integer from 0 to \(outputs - 1)"
                        }
                    throw .invalid(
                        at / "labels" / i,
                        "label \(Wording.number(label)) is not a class index: \(expected)"
                    )
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

    private func validate<S: BLASScalar>(
        _ network: Network<S>,
        batch: Int,
        inputWidth: Int,
        targets: (rows: Int, columns: Int)?,
        loss: Loss?
    ) throws(Problem) {
        do {
            try network.validate(batch: batch, inputWidth: inputWidth, targets: targets, loss: loss)
        } catch {
            throw Problem(error, in: network)
        }
    }

    private func checkWork<S: BLASScalar>(_ network: Network<S>, batch: Int) throws(Problem) {
        let (work, overflow) = network.multiplyAddsPerSample.multipliedReportingOverflow(by: batch)
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
        guard case .number(let x) = v, x.isFinite, x > 0 || (allowZero && x == 0) else {
            throw .invalid(.root / key, "\(key) must be a \(allowZero ? "non-negative" : "positive") number")
        }
        return x
    }
}
