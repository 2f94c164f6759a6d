/// For one layer, the formulas the backward pass used and the quantities each needed — the
/// article's answer to "what does ∇W^l need?" (δ^l and a^{l−1}; δ^l in turn needs W^{l+1}, δ^{l+1}, z^l).
public struct LayerExplanation: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var formula: String
        /// The quantities the step reads, as data: the one source of `needs`.
        public var uses: [Use]
        /// The same quantities in the article's symbols (`W^2`, `δ^2`, `z^1`, `a^0`, `y`).
        public var needs: [String] { uses.map(\.symbol) }

        init(formula: String, uses: [Use]) {
            self.formula = formula
            self.uses = uses
        }
    }

    /// A quantity a step reads, and the layer it belongs to: l for W^l, δ^l, z^l and a^l (a^0 is
    /// the inputs); none for the targets y.
    public enum Use: Sendable, Equatable {
        case weights(Int)
        case delta(Int)
        case preactivation(Int)
        case activation(Int)
        case targets

        /// The name `/v1` gives the quantity (the members of its answers and requests).
        public var quantity: String {
            switch self {
            case .weights: "weights"
            case .delta: "delta"
            case .preactivation: "preactivation"
            case .activation: "activation"
            case .targets: "targets"
            }
        }

        public var layer: Int? {
            switch self {
            case .weights(let l), .delta(let l), .preactivation(let l), .activation(let l): l
            case .targets: nil
            }
        }

        /// As the article writes it.
        public var symbol: String {
            switch self {
            case .weights(let l): "W^\(l)"
            case .delta(let l): "δ^\(l)"
            case .preactivation(let l): "z^\(l)"
            case .activation(let l): "a^\(l)"
            case .targets: "y"
            }
        }
    }

    /// The article's layer number, 1…L.
    public var layer: Int
    public var delta: Step
    public var weightGradient: Step
    public var biasGradient: Step
}

extension Activation {
    /// How the article writes f'(z^l) for this activation.
    func derivativeSymbol(layer l: Int) -> String {
        switch self {
        case .identity: "1"
        case .sigmoid: "σ'(z^\(l))"
        case .tanh: "tanh'(z^\(l))"
        case .relu: "relu'(z^\(l))"
        case .leakyReLU(let alpha): "leaky_relu'(z^\(l); α=\(alpha))"
        case .elu(let alpha): "elu'(z^\(l); α=\(alpha))"
        case .softplus: "softplus'(z^\(l))"
        case .gelu: "gelu'(z^\(l))"
        case .silu: "silu'(z^\(l))"
        case .softmax: "J_softmax(z^\(l))"
        }
    }
}

extension Network {
    /// One explanation per layer, in order 1…L, for this network trained with `loss`.
    public func explain(loss: Loss, reduction: Reduction) -> [LayerExplanation] {
        let count = layers.count
        let per = reduction == .mean ? " / B" : ""
        return layers.indices.map { index in
            let l = index + 1
            let f = layers[index].activation
            let delta: LayerExplanation.Step
            if l == count {
                delta = Self.outputDelta(loss: loss, activation: f, layer: l, per: per)
            } else if f == .identity {
                delta = .init(formula: "δ^\(l) = (W^\(l + 1))^T δ^\(l + 1)", uses: [.weights(l + 1), .delta(l + 1)])
            } else {
                delta = .init(
                    formula: "δ^\(l) = ((W^\(l + 1))^T δ^\(l + 1)) ⊙ \(f.derivativeSymbol(layer: l))",
                    uses: [.weights(l + 1), .delta(l + 1), .preactivation(l)]
                )
            }
            return LayerExplanation(
                layer: l,
                delta: delta,
                weightGradient: .init(
                    formula: "∇W^\(l) = δ^\(l) (a^\(l - 1))^T",
                    uses: [.delta(l), .activation(l - 1)]
                ),
                biasGradient: .init(formula: "∇b^\(l) = δ^\(l)", uses: [.delta(l)])
            )
        }
    }

    private static func outputDelta(
        loss: Loss,
        activation f: Activation,
        layer l: Int,
        per: String
    )
        -> LayerExplanation.Step
    {
        switch (loss, f) {
        case (.crossEntropy, .softmax):
            return .init(
                formula: "δ^\(l) = (a^\(l) − y)\(per)  (fused softmax + cross-entropy)",
                uses: [.activation(l), .targets]
            )
        case (.crossEntropy, _):
            return .init(
                formula: "δ^\(l) = (softmax(z^\(l)) − y)\(per)  (fused: z^\(l) are logits)",
                uses: [.preactivation(l), .targets]
            )
        case (.binaryCrossEntropy, .sigmoid):
            return .init(
                formula: "δ^\(l) = (a^\(l) − y)\(per)  (fused sigmoid + binary cross-entropy)",
                uses: [.activation(l), .targets]
            )
        case (.binaryCrossEntropy, _):
            return .init(
                formula: "δ^\(l) = (σ(z^\(l)) − y)\(per)  (fused: z^\(l) are logits)",
                uses: [.preactivation(l), .targets]
            )
        default:
            let gradient = loss == .mse ? "(2/n_\(l)) (a^\(l) − y)" : "(a^\(l) − y)"
            switch f {
            case .identity:
                return .init(formula: "δ^\(l) = \(gradient)\(per)", uses: [.activation(l), .targets])
            case .softmax:
                return .init(
                    formula: "δ^\(l) = J_softmax(z^\(l))^T \(gradient)\(per)",
                    uses: [.activation(l), .targets]
                )
            default:
                return .init(
                    formula: "δ^\(l) = \(gradient) ⊙ \(f.derivativeSymbol(layer: l))\(per)",
                    uses: [.activation(l), .targets, .preactivation(l)]
                )
            }
        }
    }
}
