/// One layer l: `z^l = W^l a^{l−1} + b^l`, `a^l = f^l(z^l)`.
public struct Layer<Scalar: BLASScalar>: Sendable, Equatable {
    /// W^l: [n_l, n_{l−1}], one row per unit of this layer.
    public var weights: Matrix<Scalar>
    /// b^l: [n_l].
    public var biases: [Scalar]
    public var activation: Activation

    public init(weights: Matrix<Scalar>, biases: [Scalar]? = nil, activation: Activation) {
        self.weights = weights
        self.biases = biases ?? Array(repeating: 0, count: weights.rows)
        self.activation = activation
    }

    /// n_l.
    public var units: Int { weights.rows }
    /// n_{l−1}.
    public var inputs: Int { weights.columns }
}
