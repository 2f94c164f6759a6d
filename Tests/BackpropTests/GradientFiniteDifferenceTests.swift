import Backprop
import TestSupport
import Testing

/// Every activation × loss, checked against central finite differences of the cost.
@Suite("Gradients match central finite differences")
struct GradientFiniteDifferenceTests {
    static let hiddenActivations: [Activation] = [
        .identity, .sigmoid, .tanh, .relu, .leakyReLU(alpha: 0.2), .elu(alpha: 1.5), .softplus, .gelu, .silu,
    ]
    /// Each loss with each output activation it accepts (quadratic and mse accept any).
    static let lossOutputs: [(Loss, Activation)] =
        [Loss.quadratic, .mse].flatMap { loss in (hiddenActivations + [.softmax]).map { (loss, $0) } }
        + [
            (.crossEntropy, .softmax), (.crossEntropy, .identity), (.binaryCrossEntropy, .sigmoid),
            (.binaryCrossEntropy, .identity),
        ]

    static let cases: [(hidden: Activation, loss: Loss, output: Activation, reduction: Reduction)] =
        hiddenActivations.flatMap { hidden in
            lossOutputs.map { (hidden, $0.0, $0.1, hidden == .tanh ? Reduction.sum : .mean) }
        }

    /// Central difference of the cost in one coordinate set by `set`.
    static func numeric(
        _ net: Network<Double>,
        inputs: Matrix<Double>,
        targets: Matrix<Double>,
        loss: Loss,
        reduction: Reduction,
        epsilon: Double = 1e-6,
        _ set: (inout Network<Double>, inout Matrix<Double>, Double) -> Void,
        at x: Double
    ) throws -> Double {
        var n = net
        var a = inputs
        set(&n, &a, x + epsilon)
        let plus = n.cost(try n.forward(a), targets: targets, loss: loss, reduction: reduction)
        set(&n, &a, x - epsilon)
        let minus = n.cost(try n.forward(a), targets: targets, loss: loss, reduction: reduction)
        return (plus - minus) / (2 * epsilon)
    }

    @Test(arguments: cases.indices)
    func weightsBiasesAndInputsMatchFiniteDifferences(caseIndex: Int) throws {
        let c = Self.cases[caseIndex]
        var g = SeededGenerator(seed: UInt64(1000 + caseIndex))
        let widths = [3, 4, 5, 3]
        let net: Network<Double> = Reference.network(widths: widths, hidden: c.hidden, output: c.output, using: &g)
        let inputs: Matrix<Double> = Reference.random(4, 3, using: &g)
        let targets: Matrix<Double> = Reference.targets(for: c.loss, rows: 4, columns: 3, using: &g)
        let (_, grads) = try net.gradients(
            inputs: inputs,
            targets: targets,
            loss: c.loss,
            reduction: c.reduction,
            inputGradient: true
        )

        for l in net.layers.indices {
            let w = net.layers[l].weights
            let numericW = try (0..<w.count).map { i in
                try Self.numeric(
                    net,
                    inputs: inputs,
                    targets: targets,
                    loss: c.loss,
                    reduction: c.reduction,
                    { n, _, v in n.layers[l].weights.storage[i] = v },
                    at: w.storage[i]
                )
            }
            let errW = maxRelativeError(grads.weightGradient[l].storage, numericW)
            #expect(
                errW < 1e-6,
                "∇W^\(l + 1) for \(c.hidden)/\(c.loss)/\(c.output): rel error \(errW)"
            )

            let numericB = try net.layers[l].biases.indices.map { j in
                try Self.numeric(
                    net,
                    inputs: inputs,
                    targets: targets,
                    loss: c.loss,
                    reduction: c.reduction,
                    { n, _, v in n.layers[l].biases[j] = v },
                    at: net.layers[l].biases[j]
                )
            }
            let errB = maxRelativeError(grads.biasGradient[l], numericB)
            #expect(
                errB < 1e-6,
                "∇b^\(l + 1) for \(c.hidden)/\(c.loss)/\(c.output): rel error \(errB)"
            )
        }
        let numericX = try (0..<inputs.count).map { i in
            try Self.numeric(
                net,
                inputs: inputs,
                targets: targets,
                loss: c.loss,
                reduction: c.reduction,
                { _, a, v in a.storage[i] = v },
                at: inputs.storage[i]
            )
        }
        let errX = maxRelativeError(try #require(grads.inputGradient).storage, numericX)
        #expect(errX < 1e-6, "∂C/∂a^0 for \(c.hidden)/\(c.loss)/\(c.output): rel error \(errX)")
    }

    @Test("float32 gradients agree with float64 to single precision")
    func float32AgreesWithFloat64() throws {
        var g = SeededGenerator(seed: 7)
        let net64: Network<Double> = Reference.network(widths: [6, 8, 4], hidden: .tanh, output: .softmax, using: &g)
        let x64: Matrix<Double> = Reference.random(5, 6, using: &g)
        let y64: Matrix<Double> = Reference.targets(for: .crossEntropy, rows: 5, columns: 4, using: &g)
        let net32 = Network<Float>(
            layers: net64.layers.map {
                Layer(weights: $0.weights.converted(), biases: $0.biases.map(Float.init), activation: $0.activation)
            }
        )
        let (_, g64) = try net64.gradients(inputs: x64, targets: y64, loss: .crossEntropy)
        let (_, g32) = try net32.gradients(inputs: x64.converted(), targets: y64.converted(), loss: .crossEntropy)
        for l in net64.layers.indices {
            let err = maxRelativeError(g32.weightGradient[l].storage.map(Double.init), g64.weightGradient[l].storage)
            #expect(err < 1e-4, "layer \(l + 1): float32 vs float64 rel error \(err)")
        }
        #expect(abs(Double(g32.cost) - g64.cost) < 1e-5 * abs(g64.cost))
    }
}
