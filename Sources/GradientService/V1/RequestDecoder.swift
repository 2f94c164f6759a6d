import Backprop
import WireFormat

/// `/v1`'s reader: turns a parsed body (JSON, or the JSON part of a binary body) into the typed
/// parts `RequestAssembler` builds a request from, naming the JSON Pointer of the first fault.
/// It knows the body's syntax only; limits and the network's checks are the assembler's.
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
    ) throws(Problem) -> Matrix<S> {
        try read { () throws(WireError) in
            try TensorDecoder.matrix(value, at: pointer, limits: tensorLimits, binary: binary, parallelism: parallelism)
        }
    }

    /// A vector field, likewise.
    private func tensorVector<S: BLASScalar>(
        _ value: JSONValue,
        at pointer: JSONPointer,
        _ tensorLimits: TensorLimits
    ) throws(Problem) -> [S] {
        try read { () throws(WireError) in
            try TensorDecoder.vector(value, at: pointer, limits: tensorLimits, binary: binary, parallelism: parallelism)
        }
    }

    /// `body`'s tensor, its fault as the problem at its pointer.
    private func read<T>(_ body: () throws(WireError) -> T) throws(Problem) -> T {
        do {
            return try body()
        } catch {
            throw Problem(error)
        }
    }

    /// The option `name`, one of `W`'s words.
    private func word<W: WireWord>(_ value: JSONValue, _ name: String, at: JSONPointer) throws(Problem) -> W {
        guard let s = value.stringValue, let word = W(wireName: s) else {
            throw .invalid(at / name, "\(name) must be \(Wording.oneOf(W.wireNames)), got \(Wording.got(value))")
        }
        return word
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
        if let v = value["reduction"] { options.reduction = try word(v, "reduction", at: at) }
        if let v = value["dtype"] {
            let dtype: DType = try word(v, "dtype", at: at)
            if operation == .gradcheck && dtype != .float64 {
                throw .invalid(at / "dtype", "gradcheck runs in float64 only (finite differences need the precision)")
            }
            options.dtype = dtype
        }
        if let v = value["encoding"] { options.encoding = try word(v, "encoding", at: at) }
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

    /// The request in `S`: the body's syntax read here, each part handed to the assembler as it
    /// is read, its faults rendered as `/v1` problems.
    func decode<S: BLASScalar>(
        _ root: JSONValue,
        options: RequestOptions,
        as: S.Type
    ) throws(Problem) -> GradientRequest<S> {
        let loss = try self.loss(root)
        var assembler = try Fault.rendered(as: v1) {
            try RequestAssembler<S>(operation: operation, limits: limits, loss: loss)
        }
        try network(root, into: &assembler)
        try batch(root, into: &assembler)
        let settings = (setting(root, "epsilon"), setting(root, "atol"), setting(root, "rtol"))
        return try Fault.rendered(as: v1) {
            try assembler.finish(options: options, epsilon: settings.0, atol: settings.1, rtol: settings.2)
        }
    }

    /// A gradcheck setting at the root: its number, NaN for a value that is not a number (the
    /// assembler refuses it with the setting's rule), nil when absent.
    private func setting(_ root: JSONValue, _ key: String) -> Double? {
        guard let v = root[key] else { return nil }
        if case .number(let x) = v { return x }
        return .nan
    }

    private func loss(_ root: JSONValue) throws(Problem) -> Loss? {
        guard let value = root["loss"] else { return nil }
        guard let s = value.stringValue, let loss = Loss(wireName: s) else {
            throw .invalid(
                .root / "loss",
                "unknown loss \(Wording.got(value)); expected one of " + Loss.wireNames.joined(separator: ", ")
            )
        }
        return loss
    }

    private func network<S: BLASScalar>(
        _ root: JSONValue,
        into assembler: inout RequestAssembler<S>
    ) throws(Problem) {
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
        try Fault.rendered(as: v1) { try assembler.expectLayers(items.count) }
        let tensorLimits = assembler.tensorLimits
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
            let weights: Matrix<S> = try tensorMatrix(w, at: lat / "weights", tensorLimits)
            try Fault.rendered(as: v1) {
                try assembler.checkWeights(rows: weights.rows, columns: weights.columns)
            }
            var biases: [S]? = nil
            if let b = item["biases"] { biases = try tensorVector(b, at: lat / "biases", tensorLimits) }
            let activation = try activation(item, at: lat)
            try Fault.rendered(as: v1) {
                try assembler.addLayer(weights: weights, biases: biases, activation: activation)
            }
        }
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

    private func batch<S: BLASScalar>(_ root: JSONValue, into assembler: inout RequestAssembler<S>) throws(Problem) {
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
        let tensorLimits = assembler.tensorLimits
        let inputs: Matrix<S> = try tensorMatrix(inputsValue, at: at / "inputs", tensorLimits)
        // The batch against the network, before the targets are read (their faults come after).
        let (targetsValue, labelsValue) = (value["targets"], value["labels"])
        try Fault.rendered(as: v1) {
            try assembler.setInputs(inputs)
            try assembler.checkTargets(given: targetsValue != nil, labels: labelsValue != nil)
        }
        if let targetsValue {
            let targets: Matrix<S> = try tensorMatrix(targetsValue, at: at / "targets", tensorLimits)
            try Fault.rendered(as: v1) { try assembler.setTargets(targets) }
        } else if let labelsValue {
            try Fault.rendered(as: v1) { try assembler.checkLabelsAllowed() }
            let labels: [Double] = try tensorVector(labelsValue, at: at / "labels", tensorLimits)
            try Fault.rendered(as: v1) { try assembler.setLabels(labels) }
        }
    }
}

/// The assembler's fault as a `/v1` problem (the assembler has no deadline: no Retry-After applies).
private func v1(_ fault: Fault) -> Problem { Problem(fault, retryAfter: 1) }
