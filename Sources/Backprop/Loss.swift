import RealModule

/// How per-sample losses become the cost C: their mean (default) or their sum.
public enum Reduction: Sendable, CaseIterable {
    case mean
    case sum
}

/// The per-sample loss; with a `Reduction` it defines the cost C.
public enum Loss: Sendable, CaseIterable {
    /// ½ Σ_j (a_j − y_j)², the article's quadratic cost.
    case quadratic
    /// (1/n_L) Σ_j (a_j − y_j)², PyTorch's `MSELoss`.
    case mse
    /// −Σ_j y_j log p_j with p = softmax(z^L) (softmax output, or identity output read as logits).
    case crossEntropy
    /// −Σ_j [y_j log p_j + (1 − y_j) log(1 − p_j)] with p = σ(z^L) (sigmoid output, or identity logits).
    case binaryCrossEntropy

    /// The output activations this loss accepts; `nil` means any. The cross-entropies take their
    /// own squashing function's output, or identity outputs read as logits.
    public var acceptedOutputs: [Activation]? {
        switch self {
        case .quadratic, .mse: nil
        case .crossEntropy: [.softmax, .identity]
        case .binaryCrossEntropy: [.sigmoid, .identity]
        }
    }

    /// What a sentence calls this loss: "cross-entropy", "mean squared error". Backprop's own
    /// words for its own messages; the service spells the API's names itself.
    public var name: String {
        switch self {
        case .quadratic: "quadratic cost"
        case .mse: "mean squared error"
        case .crossEntropy: "cross-entropy"
        case .binaryCrossEntropy: "binary cross-entropy"
        }
    }

    /// Whether `output` may end a network trained with this loss.
    public func accepts(output: Activation) -> Bool {
        acceptedOutputs.map { $0.contains(output) } ?? true
    }
}

extension Loss {
    /// The cost C and the output error `δ^L = ∂C/∂z^L`, computed together (Nielsen's `fn` and `delta`).
    ///
    /// Z^L, A^L, Y: [B, n_L] → (C, Δ^L: [B, n_L]). With `.mean`, each row of Δ^L carries 1/B.
    /// The cross-entropies never form log p: they work on the logits z^L, which is exact and stable.
    @_specialize(exported:true,where S == Float)
    @_specialize(exported:true,where S == Double)
    public func evaluate<S: BLASScalar>(
        z: Matrix<S>,
        a: Matrix<S>,
        targets y: Matrix<S>,
        output: Activation,
        reduction: Reduction
    ) -> (cost: S, delta: Matrix<S>) {
        precondition(z.rows == y.rows && z.columns == y.columns, "targets do not match the output")
        let scale: S = reduction == .mean && z.rows > 0 ? 1 / S(z.rows) : 1
        var cost: S = 0
        let delta = TensorStorage<S>(unsafeUninitializedCapacity: z.count) { d, initialized in
            let out = d
            z.storage.withUnsafeBufferPointer { zp in
                a.storage.withUnsafeBufferPointer { ap in
                    y.storage.withUnsafeBufferPointer { yp in
                        cost = evaluate(
                            z: zp,
                            a: ap,
                            targets: yp,
                            columns: z.columns,
                            output: output,
                            scale: scale,
                            into: out
                        )
                    }
                }
            }
            initialized = z.count
        }
        return (cost, Matrix(rows: z.rows, columns: z.columns, storage: delta))
    }

    /// The kernel of `evaluate` on rows of `columns` (a whole batch, or a row block of one with the
    /// whole batch's `scale`): writes Δ into `delta` and returns the rows' cost, times `scale`.
    func evaluate<S: BLASScalar>(
        z zp: UnsafeBufferPointer<S>,
        a ap: UnsafeBufferPointer<S>,
        targets yp: UnsafeBufferPointer<S>,
        columns n: Int,
        output: Activation,
        scale: S,
        into dp: UnsafeMutableBufferPointer<S>
    ) -> S {
        precondition(accepts(output: output), "\(NetworkError.lossDoesNotAcceptOutput(loss: self, output: output))")
        let count = zp.count
        let batch = n > 0 ? count / n : 0
        var cost: S = 0
        switch self {
        case .quadratic, .mse:
            // ∂C/∂a = (a − y) for ½Σ(a − y)², 2(a − y)/n_L for the mean square; then through f'.
            let perElement: S = self == .quadratic ? 1 : 2 / S(n)
            let costFactor: S = self == .quadratic ? S(1) / 2 : 1 / S(n)
            for i in 0..<count {
                let diff = ap[i] - yp[i]
                cost += diff * diff
                dp[i] = perElement * scale * diff
            }
            cost *= costFactor
            output.backward(dp, z: zp, a: ap, columns: n)

        case .crossEntropy:
            // With p = softmax(z) and log p_j = z_j − logsumexp(z):
            //   C_x = Σ_j y_j (logsumexp(z) − z_j),  ∂C_x/∂z_j = p_j Σ_k y_k − y_j  (= p − y for probability rows).
            // One exp per element: e_j = e^{z_j − max} is kept in Δ's row, logsumexp = max + log Σ e_j,
            // and p_j = e_j / Σ e (a second exp per element measured 6% of the tiny network's time).
            for i in 0..<batch where n > 0 {
                let base = i * n
                let (m, sum) = Activation.shiftedExps(zp.baseAddress! + base, into: dp.baseAddress! + base, count: n)
                let lse = m + S.log(sum)
                var ySum: S = 0
                for j in 0..<n {
                    let yj = yp[base + j]
                    ySum += yj
                    if yj != 0 { cost += yj * (lse - zp[base + j]) }
                }
                let perSample = scale * ySum / sum
                for j in 0..<n { dp[base + j] = perSample * dp[base + j] - scale * yp[base + j] }
            }

        case .binaryCrossEntropy:
            // With p = σ(z): −[y log p + (1 − y) log(1 − p)] = max(z, 0) − y·z + log(1 + e^{−|z|}),
            // finite for any z, and ∂/∂z = σ(z) − y.
            for i in 0..<count {
                let zi = zp[i]
                let yi = yp[i]
                cost += Swift.max(zi, 0) - yi * zi + S.log(onePlus: S.exp(-Swift.abs(zi)))
                dp[i] = scale * (Activation.logistic(zi) - yi)
            }
        }
        return cost * scale
    }
}
