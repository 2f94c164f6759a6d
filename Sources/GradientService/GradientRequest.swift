import Backprop
import WireFormat

/// Which endpoint a body is for; they share one body shape with different requirements.
public enum Operation: String, Sendable {
    case gradients, forward, gradcheck
}

/// The per-layer and top-level quantities a response may include (`options.include`).
public enum Quantity: String, Sendable, CaseIterable {
    case delta, weightGradient, biasGradient, preactivation, activation, inputGradient
}

/// `options` of a request, with API.md's defaults.
public struct RequestOptions: Sendable, Equatable {
    public var reduction: Reduction = .mean
    public var dtype: String = "float64"
    public var encoding: TensorEncoding = .nested
    public var include: Set<Quantity>
    public var explain = false

    init(operation: Operation) {
        include = operation == .gradients ? [.delta, .weightGradient, .biasGradient] : []
    }
}

/// A decoded request: a network, a batch and what to compute, in scalar type `S`.
public struct GradientRequest<S: BLASScalar>: Sendable {
    public var network: Network<S>
    /// A^0: [B, n_0].
    public var inputs: Matrix<S>
    /// Y: [B, n_L], from `targets` or one-hot from `labels`.
    public var targets: Matrix<S>?
    public var loss: Loss?
    public var options: RequestOptions
    public var epsilon = 1e-6
    public var atol = 1e-5
    public var rtol = 1e-3
}

/// The fields a request body may have at each level; anything else is refused, so a typo
/// (`"option"`, `"bias"`) is an error rather than a silent default.
enum Fields {
    static let root: Set = ["network", "batch", "loss", "options", "epsilon", "atol", "rtol"]
    static let network: Set = ["layers"]
    static let layer: Set = ["weights", "biases", "activation", "alpha"]
    static let batch: Set = ["inputs", "targets", "labels"]
    static func options(_ operation: Operation) -> Set<String> {
        switch operation {
        case .gradients: ["reduction", "dtype", "encoding", "include", "explain"]
        case .forward: ["reduction", "dtype", "encoding", "include"]
        case .gradcheck: ["reduction", "dtype"]
        }
    }
}
