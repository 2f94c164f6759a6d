import Backprop
import Foundation
import TestSupport
import Testing

/// Each loss's cost and fused output delta δ^L = ∂C/∂z^L (`Loss.evaluate`), against numbers worked
/// by hand and against central differences of the cost; and which output layers each accepts.
@Suite("Losses: value, output delta and accepted outputs")
struct LossTests {
    /// A hand-worked case: z^L, the targets, and what the cost and Δ^L must be.
    struct Worked: Sendable, CustomTestStringConvertible {
        var loss: Loss
        var output: Activation
        var reduction: Reduction
        var z: [[Double]]
        var y: [[Double]]
        var cost: Double
        var delta: [[Double]]
        var testDescription: String { "\(loss.name), \(output.name), \(reduction)" }
    }

    // z = a (identity) = [[1, 2, 3], [0, −1, 2]], y = [[0, 2, 5], [1, 1, 2]]: a − y = [[1, 0, −2], [−1, −2, 0]],
    // Σ(a − y)² = 5 in each row. Quadratic: C_x = ½·5 = 2.5, ∂C_x/∂a = a − y. Mean square over
    // n_L = 3: C_x = 5/3, ∂C_x/∂a = 2(a − y)/3. `mean` divides cost and Δ by B = 2.
    static let zRows: [[Double]] = [[1, 2, 3], [0, -1, 2]]
    static let yRows: [[Double]] = [[0, 2, 5], [1, 1, 2]]
    static let ln2 = log(2.0)
    static let ln3 = log(3.0)

    static let worked: [Worked] = [
        Worked(
            loss: .quadratic,
            output: .identity,
            reduction: .sum,
            z: zRows,
            y: yRows,
            cost: 5,
            delta: [[1, 0, -2], [-1, -2, 0]]
        ),
        Worked(
            loss: .quadratic,
            output: .identity,
            reduction: .mean,
            z: zRows,
            y: yRows,
            cost: 2.5,
            delta: [[0.5, 0, -1], [-0.5, -1, 0]]
        ),
        Worked(
            loss: .mse,
            output: .identity,
            reduction: .sum,
            z: zRows,
            y: yRows,
            cost: 10.0 / 3,
            delta: [[2.0 / 3, 0, -4.0 / 3], [-2.0 / 3, -4.0 / 3, 0]]
        ),
        Worked(
            loss: .mse,
            output: .identity,
            reduction: .mean,
            z: zRows,
            y: yRows,
            cost: 5.0 / 3,
            delta: [[1.0 / 3, 0, -2.0 / 3], [-1.0 / 3, -2.0 / 3, 0]]
        ),
        // Through f': σ(0) = ½, σ'(0) = ¼; C = ½(½ − 1)² = ⅛, δ = (½ − 1)·¼ = −⅛.
        Worked(loss: .quadratic, output: .sigmoid, reduction: .sum, z: [[0]], y: [[1]], cost: 0.125, delta: [[-0.125]]),
        // softmax([0, ln 3]) = [¼, ¾]; with y = [0, 1]: C = −ln ¾ = 2 ln 2 − ln 3, δ = p − y = [¼, −¼].
        Worked(
            loss: .crossEntropy,
            output: .softmax,
            reduction: .sum,
            z: [[0, ln3]],
            y: [[0, 1]],
            cost: 2 * ln2 - ln3,
            delta: [[0.25, -0.25]]
        ),
        // Identity outputs are read as logits: the same numbers as softmax.
        Worked(
            loss: .crossEntropy,
            output: .identity,
            reduction: .sum,
            z: [[0, ln3]],
            y: [[0, 1]],
            cost: 2 * ln2 - ln3,
            delta: [[0.25, -0.25]]
        ),
        // Soft targets y = [½, ½]: C = Σ y_j (log Σe^z − z_j) = ½ ln 4 + ½ (ln 4 − ln 3), δ = p·Σy − y = [−¼, ¼];
        // the second row, [0, 0] → p = [½, ½] with y = [1, 0]: C = ln 2, δ = [−½, ½]. Mean halves both.
        Worked(
            loss: .crossEntropy,
            output: .softmax,
            reduction: .mean,
            z: [[0, ln3], [0, 0]],
            y: [[0.5, 0.5], [1, 0]],
            cost: (2 * ln2 - ln3 / 2 + ln2) / 2,
            delta: [[-0.125, 0.125], [-0.25, 0.25]]
        ),
        // σ([0, ln 3]) = [½, ¾]; y = [1, 0]: C = −ln ½ − ln(1 − ¾) = 3 ln 2, δ = σ(z) − y = [−½, ¾].
        Worked(
            loss: .binaryCrossEntropy,
            output: .sigmoid,
            reduction: .sum,
            z: [[0, ln3]],
            y: [[1, 0]],
            cost: 3 * ln2,
            delta: [[-0.5, 0.75]]
        ),
        Worked(
            loss: .binaryCrossEntropy,
            output: .identity,
            reduction: .sum,
            z: [[0, ln3]],
            y: [[1, 0]],
            cost: 3 * ln2,
            delta: [[-0.5, 0.75]]
        ),
        // Far logits stay finite (the stable forms): softmax([1000, 0]) with y = [0, 1] costs 1000;
        // σ(1000) with y = 0 costs 1000 (max(z, 0) − y·z + log(1 + e^{−|z|})).
        Worked(
            loss: .crossEntropy,
            output: .identity,
            reduction: .sum,
            z: [[1000, 0]],
            y: [[0, 1]],
            cost: 1000,
            delta: [[1, -1]]
        ),
        Worked(
            loss: .binaryCrossEntropy,
            output: .identity,
            reduction: .sum,
            z: [[1000]],
            y: [[0]],
            cost: 1000,
            delta: [[1]]
        ),
    ]

    @Test("the cost and δ^L of hand-worked cases", arguments: worked)
    func handWorked(c: Worked) {
        let z = Matrix(c.z)
        let (cost, delta) = c.loss.evaluate(
            z: z,
            a: c.output.forward(z),
            targets: Matrix(c.y),
            output: c.output,
            reduction: c.reduction
        )
        #expect(abs(cost - c.cost) <= 1e-12 * max(1, abs(c.cost)), "cost \(cost), expected \(c.cost)")
        #expect(delta.shape == [c.delta.count, c.delta[0].count])
        let worst = maxDifference(delta.storage.array, c.delta.flatMap { $0 })
        #expect(worst.value <= 1e-12, "largest difference \(worst.value) at element \(worst.index): \(delta.nested)")
    }

    /// Every loss with each output it accepts; quadratic and mse with a spread of activations.
    static let pairs: [(Loss, Activation)] =
        [Loss.quadratic, .mse].flatMap { loss in
            [Activation.identity, .sigmoid, .tanh, .leakyReLU(alpha: 0.2), .gelu, .softmax].map { (loss, $0) }
        } + [
            (.crossEntropy, .softmax), (.crossEntropy, .identity), (.binaryCrossEntropy, .sigmoid),
            (.binaryCrossEntropy, .identity),
        ]

    @Test("δ^L matches the central difference of the cost in each z^L", arguments: pairs)
    func deltaMatchesFiniteDifferences(loss: Loss, output: Activation) {
        var g = SeededGenerator(seed: 77)
        let z: Matrix<Double> = Reference.random(3, 4, scale: 2, using: &g)
        let y: Matrix<Double> = Reference.targets(for: loss, rows: 3, columns: 4, using: &g)
        for reduction in Reduction.allCases {
            func cost(_ z: Matrix<Double>) -> Double {
                loss.evaluate(z: z, a: output.forward(z), targets: y, output: output, reduction: reduction).cost
            }
            let delta = loss.evaluate(z: z, a: output.forward(z), targets: y, output: output, reduction: reduction)
                .delta
            let epsilon = 1e-6
            let numeric = (0..<z.count).map { k in
                var plus = z
                var minus = z
                plus.storage[k] += epsilon
                minus.storage[k] -= epsilon
                return (cost(plus) - cost(minus)) / (2 * epsilon)
            }
            #expect(delta.shape == z.shape)
            let error = maxRelativeError(delta.storage.array, numeric)
            #expect(error < 1e-6, "\(loss.name), \(output.name), \(reduction): relative error \(error)")
        }
    }

    static let activations: [Activation] = [
        .identity, .sigmoid, .tanh, .relu, .leakyReLU(alpha: 0.01), .elu(alpha: 1), .softplus, .gelu, .silu, .softmax,
    ]

    @Test("which output activations each loss accepts", arguments: Loss.allCases)
    func acceptedOutputs(loss: Loss) {
        let expected: [Activation]? =
            switch loss {
            case .quadratic, .mse: nil
            case .crossEntropy: [.softmax, .identity]
            case .binaryCrossEntropy: [.sigmoid, .identity]
            }
        #expect(loss.acceptedOutputs == expected)
        for output in Self.activations {
            #expect(
                loss.accepts(output: output) == (expected?.contains(output) ?? true),
                "\(loss.name), \(output.name)"
            )
        }
    }
}
