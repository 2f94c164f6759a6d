import WireFormat

/// One `infer` request as the protocol writes it, read strictly: every member, parameter, input
/// and output name is one the model takes, or the request is refused (400) with what is allowed.
/// Only syntax is read here; what the tensors mean is `V2Assembly`'s.
struct InferenceRequest {
    struct Input {
        var name: String
        var datatype: V2Datatype
        var shape: [Int]
        /// The JSON `data` (nested or flat), or the range of its bytes after the JSON part.
        var data: JSONValue?
        var bytes: Range<Int>?
    }

    struct Output {
        var name: String
        /// Whether it goes as bytes after the JSON part (nil: the request's default).
        var binary: Bool?
    }

    var id: String?
    var inputs: [Input] = []
    /// The outputs asked for, in the order asked; nil: the model's default outputs.
    var outputs: [Output]?
    var parameters = V2Parameters()

    static let members = ["id", "parameters", "inputs", "outputs"]
    static let inputMembers = ["name", "datatype", "shape", "parameters", "data"]
    static let outputMembers = ["name", "parameters"]

    /// Reads the protocol's JSON object for `operation`; `binary` is the byte count after the
    /// JSON part, which the inputs' `binary_data_size` must add up to.
    init(_ root: JSONValue, operation: Operation, binary: Int) throws(Problem) {
        guard case .object(let members) = root else {
            throw .badRequest("the request must be a JSON object, got \(root.typeName)")
        }
        try Self.refuseUnknown(members, Self.members, in: "the request")
        if let id = root["id"] {
            guard let text = id.stringValue else { throw .badRequest("\"id\" must be a string, got \(id.typeName)") }
            self.id = text
        }
        if let parameters = root["parameters"] { self.parameters = try V2Parameters(parameters, operation) }
        guard let inputList = root["inputs"]?.arrayElements else {
            throw .badRequest("the request needs \"inputs\", an array of tensors")
        }
        var offset = 0
        for item in inputList {
            let input = try Self.input(item, offset: &offset)
            if inputs.contains(where: { $0.name == input.name }) {
                throw .badRequest("input \(input.name) is given twice; each input once")
            }
            inputs.append(input)
        }
        guard offset == binary else {
            throw .badRequest(
                "the inputs' binary_data_size add up to \(offset) bytes, but \(binary) follow the JSON part"
            )
        }
        if let outputList = root["outputs"] {
            guard let list = outputList.arrayElements else {
                throw .badRequest("\"outputs\" must be an array, got \(outputList.typeName)")
            }
            var outputs: [Output] = []
            for item in list {
                let output = try Self.output(item)
                if outputs.contains(where: { $0.name == output.name }) {
                    throw .badRequest("output \(output.name) is asked for twice; each output once")
                }
                outputs.append(output)
            }
            self.outputs = outputs
        }
    }

    private static func refuseUnknown(
        _ members: [(key: String, value: JSONValue)],
        _ allowed: [String],
        in place: String
    ) throws(Problem) {
        if let unknown = members.first(where: { !allowed.contains($0.key) }) {
            throw .badRequest(
                "unknown member \"\(unknown.key)\" in \(place); allowed: \(allowed.joined(separator: ", "))"
            )
        }
    }

    private static func input(_ item: JSONValue, offset: inout Int) throws(Problem) -> Input {
        guard case .object(let members) = item else {
            throw .badRequest("every input must be an object with a name, datatype and shape, got \(item.typeName)")
        }
        guard let name = item["name"]?.stringValue else { throw .badRequest("every input needs a \"name\", a string") }
        try refuseUnknown(members, inputMembers, in: "input \(name)")
        guard let datatypeName = item["datatype"]?.stringValue else {
            throw .badRequest("input \(name) needs a \"datatype\": FP32 or FP64 (INT32 or INT64 for labels)")
        }
        guard let datatype = V2Datatype(wireName: datatypeName), datatype != .bool else {
            throw .badRequest(
                "input \(name) has datatype \"\(datatypeName)\"; this server reads FP32, FP64, INT32 and INT64"
            )
        }
        guard let dims = item["shape"]?.arrayElements else {
            throw .badRequest("input \(name) needs a \"shape\", an array of dimensions")
        }
        var shape: [Int] = []
        for d in dims {
            guard case .number(let x) = d, let n = DeclaredInteger.dimension(x) else {
                throw .badRequest(
                    "input \(name) has shape dimension \(Wording.got(d)); dimensions must be positive integers"
                )
            }
            shape.append(n)
        }
        var input = Input(name: name, datatype: datatype, shape: shape)
        if let parameters = item["parameters"] {
            guard case .object(let list) = parameters else {
                throw .badRequest("input \(name): \"parameters\" must be an object, got \(parameters.typeName)")
            }
            try refuseUnknown(list, ["binary_data_size"], in: "the parameters of input \(name)")
        }
        if let size = item["parameters"]?["binary_data_size"] {
            guard case .number(let x) = size, let n = DeclaredInteger.byteCount(x) else {
                throw .badRequest(
                    "input \(name): binary_data_size must be a non-negative integer, got \(Wording.got(size))"
                )
            }
            if item["data"] != nil {
                throw .badRequest("input \(name) has both \"data\" and binary_data_size; give one")
            }
            // Saturating: the sum is only compared with the bytes that follow.
            let (end, overflow) = offset.addingReportingOverflow(n)
            input.bytes = offset..<(overflow ? Int.max : end)
            offset = overflow ? Int.max : end
        } else if let data = item["data"] {
            input.data = data
        } else {
            throw .badRequest("input \(name) needs \"data\" or parameters.binary_data_size")
        }
        return input
    }

    private static func output(_ item: JSONValue) throws(Problem) -> Output {
        guard case .object(let members) = item, let name = item["name"]?.stringValue else {
            throw .badRequest("every output needs a \"name\", a string")
        }
        try refuseUnknown(members, outputMembers, in: "output \(name)")
        var output = Output(name: name)
        if let parameters = item["parameters"] {
            guard case .object(let list) = parameters else {
                throw .badRequest("output \(name): \"parameters\" must be an object, got \(parameters.typeName)")
            }
            try refuseUnknown(list, ["binary_data"], in: "the parameters of output \(name)")
            if let value = parameters["binary_data"] {
                guard case .bool(let on) = value else {
                    throw .badRequest("output \(name): binary_data must be true or false, got \(Wording.got(value))")
                }
                output.binary = on
            }
        }
        return output
    }
}
