import Backprop
import WireFormat

/// One output of a `/v2` model, by the name clients use: the one catalog that model metadata
/// lists, requested names are checked against, and answers are selected from. Layers are
/// numbered 1…L, as in the names (`delta1` is δ^1).
enum V2Output: Equatable {
    case loss
    case delta(Int)
    case weightGradient(Int)
    case biasGradient(Int)
    case preactivation(Int)
    case activation(Int)
    case inputGradient
    /// gradcheck: whether every layer passed, and per layer.
    case passed
    case layerPassed(Int)
    /// gradcheck: the largest absolute or relative error of a layer's weights or biases.
    case gradcheckError(GradcheckError, Int)

    enum GradcheckError: String, CaseIterable {
        case weightsMaxAbsError, weightsMaxRelError, biasesMaxAbsError, biasesMaxRelError
    }

    /// The per-layer quantities in the order an answer lists them.
    static let layerQuantities: [Quantity] = [.delta, .weightGradient, .biasGradient, .preactivation, .activation]

    /// Layer `l`'s output of quantity `q` (nil for `inputGradient`, which has no layer).
    static func of(_ q: Quantity, layer l: Int) -> V2Output? {
        switch q {
        case .delta: .delta(l)
        case .weightGradient: .weightGradient(l)
        case .biasGradient: .biasGradient(l)
        case .preactivation: .preactivation(l)
        case .activation: .activation(l)
        case .inputGradient: nil
        }
    }

    var name: String {
        switch self {
        case .loss: "loss"
        case .delta(let l): "\(Quantity.delta.wireName)\(l)"
        case .weightGradient(let l): "\(Quantity.weightGradient.wireName)\(l)"
        case .biasGradient(let l): "\(Quantity.biasGradient.wireName)\(l)"
        case .preactivation(let l): "\(Quantity.preactivation.wireName)\(l)"
        case .activation(let l): "\(Quantity.activation.wireName)\(l)"
        case .inputGradient: Quantity.inputGradient.wireName
        case .passed: "passed"
        case .layerPassed(let l): "passed\(l)"
        case .gradcheckError(let which, let l): "\(which.rawValue)\(l)"
        }
    }

    /// The output named `name`, whatever its model; nil for a name no model has.
    init?(name: String) {
        switch name {
        case "loss": self = .loss
        case "passed": self = .passed
        case Quantity.inputGradient.wireName: self = .inputGradient
        default:
            let digits = name.reversed().prefix(while: \.isASCII).prefix(while: \.isNumber).count
            guard digits > 0, digits <= 4, let l = Int(name.suffix(digits)), l >= 1,
                name.suffix(digits).first != "0"
            else { return nil }
            let stem = String(name.dropLast(digits))
            if stem == "passed" {
                self = .layerPassed(l)
            } else if let which = GradcheckError(rawValue: stem) {
                self = .gradcheckError(which, l)
            } else if let q = Quantity(wireName: stem), let output = Self.of(q, layer: l) {
                self = output
            } else {
                return nil
            }
        }
    }

    /// The layer a per-layer output is of.
    var layer: Int? {
        switch self {
        case .delta(let l), .weightGradient(let l), .biasGradient(let l), .preactivation(let l), .activation(let l),
            .layerPassed(let l), .gradcheckError(_, let l):
            l
        case .loss, .inputGradient, .passed: nil
        }
    }

    /// The `/v1` quantity that must be computed for this output (nil: always there).
    var quantity: Quantity? {
        switch self {
        case .delta: .delta
        case .weightGradient: .weightGradient
        case .biasGradient: .biasGradient
        case .preactivation: .preactivation
        case .activation: .activation
        case .inputGradient: .inputGradient
        default: nil
        }
    }

    /// Whether `operation`'s model has this output (for some network).
    func belongs(to operation: Operation) -> Bool {
        switch (self, operation) {
        case (.loss, .gradients), (.loss, .forward), (.preactivation, .gradients), (.preactivation, .forward),
            (.activation, .gradients), (.activation, .forward), (.delta, .gradients), (.weightGradient, .gradients),
            (.biasGradient, .gradients), (.inputGradient, .gradients), (.passed, .gradcheck),
            (.layerPassed, .gradcheck), (.gradcheckError, .gradcheck):
            true
        default: false
        }
    }

    /// Every output of `operation`'s model for a network of `layers` layers, in metadata order.
    static func catalog(_ operation: Operation, layers: Int) -> [V2Output] {
        switch operation {
        case .gradcheck:
            return [.passed]
                + (1...layers).flatMap { l in GradcheckError.allCases.map { .gradcheckError($0, l) } + [.layerPassed(l)]
                }
        case .gradients, .forward:
            let perLayer = layerQuantities.filter { operation == .gradients || Quantity.forwardOnly.contains($0) }
            return [.loss] + (1...layers).flatMap { l in perLayer.compactMap { of($0, layer: l) } }
                + (operation == .gradients ? [.inputGradient] : [])
        }
    }

    /// The datatype and rank metadata lists (`dtype` for the float ones).
    func metadata(_ dtype: DType) -> (datatype: V2Datatype, rank: Int) {
        switch self {
        case .passed, .layerPassed: (.bool, 1)
        case .loss, .gradcheckError: (V2Datatype(dtype), 1)
        case .biasGradient: (V2Datatype(dtype), 1)
        default: (V2Datatype(dtype), 2)
        }
    }

    /// Model `operation`'s outputs as a message lists them.
    static func names(_ operation: Operation) -> String {
        switch operation {
        case .gradients:
            "loss, delta{l}, weightGradient{l}, biasGradient{l}, preactivation{l}, activation{l} (l = 1…L) and inputGradient"
        case .forward: "loss (with targets), preactivation{l} and activation{l} (l = 1…L)"
        case .gradcheck:
            "passed, and per layer l = 1…L: weightsMaxAbsError{l}, weightsMaxRelError{l}, biasesMaxAbsError{l}, biasesMaxRelError{l}, passed{l}"
        }
    }
}
