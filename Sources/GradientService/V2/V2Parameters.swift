import Backprop
import WireFormat

/// An `infer` request's parameters, read strictly and typed in one place: a name the model does
/// not take is refused (400) with the list of those it takes; a value of the wrong type is refused
/// (400); a word the computation does not know (an activation, loss, reduction or quantity) is
/// refused as `/v1` refuses it (422).
struct V2Parameters {
    var activations: String?
    var loss: String?
    var reduction: String?
    var include: String?
    var binaryDataOutput = false
    var epsilon: Double?
    var atol: Double?
    var rtol: Double?
    /// Triton's request timeout, in microseconds.
    var timeout: Int?

    init() {}

    /// The parameters `operation`'s model takes: its own, and the protocol's that tritonclient
    /// sends (`binary_data_output`; `priority` and `timeout` when set).
    static func names(_ operation: Operation) -> [String] {
        let model =
            switch operation {
            case .gradients, .forward: ["include"]
            case .gradcheck: ["epsilon", "atol", "rtol"]
            }
        return (["activations", "loss", "reduction", "binary_data_output", "priority", "timeout"] + model).sorted()
    }

    /// Protocol parameters this server knows and does not support, with why.
    static let unsupported = [
        "sequence_id": "the models are stateless (no sequences)",
        "sequence_start": "the models are stateless (no sequences)",
        "sequence_end": "the models are stateless (no sequences)",
    ]

    /// Reads the request's `parameters` object for `operation`'s model.
    init(_ value: JSONValue, _ operation: Operation) throws(Problem) {
        guard case .object(let members) = value else {
            throw .badRequest("\"parameters\" must be an object, got \(value.typeName)")
        }
        let allowed = Self.names(operation)
        for (name, value) in members {
            guard allowed.contains(name) else {
                if let why = Self.unsupported[name] { throw .badRequest("parameter \(name) is not supported: \(why)") }
                let owners = V2Route.models.filter { Self.names($0.operation).contains(name) }.map(\.name)
                let why =
                    owners.isEmpty
                    ? "unknown parameter \"\(name)\""
                    : "parameter \(name) belongs to model\(owners.count == 1 ? "" : "s") \(owners.joined(separator: " and "))"
                throw .badRequest("\(why); model \(operation.wireName) takes: \(allowed.joined(separator: ", "))")
            }
            switch name {
            case "activations": activations = try Self.string(value, name)
            case "loss": loss = try Self.string(value, name)
            case "reduction": reduction = try Self.string(value, name)
            case "include": include = try Self.string(value, name)
            case "binary_data_output":
                guard case .bool(let on) = value else {
                    throw .badRequest("parameter binary_data_output must be true or false, got \(Wording.got(value))")
                }
                binaryDataOutput = on
            case "epsilon": epsilon = try Self.number(value, name)
            case "atol": atol = try Self.number(value, name)
            case "rtol": rtol = try Self.number(value, name)
            case "timeout": timeout = try Self.integer(value, name)
            case "priority": _ = try Self.integer(value, name)  // one queue here: accepted, not used
            default: break
            }
        }
    }

    // MARK: - Typed

    /// The loss, if given.
    func lossFunction() throws(Problem) -> Loss? {
        guard let loss else { return nil }
        guard let value = Loss(wireName: loss) else {
            throw .invalidParameter("parameter loss is \"\(loss)\"; expected " + Wording.oneOf(Loss.wireNames))
        }
        return value
    }

    /// The reduction (`mean` when not given).
    func reductionMode() throws(Problem) -> Reduction {
        guard let reduction else { return .mean }
        guard let value = Reduction(wireName: reduction) else {
            throw .invalidParameter(
                "parameter reduction is \"\(reduction)\"; expected " + Wording.oneOf(Reduction.wireNames)
            )
        }
        return value
    }

    /// The quantities to compute for `operation` (its default when `include` is not given).
    func quantities(_ operation: Operation) throws(Problem) -> Set<Quantity> {
        guard let include else { return operation.defaultInclude }
        var out = Set<Quantity>()
        for item in include.split(separator: ",").map({ String($0.trimmingSpaces) }) {
            guard let q = Quantity(wireName: item), operation == .gradients || Quantity.forwardOnly.contains(q) else {
                let allowed = operation == .gradients ? Quantity.wireNames : ["preactivation", "activation"]
                throw .invalidParameter(
                    "parameter include names \"\(item)\"; model \(operation.wireName) includes \(Wording.oneOf(allowed))"
                )
            }
            out.insert(q)
        }
        return out
    }

    /// One activation per layer, `name` or `name:alpha`, separated by commas; nil when not given
    /// (every layer is then the identity, as an empty entry is that layer's).
    func layerActivations(depth: Int) throws(Problem) -> [Activation]? {
        guard let activations else { return nil }
        let specs = activations.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
        guard specs.count == depth else {
            throw .badRequest(
                "parameter activations has \(specs.count) for \(Wording.count(depth, "layer")) (W1…W\(depth)); one per layer, separated by commas"
            )
        }
        var out: [Activation] = []
        for (l, spec) in specs.enumerated() {
            if spec.isEmpty {
                out.append(.identity)
                continue
            }
            let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].trimmingSpaces
            guard let activation = ActivationName(wireName: String(name)) else {
                throw .invalidParameter(
                    "parameter activations (layer \(l + 1)): unknown activation \"\(name)\"; expected one of "
                        + ActivationName.wireNames.joined(separator: ", ")
                )
            }
            var alpha: Double?
            if parts.count == 2 {
                guard activation.takesAlpha else {
                    throw .invalidParameter(
                        "parameter activations (layer \(l + 1)): \"\(spec)\" has a parameter, but only leaky_relu and elu take one"
                    )
                }
                guard let a = Double(String(parts[1].trimmingSpaces)), a.isFinite else {
                    throw .invalidParameter(
                        "parameter activations (layer \(l + 1)): \"\(spec)\" has a parameter that is not a finite number"
                    )
                }
                alpha = a
            }
            out.append(activation.activation(alpha: alpha))
        }
        return out
    }

    // MARK: - Types on the wire

    private static func string(_ value: JSONValue, _ name: String) throws(Problem) -> String {
        guard let text = value.stringValue else {
            throw .badRequest("parameter \(name) must be a string, got \(Wording.got(value))")
        }
        return text
    }

    /// A number, or a string holding one (gRPC and some clients send parameters as strings).
    private static func number(_ value: JSONValue, _ name: String) throws(Problem) -> Double {
        if case .number(let x) = value { return x }
        if let text = value.stringValue, let x = Double(text) { return x }
        throw .badRequest("parameter \(name) must be a number, got \(Wording.got(value))")
    }

    private static func integer(_ value: JSONValue, _ name: String) throws(Problem) -> Int {
        guard case .number(let x) = value, let n = DeclaredInteger.byteCount(x) else {
            throw .badRequest("parameter \(name) must be a non-negative integer, got \(Wording.got(value))")
        }
        return n
    }
}

extension Problem {
    /// A parameter's value the computation does not know (an activation or loss name): 422, as
    /// `/v1` answers the same mistake.
    static func invalidParameter(_ detail: String) -> Problem {
        Problem(status: 422, kind: "invalid-request", title: "Unprocessable request", detail: detail)
    }
}
