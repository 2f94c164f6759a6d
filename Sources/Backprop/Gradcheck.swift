/// The step and tolerances of a gradient check; the defaults are PyTorch's
/// `torch.autograd.gradcheck` (eps 1e-6, atol 1e-5, rtol 1e-3).
public struct GradcheckTolerances: Sendable, Equatable {
    /// ε of the central difference `(C(θ+ε) − C(θ−ε)) / 2ε`.
    public var epsilon: Double
    public var atol: Double
    public var rtol: Double

    public init(epsilon: Double = 1e-6, atol: Double = 1e-5, rtol: Double = 1e-3) {
        self.epsilon = epsilon
        self.atol = atol
        self.rtol = rtol
    }
}

/// How far the analytic gradients of one layer are from central finite differences.
public struct LayerGradcheck: Sendable, Equatable {
    public var layer: Int
    public var weights: Comparison
    public var biases: Comparison

    public struct Comparison: Sendable, Equatable {
        public var maxAbsError: Double
        public var maxRelError: Double
        /// Every element within `atol + rtol·|numeric|`.
        public var passed: Bool
    }

    public var passed: Bool { weights.passed && biases.passed }
}

extension Network where Scalar == Double {
    /// Compares ∂C/∂W^l and ∂C/∂b^l with central differences `(C(θ+ε) − C(θ−ε)) / 2ε`,
    /// PyTorch `gradcheck`'s test. Costs two forward passes per parameter.
    public func gradcheck(
        inputs: Matrix<Double>,
        targets: Matrix<Double>,
        loss: Loss,
        reduction: Reduction,
        tolerances: GradcheckTolerances = GradcheckTolerances(),
        shouldStop: () -> Bool = { false }
    ) throws(NetworkError) -> [LayerGradcheck] {
        let (epsilon, atol, rtol) = (tolerances.epsilon, tolerances.atol, tolerances.rtol)
        let (_, analytic) = try gradients(inputs: inputs, targets: targets, loss: loss, reduction: reduction)
        // `gradients` validated the network and batch, and the probes change values, not shapes.
        var probe = self
        func numeric(_ set: (inout Network, Double) -> Void, _ original: Double) -> Double {
            set(&probe, original + epsilon)
            let plus = probe.cost(probe.forward(validated: inputs), targets: targets, loss: loss, reduction: reduction)
            set(&probe, original - epsilon)
            let minus = probe.cost(probe.forward(validated: inputs), targets: targets, loss: loss, reduction: reduction)
            set(&probe, original)
            return (plus - minus) / (2 * epsilon)
        }
        func compare(_ pairs: [(analytic: Double, numeric: Double)]) -> LayerGradcheck.Comparison {
            var maxAbs = 0.0
            var maxRel = 0.0
            var passed = true
            for (a, n) in pairs {
                let err = abs(a - n)
                maxAbs = max(maxAbs, err)
                maxRel = max(maxRel, err / max(abs(n), Double.leastNormalMagnitude))
                if !(err <= atol + rtol * abs(n)) { passed = false }
            }
            if pairs.isEmpty { maxRel = 0 }
            return .init(maxAbsError: maxAbs, maxRelError: maxRel, passed: passed)
        }
        var results: [LayerGradcheck] = []
        for l in layers.indices {
            let w = layers[l].weights
            var weightPairs: [(analytic: Double, numeric: Double)] = []
            for i in 0..<w.count {
                if i % 64 == 0, shouldStop() { throw .cancelled }
                let n = numeric({ net, v in net.layers[l].weights.storage[i] = v }, w.storage[i])
                weightPairs.append((analytic.weightGradient[l].storage[i], n))
            }
            var biasPairs: [(analytic: Double, numeric: Double)] = []
            for j in 0..<layers[l].biases.count {
                let n = numeric({ net, v in net.layers[l].biases[j] = v }, layers[l].biases[j])
                biasPairs.append((analytic.biasGradient[l][j], n))
            }
            results.append(LayerGradcheck(layer: l + 1, weights: compare(weightPairs), biases: compare(biasPairs)))
        }
        return results
    }
}
