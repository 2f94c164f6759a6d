import Backprop
import HTTPServer
import WireFormat

/// The Open Inference Protocol (KServe v2 REST, as Triton speaks it) in front of the same
/// computation as `/v1/*`: health, server and model metadata, and `infer` on the models
/// `gradients` and `forward`, with the binary tensor extension.
///
/// An inference request is translated into the `/v1` request it means (every float input becomes a
/// binary tensor of the request's dtype, in the order the `/v1` document names them) and computed
/// by the same decoder, validator, limits and math, so the numbers are `/v1/gradients`' bit for
/// bit; the `/v1` answer (asked for in its binary encoding) is then renamed into outputs. Faults
/// come back as the protocol's `{"error": "..."}`, naming the input or parameter at fault, with
/// `/v1`'s statuses.
enum InferenceProtocol {
    /// The models, by the name clients use in paths.
    static let models: [(name: String, operation: Operation)] = [
        ("gradients", .gradients), ("forward", .forward), ("gradcheck", .gradcheck),
    ]
    static let version = "1"

    enum Route: Sendable {
        case live, ready, server
        case model(String)
        case modelReady(String)
        case infer(String)
    }

    /// Whether `path` is in the protocol's namespace (`/v2` and below), answered in its forms.
    static func owns(_ path: String) -> Bool { path == "/v2" || path.hasPrefix("/v2/") }

    /// The route of a `/v2` path; nil for paths the protocol does not have. `/versions/1` may
    /// follow a model's name; another version is a path that does not exist.
    static func route(_ path: String) -> Route? {
        switch path {
        case "/v2": return .server
        case "/v2/health/live": return .live
        case "/v2/health/ready": return .ready
        default: break
        }
        guard path.hasPrefix("/v2/models/") else { return nil }
        var parts = path.dropFirst("/v2/models/".count).split(separator: "/", omittingEmptySubsequences: false)
            .map(String.init)
        guard let model = parts.first, !model.isEmpty else { return nil }
        parts.removeFirst()
        if parts.count >= 2 && parts[0] == "versions" {
            guard parts[1] == version else { return nil }
            parts.removeFirst(2)
        }
        switch parts {
        case []: return .model(model)
        case ["ready"]: return .modelReady(model)
        case ["infer"]: return .infer(model)
        default: return nil
        }
    }

    /// A bounded label for metrics (model names in paths are the client's choice).
    static func label(_ route: Route) -> String {
        switch route {
        case .live: "/v2/health/live"
        case .ready: "/v2/health/ready"
        case .server: "/v2"
        case .model: "/v2/models/{model}"
        case .modelReady: "/v2/models/{model}/ready"
        case .infer: "/v2/models/{model}/infer"
        }
    }

    static func operation(of model: String) -> Operation? { models.first { $0.name == model }?.operation }

    /// The gradcheck model's per-layer outputs (each `[1]`, FP64), besides `passed{l}` (BOOL).
    static let gradcheckOutputs = [
        "weightsMaxAbsError", "weightsMaxRelError", "biasesMaxAbsError", "biasesMaxRelError",
    ]

    // MARK: - Answers

    static func json(_ status: Int, _ write: (inout JSONWriter) -> Void) -> Response {
        var w = JSONWriter()
        write(&w)
        return Response(status: status, contentType: "application/json", body: w.bytes)
    }

    /// `{"error": "..."}` with the status and headers (Retry-After, WWW-Authenticate) of `problem`.
    static func error(_ problem: Problem, status: Int? = nil) -> Response {
        var response = json(status ?? problem.status) { w in
            w.beginObject()
            w.key("error")
            w.string(problem.detail)
            w.endObject()
        }
        response.headers += problem.headers
        return response
    }

    static func unknownModel(_ model: String) -> Response {
        var problem = Problem.notFound("/v2/models/\(model)")
        problem.detail =
            "unknown model \"\(model)\"; this server has \(models.map { "\"\($0.name)\"" }.joined(separator: ", "))"
        return error(problem)
    }

    static func serverMetadata(version: String) -> Response {
        json(200) { w in
            w.beginObject()
            w.key("name")
            w.string("backprop-server")
            w.key("version")
            w.string(version)
            w.key("extensions")
            w.beginArray()
            w.string("binary_tensor_data")
            w.endArray()
            w.endObject()
        }
    }

    /// Inputs and outputs with -1 for free dimensions, for networks of up to `maxLayers` layers.
    static func modelMetadata(_ model: String, _ operation: Operation, maxLayers: Int) -> Response {
        func tensor(_ w: inout JSONWriter, _ name: String, _ datatype: String, _ rank: Int) {
            w.beginObject()
            w.key("name")
            w.string(name)
            w.key("datatype")
            w.string(datatype)
            w.key("shape")
            w.beginArray()
            for _ in 0..<rank { w.integer(-1) }
            w.endArray()
            w.endObject()
        }
        return json(200) { w in
            w.beginObject()
            w.key("name")
            w.string(model)
            w.key("versions")
            w.beginArray()
            w.string(version)
            w.endArray()
            w.key("platform")
            w.string("backprop-server")
            w.key("inputs")
            w.beginArray()
            for l in 1...maxLayers {
                tensor(&w, "W\(l)", "FP64", 2)
                tensor(&w, "b\(l)", "FP64", 1)
            }
            tensor(&w, "inputs", "FP64", 2)
            tensor(&w, "targets", "FP64", 2)
            tensor(&w, "labels", "INT64", 1)
            w.endArray()
            w.key("outputs")
            w.beginArray()
            if operation == .gradcheck {
                tensor(&w, "passed", "BOOL", 1)
                for l in 1...maxLayers {
                    for name in InferenceProtocol.gradcheckOutputs { tensor(&w, "\(name)\(l)", "FP64", 1) }
                    tensor(&w, "passed\(l)", "BOOL", 1)
                }
                w.endArray()
                w.endObject()
                return
            }
            tensor(&w, "loss", "FP64", 1)
            for l in 1...maxLayers {
                if operation == .gradients {
                    tensor(&w, "delta\(l)", "FP64", 2)
                    tensor(&w, "weightGradient\(l)", "FP64", 2)
                    tensor(&w, "biasGradient\(l)", "FP64", 1)
                }
                tensor(&w, "preactivation\(l)", "FP64", 2)
                tensor(&w, "activation\(l)", "FP64", 2)
            }
            if operation == .gradients { tensor(&w, "inputGradient", "FP64", 2) }
            w.endArray()
            w.endObject()
        }
    }
}

// MARK: - Inference

/// One output of an inference answer, before it is selected and encoded.
struct InferenceOutput {
    enum Value {
        /// A tensor of the /v1 answer, in its storage.
        case tensor(BinaryPart)
        /// One number in a dtype (the loss; gradcheck's errors).
        case scalar(Double, DType)
        /// gradcheck's pass or fail.
        case flag(Bool)
    }

    var name: String
    var shape: [Int]
    var value: Value

    var datatype: String {
        switch value {
        case .tensor(.float32), .scalar(_, .float32): "FP32"
        case .tensor(.float64), .scalar(_, .float64): "FP64"
        case .flag: "BOOL"
        }
    }

    /// The flag's value (false for the other kinds).
    var flag: Bool {
        if case .flag(let b) = value { return b }
        return false
    }
}

/// One inference request, read from the protocol's JSON (and binary section), before translation.
struct InferenceRequest {
    struct Input {
        var name: String
        var datatype: String
        var shape: [Int]
        /// The numbers of a JSON `data` (flattened), or the range of its bytes in the binary section.
        var numbers: [Double]?
        var bytes: Range<Int>?
    }

    var id: String?
    var inputs: [Input] = []
    /// Requested outputs by name, and whether each goes as binary (nil: the request's default).
    var outputs: [(name: String, binary: Bool?)]?
    var binaryByDefault = false
    var parameters: [String: JSONValue] = [:]

    /// The float datatypes and their wire dtype.
    static let floatTypes = ["FP32": DType.float32, "FP64": DType.float64]
    static let intTypes: Set<String> = ["INT32", "INT64"]

    /// Reads the protocol's JSON object; `binary` is the byte count after the JSON part.
    init(_ root: JSONValue, binary: Int) throws(Problem) {
        guard case .object(let members) = root else { throw Problem.badRequest("the request must be a JSON object") }
        let allowed = ["id", "parameters", "inputs", "outputs"]
        if let unknown = members.first(where: { !allowed.contains($0.key) }) {
            throw Problem.badRequest(
                "unknown member \"\(unknown.key)\" in the request; allowed: \(allowed.joined(separator: ", "))"
            )
        }
        if let id = root["id"] {
            guard let text = id.stringValue else { throw Problem.badRequest("\"id\" must be a string") }
            self.id = text
        }
        if let parameters = root["parameters"] {
            guard case .object(let list) = parameters else {
                throw Problem.badRequest("\"parameters\" must be an object")
            }
            for (key, value) in list { self.parameters[key] = value }
            if case .bool(let on)? = self.parameters["binary_data_output"] { binaryByDefault = on }
        }
        guard let inputList = root["inputs"]?.arrayElements else {
            throw Problem.badRequest("the request needs \"inputs\", an array of tensors")
        }
        var offset = 0
        for item in inputList {
            guard let name = item["name"]?.stringValue else {
                throw Problem.badRequest("every input needs a \"name\"")
            }
            guard let datatype = item["datatype"]?.stringValue else {
                throw Problem.badRequest(
                    "input \(name): needs a \"datatype\" (FP32 or FP64; INT32 or INT64 for labels)"
                )
            }
            guard let dims = item["shape"]?.arrayElements else {
                throw Problem.badRequest("input \(name): needs a \"shape\", an array of dimensions")
            }
            var shape: [Int] = []
            for d in dims {
                guard case .number(let x) = d, x >= 0, x == x.rounded(), x < 1e15 else {
                    throw Problem.badRequest("input \(name): the shape's dimensions must be non-negative integers")
                }
                shape.append(Int(x))
            }
            var input = Input(name: name, datatype: datatype, shape: shape)
            if let size = item["parameters"]?["binary_data_size"] {
                guard case .number(let n) = size, n >= 0, n == n.rounded(), n < 1e15 else {
                    throw Problem.badRequest("input \(name): binary_data_size must be a non-negative integer")
                }
                input.bytes = offset..<(offset + Int(n))
                offset += Int(n)
            } else if let data = item["data"] {
                var numbers: [Double] = []
                guard Self.flatten(data, into: &numbers) else {
                    throw Problem.badRequest("input \(name): \"data\" must be an array of numbers (nested or flat)")
                }
                input.numbers = numbers
            } else {
                throw Problem.badRequest("input \(name): needs \"data\" or parameters.binary_data_size")
            }
            if inputs.contains(where: { $0.name == name }) { throw Problem.badRequest("input \(name) is given twice") }
            inputs.append(input)
        }
        guard offset == binary else {
            throw Problem.badRequest(
                "the inputs' binary_data_size add up to \(offset) bytes, but \(binary) follow the JSON part"
            )
        }
        if let outputList = root["outputs"] {
            guard let list = outputList.arrayElements else { throw Problem.badRequest("\"outputs\" must be an array") }
            var outputs: [(String, Bool?)] = []
            for item in list {
                guard let name = item["name"]?.stringValue else {
                    throw Problem.badRequest("every output needs a \"name\"")
                }
                var binary: Bool?
                if case .bool(let on)? = item["parameters"]?["binary_data"] { binary = on }
                outputs.append((name, binary))
            }
            self.outputs = outputs
        }
    }

    private static func flatten(_ value: JSONValue, into out: inout [Double]) -> Bool {
        switch value {
        case .numbers(let xs):
            out.append(contentsOf: xs)
            return true
        case .array(let items):
            for item in items where !flatten(item, into: &out) { return false }
            return true
        case .number(let x):
            out.append(x)
            return true
        default: return false
        }
    }

    /// L: the number of weight inputs W1, W2, … given without a gap.
    var depth: Int {
        var depth = 0
        while inputs.contains(where: { $0.name == "W\(depth + 1)" }) { depth += 1 }
        return depth
    }

    /// A string parameter, if given.
    func parameter(_ name: String) throws(Problem) -> String? {
        guard let value = parameters[name] else { return nil }
        guard let text = value.stringValue else { throw Problem.badRequest("parameter \"\(name)\" must be a string") }
        return text
    }
}

extension GradientHandler {
    /// Computes one `infer` on `body` (its JSON part `jsonLength` bytes long when binary).
    func infer(
        model: String,
        operation: Operation,
        body: UnsafeRawBufferPointer,
        jsonLength: Int?,
        shouldStop: @escaping () -> Bool
    ) -> Response {
        do throws(Problem) {
            return try inferOrThrow(
                model: model,
                operation: operation,
                body: body,
                jsonLength: jsonLength,
                shouldStop: shouldStop
            )
        } catch {
            return InferenceProtocol.error(error)
        }
    }

    private func inferOrThrow(
        model: String,
        operation: Operation,
        body: UnsafeRawBufferPointer,
        jsonLength: Int?,
        shouldStop: @escaping () -> Bool
    ) throws(Problem) -> Response {
        let headLength = jsonLength ?? body.count
        guard headLength <= body.count else {
            throw Problem.badRequest(
                "Inference-Header-Content-Length is \(headLength) but the body has \(body.count) bytes"
            )
        }
        let head = UnsafeRawBufferPointer(rebasing: body[0..<headLength])
        let tail = UnsafeRawBufferPointer(rebasing: body[headLength..<body.count])
        let root: JSONValue
        do throws(WireError) {
            root = try JSONParser.parse(head)
        } catch {
            if case .malformed(let offset, let reason) = error {
                let (line, column) = JSONParser.location(of: offset, in: head)
                throw Problem.malformed("\(reason) at line \(line), column \(column) (byte \(offset))")
            }
            throw Problem(error)
        }
        let request = try InferenceRequest(root, binary: tail.count)
        let translated = try translate(request, operation: operation, tail: tail)
        let result = translated.bytes.withUnsafeBytes { bytes -> Result<Encoded, Problem> in
            do throws(Problem) {
                return .success(
                    try compute(
                        operation,
                        bytes: bytes,
                        format: .binary(jsonLength: translated.headLength),
                        shouldStop: shouldStop
                    )
                )
            } catch {
                return .failure(error)
            }
        }
        let encoded: Encoded
        switch result {
        case .success(let answer): encoded = answer
        case .failure(let problem): throw problem.named(by: translated.names)
        }
        if operation == .gradcheck { return try gradcheckOutputs(of: encoded, request: request, model: model) }
        return try outputs(of: encoded, request: request, model: model, dtype: translated.dtype)
    }

    /// The gradcheck model's answer: `passed` and, per layer, the largest errors and `passed{l}`,
    /// each one element.
    private func gradcheckOutputs(
        of encoded: Encoded,
        request: InferenceRequest,
        model: String
    ) throws(Problem) -> Response {
        guard let answer = try? JSONParser.parse(encoded.json), case .bool(let passed)? = answer["passed"] else {
            throw Problem.internalError()
        }
        var available: [InferenceOutput] = [InferenceOutput(name: "passed", shape: [1], value: .flag(passed))]
        for item in answer["layers"]?.arrayElements ?? [] {
            guard case .number(let x)? = item["layer"] else { continue }
            let l = Int(x)
            for part in ["weights", "biases"] {
                for (key, suffix) in [("maxAbsError", "MaxAbsError"), ("maxRelError", "MaxRelError")] {
                    if case .number(let v)? = item[part]?[key] {
                        available.append(
                            InferenceOutput(name: "\(part)\(suffix)\(l)", shape: [1], value: .scalar(v, .float64))
                        )
                    }
                }
            }
            if case .bool(let ok)? = item["passed"] {
                available.append(InferenceOutput(name: "passed\(l)", shape: [1], value: .flag(ok)))
            }
        }
        let selected = try Self.select(available, for: request) { name in
            Problem.badRequest("unknown output \"\(name)\" for model gradcheck")
        }
        return Self.respond(selected, to: request, model: model)
    }

    /// The `/v1` request an inference request means: a small JSON head naming every float input as
    /// a binary tensor, then their bytes in the head's order; and which input each pointer names.
    private struct Translated {
        var bytes: [UInt8]
        var headLength: Int
        var dtype: DType
        var names: [(pointer: String, name: String)]
    }

    private func translate(
        _ request: InferenceRequest,
        operation: Operation,
        tail: UnsafeRawBufferPointer
    ) throws(Problem) -> Translated {
        var byName: [String: InferenceRequest.Input] = [:]
        for input in request.inputs { byName[input.name] = input }
        let depth = request.depth
        let known = Set((1...max(depth, 1)).flatMap { ["W\($0)", "b\($0)"] } + ["inputs", "targets", "labels"])
        if let stray = request.inputs.first(where: { !known.contains($0.name) }) {
            throw Problem.badRequest(
                "unknown input \"\(stray.name)\"; the inputs are W1…WL (without gaps), b1…bL, inputs, and targets or labels"
            )
        }
        guard depth > 0 else { throw Problem.badRequest("the request needs the weights of layer 1 as input \"W1\"") }
        guard byName["inputs"] != nil else { throw Problem.badRequest("the request needs the input \"inputs\"") }
        // One float datatype for all: the computation's.
        var dtype: DType?
        for input in request.inputs where input.name != "labels" {
            guard let type = InferenceRequest.floatTypes[input.datatype] else {
                throw Problem.badRequest("input \(input.name): datatype must be FP32 or FP64, got \(input.datatype)")
            }
            if let dtype, dtype != type {
                throw Problem.badRequest(
                    "input \(input.name): datatype \(input.datatype) differs from the other inputs' (\(dtype == .float32 ? "FP32" : "FP64")); all float inputs share one datatype, the computation's"
                )
            }
            dtype = type
        }
        let type = dtype ?? .float64
        if let labels = byName["labels"], !InferenceRequest.intTypes.contains(labels.datatype) {
            throw Problem.badRequest("input labels: datatype must be INT32 or INT64, got \(labels.datatype)")
        }
        let activations = try request.parameter("activations")?.split(separator: ",", omittingEmptySubsequences: false)
            .map(trimmed)
        if let activations, activations.count != depth {
            throw Problem.badRequest(
                "parameter activations: \(activations.count) given for \(depth) layers (W1…W\(depth)); one per layer, separated by commas"
            )
        }

        // The head, and the tensors' bytes in the head's order.
        var names: [(String, String)] = [
            ("/loss", "parameter loss"), ("/options/reduction", "parameter reduction"),
            ("/options/include", "parameter include"),
        ]
        var payload: [InferenceRequest.Input] = []
        var w = JSONWriter()
        let limit = configuration.limits.maxTensorElements
        func tensor(_ input: InferenceRequest.Input, rank: Int, pointer: String) throws(Problem) {
            guard input.shape.count == rank else {
                throw Problem.badRequest(
                    "input \(input.name): shape \(input.shape) has \(input.shape.count) dimension\(input.shape.count == 1 ? "" : "s"), \(rank) expected"
                )
            }
            var count = 1
            for d in input.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                if overflow || product > limit {
                    throw Problem.tooLarge(
                        nil,
                        "input \(input.name): shape \(input.shape) is over the limit of \(limit) elements"
                    )
                }
                count = product
            }
            if let numbers = input.numbers, numbers.count != count {
                throw Problem.badRequest(
                    "input \(input.name): shape \(input.shape) needs \(count) values, data has \(numbers.count)"
                )
            }
            if let bytes = input.bytes, bytes.count != count * type.byteWidth {
                throw Problem.badRequest(
                    "input \(input.name): shape \(input.shape) of \(input.datatype) needs \(count * type.byteWidth) bytes, binary_data_size is \(bytes.count)"
                )
            }
            w.beginObject()
            w.key("shape")
            w.beginArray()
            for d in input.shape { w.integer(d) }
            w.endArray()
            w.key("dtype")
            w.string(type.wireName)
            w.key("binaryDataSize")
            w.integer(count * type.byteWidth)
            w.endObject()
            names.append((pointer, input.name))
            payload.append(input)
        }
        w.beginObject()
        w.key("network")
        w.beginObject()
        w.key("layers")
        w.beginArray()
        for l in 1...depth {
            w.beginObject()
            w.key("weights")
            try tensor(byName["W\(l)"]!, rank: 2, pointer: "/network/layers/\(l - 1)/weights")
            if let b = byName["b\(l)"] {
                w.key("biases")
                try tensor(b, rank: 1, pointer: "/network/layers/\(l - 1)/biases")
            }
            if let spec = activations?[l - 1], !spec.isEmpty {
                let parts = spec.split(separator: ":", maxSplits: 1)
                w.key("activation")
                w.string(String(parts[0]))
                if parts.count == 2 {
                    guard let alpha = Double(parts[1]), alpha.isFinite else {
                        throw Problem.badRequest(
                            "parameter activations: \"\(spec)\" has a parameter that is not a number"
                        )
                    }
                    w.key("alpha")
                    w.number(alpha)
                }
            }
            names.append(("/network/layers/\(l - 1)/activation", "parameter activations (layer \(l))"))
            names.append(("/network/layers/\(l - 1)/alpha", "parameter activations (layer \(l))"))
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.key("batch")
        w.beginObject()
        w.key("inputs")
        try tensor(byName["inputs"]!, rank: 2, pointer: "/batch/inputs")
        if let targets = byName["targets"] {
            w.key("targets")
            try tensor(targets, rank: 2, pointer: "/batch/targets")
        }
        if let labels = byName["labels"] {
            guard labels.shape.count == 1 else {
                throw Problem.badRequest("input labels: shape \(labels.shape) must have 1 dimension")
            }
            w.key("labels")
            w.beginArray()
            if let numbers = labels.numbers {
                guard numbers.count == labels.shape[0] else {
                    throw Problem.badRequest(
                        "input labels: shape \(labels.shape) needs \(labels.shape[0]) values, data has \(numbers.count)"
                    )
                }
                for x in numbers { w.number(x) }
            } else if let range = labels.bytes {
                let width = labels.datatype == "INT32" ? 4 : 8
                guard range.count == labels.shape[0] * width else {
                    throw Problem.badRequest(
                        "input labels: shape \(labels.shape) of \(labels.datatype) needs \(labels.shape[0] * width) bytes, binary_data_size is \(range.count)"
                    )
                }
                for k in 0..<labels.shape[0] {
                    let at = range.lowerBound + k * width
                    let value =
                        width == 4
                        ? Int(Int32(littleEndian: tail.loadUnaligned(fromByteOffset: at, as: Int32.self)))
                        : Int(Int64(littleEndian: tail.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                    w.integer(value)
                }
            }
            w.endArray()
            names.append(("/batch/labels", "labels"))
        }
        w.endObject()
        if let loss = try request.parameter("loss") {
            w.key("loss")
            w.string(loss)
        } else if operation != .forward {
            throw Problem.badRequest("parameter loss is needed: quadratic, mse, cross_entropy or binary_cross_entropy")
        }
        if operation == .gradcheck {
            // Finite differences need float64; the step and tolerances are request parameters.
            guard type == .float64 else {
                throw Problem.badRequest(
                    "model gradcheck computes in FP64 (finite differences need it); send FP64 inputs"
                )
            }
            for name in ["epsilon", "atol", "rtol"] {
                guard let value = request.parameters[name] else { continue }
                let number: Double?
                switch value {
                case .number(let x): number = x
                default: number = value.stringValue.flatMap { Double($0) }
                }
                guard let number else { throw Problem.badRequest("parameter \(name) must be a number") }
                w.key(name)
                w.number(number)
                names.append(("/\(name)", "parameter \(name)"))
            }
        }
        w.key("options")
        w.beginObject()
        w.key("dtype")
        w.string(type.wireName)
        if let reduction = try request.parameter("reduction") {
            w.key("reduction")
            w.string(reduction)
        }
        if operation != .gradcheck {
            w.key("encoding")
            w.string("binary")
            let include = try self.include(request, operation: operation)
            if !include.isEmpty || operation == .gradients {
                w.key("include")
                w.beginArray()
                for q in include { w.string(q) }
                w.endArray()
            }
        }
        w.endObject()
        w.endObject()

        var bytes = w.bytes
        let headLength = bytes.count
        bytes.reserveCapacity(headLength + payload.reduce(0) { $0 + $1.shape.reduce(1, *) * type.byteWidth })
        for input in payload {
            if let range = input.bytes {
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: tail[range]))
            } else if let numbers = input.numbers {
                // The same conversion as a nested /v1 tensor: the JSON number as a double, then the dtype.
                if type == .float32 {
                    for x in numbers {
                        withUnsafeBytes(of: Float(x).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                    }
                } else {
                    for x in numbers { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
                }
            }
        }
        return Translated(bytes: bytes, headLength: headLength, dtype: type, names: names)
    }

    /// The `/v1` quantities to compute: the `include` parameter (or the default), and whatever
    /// the requested outputs need besides.
    private func include(_ request: InferenceRequest, operation: Operation) throws(Problem) -> [String] {
        var include: [String]
        if let given = try request.parameter("include") {
            include = given.split(separator: ",").map(trimmed)
        } else {
            include = operation == .gradients ? ["delta", "weightGradient", "biasGradient"] : []
        }
        for (name, _) in request.outputs ?? [] {
            guard let quantity = Self.quantity(of: name, operation: operation) else {
                throw Problem.badRequest("unknown output \"\(name)\" for model \(operation.wireName)")
            }
            if let quantity, !include.contains(quantity) { include.append(quantity) }
        }
        return include
    }

    /// The `/v1` quantity an output name asks for: nil for `loss` (always there) and the forward
    /// model's outputs; `.none` (outer nil) for a name that is not an output.
    private static func quantity(of name: String, operation: Operation) -> String?? {
        if name == "loss" { return .some(nil) }
        if name == "inputGradient" { return operation == .gradients ? "inputGradient" : .none }
        let quantities =
            operation == .gradients
            ? ["delta", "weightGradient", "biasGradient", "preactivation", "activation"]
            : ["preactivation", "activation"]
        for q in quantities where name.hasPrefix(q) {
            if let l = Int(name.dropFirst(q.count)), l >= 1 { return q }
        }
        // The forward model always has its network's output as activation{L}.
        if operation == .forward, name.hasPrefix("activation"), Int(name.dropFirst("activation".count)) != nil {
            return .some(nil)
        }
        return .none
    }

    /// The protocol's answer from the `/v1` binary answer: outputs named, selected and encoded.
    private func outputs(
        of encoded: Encoded,
        request: InferenceRequest,
        model: String,
        dtype: DType
    ) throws(Problem) -> Response {
        guard let answer = try? JSONParser.parse(encoded.json) else { throw Problem.internalError() }
        var parts = encoded.binary.makeIterator()
        var available: [InferenceOutput] = []
        if case .number(let loss)? = answer["loss"] {
            available.append(InferenceOutput(name: "loss", shape: [1], value: .scalar(loss, dtype)))
        }
        func take(_ name: String, _ tensor: JSONValue?) {
            guard let tensor, let dims = tensor["shape"]?.arrayElements, let part = parts.next() else { return }
            var shape: [Int] = []
            for d in dims { if case .number(let x) = d { shape.append(Int(x)) } }
            available.append(InferenceOutput(name: name, shape: shape, value: .tensor(part)))
        }
        // Document order of the /v1 binary answer: forward's outputs, then per layer, then the
        // input gradient.
        let layerCount = answer["layers"]?.arrayElements?.count ?? 0
        if let outputs = answer["outputs"] {
            take("activation\(layerCount > 0 ? layerCount : request.depth)", outputs)
        }
        for item in answer["layers"]?.arrayElements ?? [] {
            guard case .number(let x)? = item["layer"], case .object(let members) = item else { continue }
            let l = Int(x)
            // In the order the answer wrote them: that is the order of their bytes.
            for (q, value) in members where value["binaryDataSize"] != nil {
                if q == "activation", available.contains(where: { $0.name == "activation\(l)" }) {
                    _ = parts.next()  // the forward model's output, asked for twice
                    continue
                }
                take("\(q)\(l)", value)
            }
        }
        if let gradient = answer["inputGradient"] { take("inputGradient", gradient) }
        let selected = try Self.select(available, for: request) { name in
            name == "loss"
                ? Problem.badRequest("output loss needs targets (or labels) and a loss")
                : Problem.badRequest("output \(name) is not in this answer (is the layer there?)")
        }
        return Self.respond(selected, to: request, model: model)
    }

    /// The outputs the request names, in its order (`missing` says why one is not there), or all
    /// of them; each with whether it goes as bytes after the JSON part.
    private static func select(
        _ available: [InferenceOutput],
        for request: InferenceRequest,
        missing: (String) -> Problem
    ) throws(Problem) -> [(output: InferenceOutput, binary: Bool)] {
        guard let requested = request.outputs else { return available.map { ($0, request.binaryByDefault) } }
        var selected: [(output: InferenceOutput, binary: Bool)] = []
        for (name, binary) in requested {
            guard let found = available.first(where: { $0.name == name }) else { throw missing(name) }
            selected.append((found, binary ?? request.binaryByDefault))
        }
        return selected
    }

    /// The protocol's answer: each output as JSON `data` or, asked for as binary, its bytes after
    /// the JSON part (tensors sent from their storage).
    private static func respond(
        _ selected: [(output: InferenceOutput, binary: Bool)],
        to request: InferenceRequest,
        model: String
    ) -> Response {
        var w = JSONWriter()
        // The bytes after the JSON part, in order: tensors' storage, or a BOOL's one byte.
        var binaries: [(part: BinaryPart?, flag: UInt8)] = []
        w.beginObject()
        w.key("model_name")
        w.string(model)
        w.key("model_version")
        w.string(InferenceProtocol.version)
        if let id = request.id {
            w.key("id")
            w.string(id)
        }
        w.key("outputs")
        w.beginArray()
        for (output, binary) in selected {
            w.beginObject()
            w.key("name")
            w.string(output.name)
            w.key("datatype")
            w.string(output.datatype)
            w.key("shape")
            w.beginArray()
            for d in output.shape { w.integer(d) }
            w.endArray()
            if binary {
                let part: BinaryPart?
                switch output.value {
                case .tensor(let tensor): part = tensor
                case .scalar(let x, let dtype):
                    part = dtype == .float32 ? BinaryPart(TensorStorage([Float(x)])) : BinaryPart(TensorStorage([x]))
                case .flag: part = nil
                }
                binaries.append((part, output.flag ? 1 : 0))
                w.key("parameters")
                w.beginObject()
                w.key("binary_data_size")
                w.integer(part?.byteCount ?? 1)
                w.endObject()
            } else {
                w.key("data")
                switch output.value {
                case .tensor(.float32(let v)): v.withUnsafeBufferPointer { w.numbers($0) }
                case .tensor(.float64(let v)): v.withUnsafeBufferPointer { w.numbers($0) }
                case .scalar(let x, let dtype):
                    w.beginArray()
                    if dtype == .float32 { w.number(Float(x)) } else { w.number(x) }
                    w.endArray()
                case .flag(let b):
                    w.beginArray()
                    w.bool(b)
                    w.endArray()
                }
            }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        let parts = binaries.compactMap(\.part)
        if parts.count == binaries.count { return Encoded(json: w.bytes, binary: parts).response }
        // A BOOL has no BinaryPart: join everything (only gradcheck has BOOLs, all one element).
        let json = w.bytes
        var body = json
        for binary in binaries {
            if let part = binary.part {
                part.withUnsafeBytes { body.append(contentsOf: $0) }
            } else {
                body.append(binary.flag)
            }
        }
        return Response(
            status: 200,
            contentType: "application/octet-stream",
            body: body,
            headers: [("Inference-Header-Content-Length", String(json.count))]
        )
    }
}

extension Problem {
    /// A /v1 message in the protocol's names: "layers[k]" (the /v1 document's layer index) is W{k+1}.
    static func inInputNames(_ detail: String) -> String {
        var out = ""
        var rest = Substring(detail)
        while let open = rest.firstRange(of: "layers[") {
            out += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: "]"), let k = Int(after[..<close]) else {
                out += rest[open]
                rest = after
                continue
            }
            out += "W\(k + 1)"
            rest = after[after.index(after: close)...]
        }
        return out + rest
    }

    /// The same fault, its message naming the inference input or parameter its pointer points into.
    func named(by names: [(pointer: String, name: String)]) -> Problem {
        var copy = self
        guard let pointer else { return copy }
        if let match = names.filter({ pointer == $0.pointer || pointer.hasPrefix($0.pointer + "/") })
            .max(by: { $0.pointer.count < $1.pointer.count })
        {
            let subject = match.name.hasPrefix("parameter") ? match.name : "input \(match.name)"
            copy.detail = "\(subject): \(Self.inInputNames(detail))"
        }
        return copy
    }
}

/// `text` without leading and trailing spaces.
private func trimmed(_ text: Substring) -> String {
    String(text.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
}

extension GradientHandler {
    /// What to do with a `/v2` request once its head is known.
    func v2Disposition(_ route: InferenceProtocol.Route, head: RequestHead) -> Disposition {
        switch route {
        case .infer(let model):
            guard head.method == .post else {
                return .respond(InferenceProtocol.error(.methodNotAllowed(head.method.name, allow: "POST")))
            }
            guard let operation = InferenceProtocol.operation(of: model) else {
                return .respond(InferenceProtocol.unknownModel(model))
            }
            if let problem = authorize(head) { return .respond(InferenceProtocol.error(problem)) }
            // Triton's rule: the length header makes the body binary, whatever its media type.
            var jsonLength: Int?
            if let given = head.headers[BodyFormat.jsonLengthHeader] {
                guard let n = Int(given), n >= 0 else {
                    return .respond(
                        InferenceProtocol.error(
                            .badRequest(
                                "Inference-Header-Content-Length must be a non-negative integer, got \"\(given)\""
                            )
                        )
                    )
                }
                jsonLength = n
            }
            return .worker(Accepted(context: Route.infer(model: model, operation, jsonLength: jsonLength)))
        case .live, .ready, .server, .model, .modelReady:
            guard head.method == .get || head.method == .head else {
                return .respond(InferenceProtocol.error(.methodNotAllowed(head.method.name, allow: "GET, HEAD")))
            }
            return .inline(Accepted(context: Route.v2(route)))
        }
    }

    /// Health and metadata.
    func v2Answer(_ route: InferenceProtocol.Route, server: any ServerStatus) -> Response {
        let ready = !(server.isDraining || server.isSaturated)
        switch route {
        case .live:
            return Response(status: 200)
        case .ready:
            return Response(status: ready ? 200 : 503)
        case .server:
            return InferenceProtocol.serverMetadata(version: BuildInfo.version)
        case .model(let model):
            guard let operation = InferenceProtocol.operation(of: model) else {
                return InferenceProtocol.unknownModel(model)
            }
            return InferenceProtocol.modelMetadata(model, operation, maxLayers: configuration.limits.maxLayers)
        case .modelReady(let model):
            guard InferenceProtocol.operation(of: model) != nil else { return InferenceProtocol.unknownModel(model) }
            return Response(status: ready ? 200 : 503)
        case .infer:
            return InferenceProtocol.error(.internalError())
        }
    }
}
