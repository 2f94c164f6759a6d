import RealModule

/// A layer's activation function `f^l`, applied to the weighted input: `a^l = f^l(z^l)`.
public enum Activation: Sendable, Equatable, Hashable {
    case identity
    case sigmoid
    case tanh
    case relu
    /// `z` for z > 0, `alpha·z` otherwise.
    case leakyReLU(alpha: Double)
    /// `z` for z > 0, `alpha·(e^z − 1)` otherwise.
    case elu(alpha: Double)
    case softplus
    /// The exact GELU, `z·Φ(z)` with Φ the standard normal CDF (through erf), as PyTorch's default.
    case gelu
    /// `z·σ(z)` (also called swish).
    case silu
    /// Row-wise softmax; allowed on the output layer only.
    case softmax

    /// What a sentence calls this activation, with its parameter: "ReLU", "leaky ReLU (α = 0.01)".
    /// Backprop's own words for its own messages; the service spells the API's names itself.
    public var name: String {
        switch self {
        case .identity: "identity"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .relu: "ReLU"
        case .leakyReLU(let alpha): "leaky ReLU (α = \(Self.written(alpha)))"
        case .elu(let alpha): "ELU (α = \(Self.written(alpha)))"
        case .softplus: "softplus"
        case .gelu: "GELU"
        case .silu: "SiLU"
        case .softmax: "softmax"
        }
    }

    /// A parameter as a person writes it: a whole number without ".0".
    private static func written(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }
}

// Forward and backward side by side, one pair per activation.
extension Activation {
    /// `f(z)` for one element; softmax is row-wise and handled in `forward(_:)`.
    @inline(__always)
    func value<S: BLASScalar>(_ z: S) -> S {
        switch self {
        case .identity, .softmax: return z
        case .sigmoid: return Activation.logistic(z)
        case .tanh: return S.tanh(z)
        case .relu: return z > 0 ? z : 0
        case .leakyReLU(let alpha): return z > 0 ? z : S(alpha) * z
        case .elu(let alpha): return z > 0 ? z : S(alpha) * S.expMinusOne(z)
        // softplus(z) = max(z, 0) + log(1 + e^{−|z|}): never overflows, and exact for large |z|.
        case .softplus: return Swift.max(z, 0) + S.log(onePlus: S.exp(-Swift.abs(z)))
        case .gelu: return z * Activation.normalCDF(z)
        case .silu: return z * Activation.logistic(z)
        }
    }

    /// `f'(z)` for one element, given `a = f(z)` where that is cheaper. relu'(0) = 0, as in PyTorch.
    @inline(__always)
    func derivative<S: BLASScalar>(_ z: S, _ a: S) -> S {
        switch self {
        case .identity, .softmax: return 1
        case .sigmoid: return a * (1 - a)
        case .tanh: return 1 - a * a
        case .relu: return z > 0 ? 1 : 0
        case .leakyReLU(let alpha): return z > 0 ? 1 : S(alpha)
        case .elu(let alpha): return z > 0 ? 1 : S(alpha) * S.exp(z)
        case .softplus: return Activation.logistic(z)
        // d/dz z·Φ(z) = Φ(z) + z·φ(z)
        case .gelu: return Activation.normalCDF(z) + z * Activation.normalPDF(z)
        // d/dz z·σ(z) = σ(z)·(1 + z·(1 − σ(z)))
        case .silu:
            let s = Activation.logistic(z)
            return s * (1 + z * (1 - s))
        }
    }

    /// `a = f(z)` for a whole layer. Z^l: [B, n_l] → A^l: [B, n_l].
    @_specialize(exported:true,where S == Float)
    @_specialize(exported:true,where S == Double)
    public func forward<S: BLASScalar>(_ z: Matrix<S>) -> Matrix<S> {
        if self == .identity { return z }
        let storage = TensorStorage<S>(unsafeUninitializedCapacity: z.count) { a, initialized in
            let out = a
            z.storage.withUnsafeBufferPointer { zp in self.forward(zp, into: out, columns: z.columns) }
            initialized = z.count
        }
        return Matrix(rows: z.rows, columns: z.columns, storage: storage)
    }

    /// `a = f(z)` elementwise, or per row of `columns` for softmax; `a` may be `z` itself.
    /// Used on whole layers and on row blocks of a request's workspace.
    func forward<S: BLASScalar>(_ z: UnsafeBufferPointer<S>, into a: UnsafeMutableBufferPointer<S>, columns: Int) {
        guard let zBase = z.baseAddress, let aBase = a.baseAddress, z.count > 0 else { return }
        if UnsafePointer(aBase) != zBase { aBase.update(from: zBase, count: z.count) }
        switch self {
        case .identity:
            return
        case .softmax:
            for i in 0..<(z.count / columns) { Activation.softmaxRow(a, from: i * columns, count: columns) }
        // The switch is hoisted out of the loop for the common activations, so each loop is one
        // tight (vectorisable) pass; the rest go through `value` per element.
        case .relu: S.reluForward(a)
        case .tanh: Activation.apply(a) { S.tanh($0) }
        case .sigmoid: Activation.apply(a) { Activation.logistic($0) }
        default: Activation.apply(a) { value($0) }
        }
    }

    @inline(__always)
    static func apply<S: BLASScalar>(_ p: UnsafeMutableBufferPointer<S>, _ f: (S) -> S) {
        for i in p.indices { p[i] = f(p[i]) }
    }

    /// `δ = ∂C/∂z` from `g = ∂C/∂a`: `g ⊙ f'(z)` for elementwise activations, and for softmax the
    /// Jacobian product `δ_j = a_j (g_j − Σ_k g_k a_k)`, since `∂a_k/∂z_j = a_k (1[j=k] − a_j)`.
    /// Z^l, A^l, G: [B, n_l] → Δ^l: [B, n_l].
    @_specialize(exported:true,where S == Float)
    @_specialize(exported:true,where S == Double)
    public func backward<S: BLASScalar>(z: Matrix<S>, a: Matrix<S>, gradient g: Matrix<S>) -> Matrix<S> {
        var delta = g
        if self == .identity { return delta }
        delta.storage.withUnsafeMutableBufferPointer { d in
            z.storage.withUnsafeBufferPointer { zp in
                a.storage.withUnsafeBufferPointer { ap in backward(d, z: zp, a: ap, columns: z.columns) }
            }
        }
        return delta
    }

    /// `d ← d ⊙ f'(z)` in place (the softmax Jacobian product per row of `columns`): `d` holds
    /// ∂C/∂a on the way in and ∂C/∂z on the way out.
    func backward<S: BLASScalar>(
        _ d: UnsafeMutableBufferPointer<S>,
        z zp: UnsafeBufferPointer<S>,
        a ap: UnsafeBufferPointer<S>,
        columns n: Int
    ) {
        switch self {
        case .identity:
            return
        case .softmax:
            guard n > 0 else { return }
            for i in 0..<(d.count / n) {
                let base = i * n
                var dot: S = 0
                for j in 0..<n { dot += d[base + j] * ap[base + j] }
                for j in 0..<n { d[base + j] = ap[base + j] * (d[base + j] - dot) }
            }
        case .relu: S.reluBackward(d, zp)
        case .tanh: for i in d.indices { d[i] *= 1 - ap[i] * ap[i] }
        case .sigmoid: for i in d.indices { d[i] *= ap[i] * (1 - ap[i]) }
        default: for i in d.indices { d[i] *= derivative(zp[i], ap[i]) }
        }
    }
}

// Numerically careful scalar helpers, shared with the losses.
extension Activation {
    /// σ(z) = 1 / (1 + e^{−z}), evaluated as e^z / (1 + e^z) for z < 0 so e^{−z} never overflows.
    @inline(__always)
    static func logistic<S: BLASScalar>(_ z: S) -> S {
        if z >= 0 { return 1 / (1 + S.exp(-z)) }
        let e = S.exp(z)
        return e / (1 + e)
    }

    /// Φ(z) = ½ (1 + erf(z / √2)).
    @inline(__always)
    static func normalCDF<S: BLASScalar>(_ z: S) -> S { (1 + S.erf(z / S.sqrt(2))) / 2 }

    /// φ(z) = e^{−z²/2} / √(2π).
    @inline(__always)
    static func normalPDF<S: BLASScalar>(_ z: S) -> S { S.exp(-z * z / 2) / S.sqrt(2 * S.pi) }

    /// Softmax of one row in place, shifted by the row maximum: softmax(z) = softmax(z − max z),
    /// so the largest exponent is e^0 and nothing overflows.
    static func softmaxRow<S: BLASScalar>(_ p: UnsafeMutableBufferPointer<S>, from start: Int, count n: Int) {
        guard n > 0, let base = p.baseAddress else { return }
        let sum = shiftedExps(base + start, into: base + start, count: n).sum
        for j in 0..<n { p[start + j] /= sum }
    }

    /// e^{z_j − max z} for one row of `n` ≥ 1 elements into `out` (which may be `z` itself), with
    /// max z and the sum of the exponentials (so log Σ e^{z_j} = max + log sum, stable for ±1000).
    @inline(__always)
    static func shiftedExps<S: BLASScalar>(
        _ z: UnsafePointer<S>,
        into out: UnsafeMutablePointer<S>,
        count n: Int
    ) -> (max: S, sum: S) {
        var m = z[0]
        for j in 1..<n { m = Swift.max(m, z[j]) }
        var sum: S = 0
        for j in 0..<n {
            let e = S.exp(z[j] - m)
            out[j] = e
            sum += e
        }
        return (m, sum)
    }
}
