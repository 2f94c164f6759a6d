/// The bounds on what one request may ask for, each checked before the allocation it protects.
public struct ServiceLimits: Sendable, Equatable {
    public var maxLayers = 64
    public var maxUnits = 16_384
    public var maxParameters = 50_000_000
    public var maxBatch = 65_536
    /// Elements in any one tensor.
    public var maxTensorElements = 1 << 26
    /// Multiply-adds for forward + backward, estimated as 3·B·Σ n_l·n_{l−1}.
    public var maxWork = 40_000_000_000
    /// /v1/gradcheck costs two forward passes per parameter, so it is capped separately.
    public var maxGradcheckParameters = 20_000

    public init() {}
}
