import Backprop
import WireFormat

/// `options` of a request, with the contract's defaults.
public struct RequestOptions: Sendable, Equatable {
    public var reduction: Reduction = .mean
    public var dtype: DType = .float64
    public var encoding: TensorEncoding = .nested
    public var include: Set<Quantity>
    public var explain = false

    init(operation: Operation) { include = operation.defaultInclude }
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
    /// `epsilon`, `atol` and `rtol` of `/v1/gradcheck`.
    public var tolerances = GradcheckTolerances()
}
