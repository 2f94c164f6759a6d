import Backprop
import WireFormat

// The API's words, each spelled once. Backprop's enums are math only; their names on the wire
// live here, and requests are read and answers written through these alone. (`DType` and
// `TensorEncoding`, the tensor words, live with the tensor codec in WireFormat.)

/// Which endpoint a body is for; they share one body shape with different requirements.
public enum Operation: String, WireWord {
    case gradients, forward, gradcheck

    /// The members a request body may have at its root for this endpoint.
    var rootFields: Set<String> { self == .gradcheck ? Fields.root : Fields.rootWithoutGradcheck }

    /// The fields `options` may hold for this endpoint.
    var optionFields: Set<String> {
        switch self {
        case .gradients: ["reduction", "dtype", "encoding", "include", "explain"]
        case .forward: ["reduction", "dtype", "encoding", "include"]
        case .gradcheck: ["reduction", "dtype"]
        }
    }

    /// What `options.include` is when the request does not say.
    var defaultInclude: Set<Quantity> { self == .gradients ? [.delta, .weightGradient, .biasGradient] : [] }
}

/// The per-layer and top-level quantities a response may include (`options.include`).
public enum Quantity: String, WireWord {
    case delta, weightGradient, biasGradient, preactivation, activation, inputGradient

    /// The quantities of the forward pass alone (all `/v1/forward` may include).
    static let forwardOnly: Set<Quantity> = [.preactivation, .activation]
    /// The quantities written in each layer's object (`inputGradient` is top-level).
    static let perLayer: Set<Quantity> = [.delta, .weightGradient, .biasGradient, .preactivation, .activation]
}

extension Loss: WireWord {
    public var wireName: String {
        switch self {
        case .quadratic: "quadratic"
        case .mse: "mse"
        case .crossEntropy: "cross_entropy"
        case .binaryCrossEntropy: "binary_cross_entropy"
        }
    }
}

extension Reduction: WireWord {
    public var wireName: String { self == .mean ? "mean" : "sum" }
}

/// An activation's name on the wire, with the parameter some of them take beside it
/// (`{"activation": "leaky_relu", "alpha": 0.2}`). `linear` is an alias of `identity`.
public enum ActivationName: String, WireWord {
    case identity, linear, sigmoid, tanh, relu
    case leakyReLU = "leaky_relu"
    case elu, softplus, gelu, silu, softmax

    /// Whether `alpha` may sit beside this name.
    var takesAlpha: Bool { self == .leakyReLU || self == .elu }

    /// The activation, with `alpha` or this name's default for it (leaky_relu 0.01, elu 1).
    func activation(alpha: Double?) -> Activation {
        switch self {
        case .identity, .linear: .identity
        case .sigmoid: .sigmoid
        case .tanh: .tanh
        case .relu: .relu
        case .leakyReLU: .leakyReLU(alpha: alpha ?? 0.01)
        case .elu: .elu(alpha: alpha ?? 1)
        case .softplus: .softplus
        case .gelu: .gelu
        case .silu: .silu
        case .softmax: .softmax
        }
    }
}

extension Activation {
    /// The name this activation is written with (its parameter, if any, goes beside it).
    public var wireName: String {
        switch self {
        case .identity: ActivationName.identity.wireName
        case .sigmoid: ActivationName.sigmoid.wireName
        case .tanh: ActivationName.tanh.wireName
        case .relu: ActivationName.relu.wireName
        case .leakyReLU: ActivationName.leakyReLU.wireName
        case .elu: ActivationName.elu.wireName
        case .softplus: ActivationName.softplus.wireName
        case .gelu: ActivationName.gelu.wireName
        case .silu: ActivationName.silu.wireName
        case .softmax: ActivationName.softmax.wireName
        }
    }
}

/// The members a request body may have at each level; anything else is refused, so a typo
/// (`"option"`, `"bias"`) is an error rather than a silent default.
enum Fields {
    static let root: Set = ["network", "batch", "loss", "options", "epsilon", "atol", "rtol"]
    /// The root members only `/v1/gradcheck` takes.
    static let gradcheckOnly = ["epsilon", "atol", "rtol"]
    static let rootWithoutGradcheck = root.subtracting(gradcheckOnly)
    static let network: Set = ["layers"]
    static let layer: Set = ["weights", "biases", "activation", "alpha"]
    static let batch: Set = ["inputs", "targets", "labels"]
}

/// The API's words as one JSON document, for clients that offer them (the page's menus): made from
/// the same types `/v1` reads requests with, so a client that takes its words from here offers
/// exactly what the server accepts. Served inside `/ui/config.json`.
enum VocabularyDocument {
    static func write(into w: inout JSONWriter) {
        let defaults = RequestOptions(operation: .gradients)
        w.beginObject()
        w.key("activations")
        w.beginArray()
        // An alias is a name whose activation is written with another name (linear → identity).
        let isAlias = { (name: ActivationName) in name.activation(alpha: nil).wireName != name.wireName }
        for name in ActivationName.allCases where !isAlias(name) {
            w.beginObject()
            w.key("name")
            w.string(name.wireName)
            w.key("aliases")
            w.beginArray()
            for alias in ActivationName.allCases
            where isAlias(alias) && alias.activation(alpha: nil) == name.activation(alpha: nil) {
                w.string(alias.wireName)
            }
            w.endArray()
            w.key("takesAlpha")
            w.bool(name.takesAlpha)
            switch name.activation(alpha: nil) {
            case .leakyReLU(let alpha), .elu(let alpha):
                w.key("defaultAlpha")
                w.number(alpha)
            default: break
            }
            w.endObject()
        }
        w.endArray()
        w.key("losses")
        w.beginArray()
        for loss in Loss.allCases {
            w.beginObject()
            w.key("name")
            w.string(loss.wireName)
            if let outputs = loss.acceptedOutputs {
                w.key("outputs")
                w.beginArray()
                for output in outputs { w.string(output.wireName) }
                w.endArray()
            }
            w.endObject()
        }
        w.endArray()
        words("reductions", Reduction.wireNames, "defaultReduction", defaults.reduction.wireName, into: &w)
        words("dtypes", DType.wireNames, "defaultDtype", defaults.dtype.wireName, into: &w)
        words("encodings", TensorEncoding.wireNames, "defaultEncoding", defaults.encoding.wireName, into: &w)
        w.key("quantities")
        w.beginArray()
        for q in Quantity.wireNames { w.string(q) }
        w.endArray()
        w.key("defaultInclude")
        w.beginArray()
        for q in Quantity.allCases where defaults.include.contains(q) { w.string(q.wireName) }
        w.endArray()
        w.endObject()
    }

    private static func words(
        _ key: String,
        _ names: [String],
        _ defaultKey: String,
        _ value: String,
        into w: inout JSONWriter
    ) {
        w.key(key)
        w.beginArray()
        for name in names { w.string(name) }
        w.endArray()
        w.key(defaultKey)
        w.string(value)
    }
}
