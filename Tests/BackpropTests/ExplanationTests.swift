import Backprop
import TestSupport
import Testing

/// What `explain` says each step of the backward pass computes and needs, in the article's terms:
/// ∇W^l needs δ^l and a^{l−1}; δ^l needs W^{l+1}, δ^{l+1} and z^l; the output layer depends on the loss.
@Suite("Explanation of the backward pass")
struct ExplanationTests {
    /// A step as the tests write it (`LayerExplanation.Step` has no public initialiser).
    struct Step: Equatable, Sendable, CustomTestStringConvertible {
        var formula: String
        var needs: [String]
        init(formula: String, needs: [String]) {
            self.formula = formula
            self.needs = needs
        }
        init(_ step: LayerExplanation.Step) { self.init(formula: step.formula, needs: step.needs) }
        var testDescription: String { "\(formula) needs \(needs)" }
    }

    /// A network of `widths` [n_0, …, n_L] with `hidden` on every layer but the last.
    static func network(_ widths: [Int], hidden: Activation, output: Activation) -> Network<Double> {
        Network(
            layers: (1..<widths.count).map { l in
                Layer(
                    weights: Matrix(rows: widths[l], columns: widths[l - 1], repeating: 0.5),
                    activation: l == widths.count - 1 ? output : hidden
                )
            }
        )
    }

    @Test("a 3-layer network: δ^1 needs W^2, δ^2, z^1 and ∇W^1 needs δ^1, a^0")
    func explainThreeLayers() {
        var g = SeededGenerator(seed: 11)
        let net: Network<Double> = Reference.network(
            widths: [2, 3, 3, 2],
            hidden: .sigmoid,
            output: .softmax,
            using: &g
        )
        let e = net.explain(loss: .crossEntropy, reduction: .mean)
        #expect(e.map(\.layer) == [1, 2, 3])
        #expect(e[0].delta.needs == ["W^2", "δ^2", "z^1"])
        #expect(e[0].delta.formula == "δ^1 = ((W^2)^T δ^2) ⊙ σ'(z^1)")
        #expect(e[0].weightGradient.needs == ["δ^1", "a^0"])
        #expect(e[0].weightGradient.formula == "∇W^1 = δ^1 (a^0)^T")
        #expect(e[1].delta.needs == ["W^3", "δ^3", "z^2"])
        #expect(e[2].delta.needs == ["a^3", "y"])
        #expect(e[2].delta.formula.contains("fused softmax + cross-entropy"))
        #expect(!e[0].weightGradient.needs.contains("a^1"), "∇W^1 does not need a^1")
    }

    @Test("∇W^l needs δ^l and a^{l−1}, ∇b^l needs δ^l, on every layer", arguments: [1, 2, 4])
    func parameterGradients(depth: Int) {
        let net = Self.network(Array(repeating: 2, count: depth + 1), hidden: .tanh, output: .identity)
        let e = net.explain(loss: .quadratic, reduction: .sum)
        #expect(e.map(\.layer) == Array(1...depth))
        for (index, step) in e.enumerated() {
            let l = index + 1
            #expect(
                Step(step.weightGradient)
                    == Step(formula: "∇W^\(l) = δ^\(l) (a^\(l - 1))^T", needs: ["δ^\(l)", "a^\(l - 1)"])
            )
            #expect(Step(step.biasGradient) == Step(formula: "∇b^\(l) = δ^\(l)", needs: ["δ^\(l)"]))
        }
    }

    /// Each hidden activation, and how the article writes its f'(z^1).
    static let hidden: [(Activation, String)] = [
        (.sigmoid, "σ'(z^1)"), (.tanh, "tanh'(z^1)"), (.relu, "relu'(z^1)"),
        (.leakyReLU(alpha: 0.2), "leaky_relu'(z^1; α=0.2)"), (.elu(alpha: 1.5), "elu'(z^1; α=1.5)"),
        (.softplus, "softplus'(z^1)"), (.gelu, "gelu'(z^1)"), (.silu, "silu'(z^1)"),
    ]

    @Test("a hidden δ^l needs W^{l+1}, δ^{l+1} and z^l, through f'(z^l)", arguments: hidden)
    func hiddenDelta(activation: Activation, derivative: String) {
        let e = Self.network([2, 3, 1], hidden: activation, output: .identity).explain(loss: .mse, reduction: .mean)
        #expect(Step(e[0].delta) == Step(formula: "δ^1 = ((W^2)^T δ^2) ⊙ \(derivative)", needs: ["W^2", "δ^2", "z^1"]))
    }

    @Test("an identity hidden layer's δ^l needs no z^l: f' is 1")
    func identityHiddenDelta() {
        let e = Self.network([2, 3, 3, 1], hidden: .identity, output: .sigmoid).explain(
            loss: .quadratic,
            reduction: .sum
        )
        #expect(Step(e[0].delta) == Step(formula: "δ^1 = (W^2)^T δ^2", needs: ["W^2", "δ^2"]))
        #expect(Step(e[1].delta) == Step(formula: "δ^2 = (W^3)^T δ^3", needs: ["W^3", "δ^3"]))
    }

    /// The output layer's δ^L for each loss and output: fused where the loss takes logits, else
    /// the loss's ∂C/∂a through f'. `mean` writes the 1/B.
    static let outputs: [(Loss, Activation, Reduction, Step)] = [
        (
            .crossEntropy, .softmax, .mean,
            Step(formula: "δ^2 = (a^2 − y) / B  (fused softmax + cross-entropy)", needs: ["a^2", "y"])
        ),
        (
            .crossEntropy, .identity, .sum,
            Step(formula: "δ^2 = (softmax(z^2) − y)  (fused: z^2 are logits)", needs: ["z^2", "y"])
        ),
        (
            .binaryCrossEntropy, .sigmoid, .mean,
            Step(formula: "δ^2 = (a^2 − y) / B  (fused sigmoid + binary cross-entropy)", needs: ["a^2", "y"])
        ),
        (
            .binaryCrossEntropy, .identity, .mean,
            Step(formula: "δ^2 = (σ(z^2) − y) / B  (fused: z^2 are logits)", needs: ["z^2", "y"])
        ),
        (.quadratic, .identity, .sum, Step(formula: "δ^2 = (a^2 − y)", needs: ["a^2", "y"])),
        (.mse, .identity, .mean, Step(formula: "δ^2 = (2/n_2) (a^2 − y) / B", needs: ["a^2", "y"])),
        (.quadratic, .sigmoid, .mean, Step(formula: "δ^2 = (a^2 − y) ⊙ σ'(z^2) / B", needs: ["a^2", "y", "z^2"])),
        (.mse, .tanh, .sum, Step(formula: "δ^2 = (2/n_2) (a^2 − y) ⊙ tanh'(z^2)", needs: ["a^2", "y", "z^2"])),
        (.quadratic, .softmax, .mean, Step(formula: "δ^2 = J_softmax(z^2)^T (a^2 − y) / B", needs: ["a^2", "y"])),
    ]

    @Test("the output layer's δ^L, per loss and output activation", arguments: outputs)
    func outputDelta(loss: Loss, output: Activation, reduction: Reduction, expected: Step) {
        let e = Self.network([2, 3, 2], hidden: .relu, output: output).explain(loss: loss, reduction: reduction)
        #expect(e.count == 2)
        #expect(Step(e[1].delta) == expected)
    }
}

@Suite("Explanation: uses as data")
struct ExplanationUsesTests {
    @Test("each step's uses are its needs as data: the same quantities, in order, with their layers")
    func usesMatchNeeds() {
        let network = ExplanationTests.network([2, 3, 3, 1], hidden: .sigmoid, output: .identity)
        let e = network.explain(loss: .quadratic, reduction: .mean)
        #expect(e[0].delta.uses == [.weights(2), .delta(2), .preactivation(1)])
        #expect(e[0].weightGradient.uses == [.delta(1), .activation(0)])
        #expect(e[2].delta.uses == [.activation(3), .targets])
        #expect(e[2].delta.uses.map(\.quantity) == ["activation", "targets"])
        #expect(e[2].delta.uses.map(\.layer) == [3, nil])
        for layer in e {
            for step in [layer.delta, layer.weightGradient, layer.biasGradient] {
                #expect(step.needs == step.uses.map(\.symbol))
            }
        }
    }
}
