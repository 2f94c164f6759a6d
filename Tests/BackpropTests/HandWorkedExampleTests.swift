import Backprop
import Foundation
import TestSupport
import Testing

/// The seed-size example of docs/api.md and the README (2-3-1, sigmoid hidden layer, identity output, quadratic
/// cost), worked by hand with scalars, unit by unit, with no matrices.
@Suite("Hand-worked 2-3-1 example")
struct HandWorkedExampleTests {
    let W1 = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
    let b1 = [0.0, 0.0, 0.0]
    let W2 = [0.7, 0.8, 0.9]
    let b2 = 0.0
    let x = [[1.0, 2.0], [3.0, 4.0]]
    let y = [1.0, 0.0]

    var network: Network<Double> {
        Network(layers: [
            Layer(weights: Matrix(W1), biases: b1, activation: .sigmoid),
            Layer(weights: Matrix([W2]), biases: [b2], activation: .identity),
        ])
    }

    func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

    @Test("one sample: every z, a, δ and gradient by hand")
    func oneSampleByHand() throws {
        // Sample x = (1, 2), y = 1.
        // z^1_j = Σ_k W1[j][k] x_k:  0.1+0.4 = 0.5,  0.3+0.8 = 1.1,  0.5+1.2 = 1.7
        let z1 = [0.5, 1.1, 1.7]
        let a1 = z1.map(sigmoid)
        // z^2 = Σ_j W2_j a1_j  (identity output, so a^2 = z^2)
        let z2 = 0.7 * a1[0] + 0.8 * a1[1] + 0.9 * a1[2]
        // C = ½ (a^2 − y)²,  δ^2 = (a^2 − y)·1
        let cost = 0.5 * (z2 - 1) * (z2 - 1)
        let delta2 = z2 - 1
        // δ^1_j = W2_j δ^2 σ'(z^1_j),  σ' = a(1 − a)
        let delta1 = (0..<3).map { j in W2[j] * delta2 * a1[j] * (1 - a1[j]) }
        // ∇W^1_{jk} = δ^1_j x_k;  ∇W^2_j = δ^2 a^1_j
        let gradW1 = (0..<3).map { j in [delta1[j] * 1, delta1[j] * 2] }
        let gradW2 = (0..<3).map { j in delta2 * a1[j] }

        // Sanity of the hand values themselves: a^1 = σ(0.5) = 0.6224593312018546.
        #expect(abs(a1[0] - 0.6224593312018546) < 1e-15)

        let (pass, g) = try network.gradients(
            inputs: Matrix([x[0]]),
            targets: Matrix([[1.0]]),
            loss: .quadratic,
            reduction: .mean
        )
        #expect(pass.z[0].shape == [1, 3])
        #expect(maxDifference(pass.z[0].storage, z1).value < 1e-15)
        #expect(abs(g.cost - cost) < 1e-15)
        #expect(abs(g.delta[1].storage[0] - delta2) < 1e-15)
        #expect(maxDifference(g.delta[0].storage, delta1).value < 1e-15)
        #expect(g.weightGradient[0].shape == [3, 2])
        #expect(maxDifference(g.weightGradient[0].storage, gradW1.flatMap { $0 }).value < 1e-15)
        #expect(maxDifference(g.weightGradient[1].storage, gradW2).value < 1e-15)
        #expect(maxDifference(g.biasGradient[0], delta1).value < 1e-15)
        #expect(abs(g.biasGradient[1][0] - delta2) < 1e-15)
    }

    @Test("the README example's batch of two, mean reduction: values an independent autodiff gave")
    func apiExampleBatch() throws {
        // Values from numpy 2.4 running the same formulas on column vectors (printed with repr).
        let (_, g) = try network.gradients(
            inputs: Matrix(x),
            targets: Matrix(y.map { [$0] }),
            loss: .quadratic,
            reduction: .mean
        )
        #expect(abs(g.cost - 1.3107817592624795) < 1e-12)
        let expectedW1 = [
            0.48787327061916846, 0.6941956642236498, 0.24031170587564976, 0.3602334998802442, 0.10319223742958641,
            0.16881399204202063,
        ]
        #expect(maxDifference(g.weightGradient[0].storage, expectedW1).value < 1e-12)
        #expect(
            maxDifference(g.weightGradient[1].storage, [1.0532912029609725, 1.2908447734985173, 1.3889325516939668])
                .value < 1e-12
        )
    }
}
