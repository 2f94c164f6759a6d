import Dispatch
import Sync

// One layer's kernels, forward and backward side by side (llm.c's *_forward/*_backward pairs),
// on a block of rows of the request's workspace. Rows are samples, so the article's
// `W^l a^{l−1}` for one column-vector sample is `A^{l−1} (W^l)^T` for a block of them, and its
// `(W^{l+1})^T δ^{l+1}` is `Δ^{l+1} W^{l+1}`.
extension Layer {
    /// Z^l = A^{l−1} (W^l)^T + b^l: b^l copied into every row, then one GEMM adding onto it.
    func linearForward(_ v: LayerRows<Scalar>) {
        biases.withUnsafeBufferPointer { b in
            for i in 0..<v.count { (v.z + i * v.units).update(from: b.baseAddress!, count: v.units) }
        }
        guard v.inputs > 0 && v.units > 0 else { return }
        weights.storage.withUnsafeBufferPointer { w in
            Scalar.gemm(
                transposeA: false,
                transposeB: true,
                m: v.count,
                n: v.units,
                k: v.inputs,
                alpha: 1,
                a: v.previousA,
                lda: v.inputs,
                b: w.baseAddress!,
                ldb: v.inputs,
                beta: 1,
                c: v.z,
                ldc: v.units
            )
        }
    }

    /// ∂C/∂A^{l−1} = Δ^l W^l: [count, n_{l−1}] into `target` (Δ^{l−1}'s rows, before f', or ∂C/∂A^0).
    func linearBackward(_ v: LayerRows<Scalar>, into target: UnsafeMutablePointer<Scalar>) {
        weights.storage.withUnsafeBufferPointer { w in
            Scalar.gemm(
                transposeA: false,
                transposeB: false,
                m: v.count,
                n: v.inputs,
                k: v.units,
                alpha: 1,
                a: v.delta,
                lda: v.units,
                b: w.baseAddress!,
                ldb: v.inputs,
                beta: 0,
                c: target,
                ldc: v.inputs
            )
        }
    }

    /// A^l = f(Z^l).
    func activationForward(_ v: LayerRows<Scalar>) {
        activation.forward(
            UnsafeBufferPointer(start: v.z, count: v.elements),
            into: UnsafeMutableBufferPointer(start: v.a, count: v.elements),
            columns: v.units
        )
    }

    /// Δ^l = ∂C/∂A^l ⊙ f'(Z^l), in place: Δ^l's rows hold ∂C/∂A^l on the way in.
    func activationBackward(_ v: LayerRows<Scalar>) {
        activation.backward(
            UnsafeMutableBufferPointer(start: v.delta, count: v.elements),
            z: UnsafeBufferPointer(start: v.z, count: v.elements),
            a: UnsafeBufferPointer(start: v.a, count: v.elements),
            columns: v.units
        )
    }

    /// ∇W^l = (Δ^l)^T A^{l−1} and ∇b^l = 1^T Δ^l over the whole batch (`v` holds every row),
    /// the rows of ∇W^l split across `parts` threads: no partial sums are added afterwards, so the
    /// result is the same run to run.
    func parameterGradients(
        _ v: LayerRows<Scalar>,
        weightGradient: UnsafeMutablePointer<Scalar>,
        biasGradient: UnsafeMutablePointer<Scalar>,
        parts: Int
    ) {
        let (n, m, batch) = (v.units, v.inputs, v.count)
        let (d, x, c) = (Handed(UnsafePointer(v.delta!)), Handed(v.previousA), Handed(weightGradient))
        // Rows r0..<r1 of (Δ^l)^T are columns r0..<r1 of Δ^l: start at column r0, row stride n_l.
        @Sendable func rowsOfGradient(_ r0: Int, _ r1: Int) {
            guard r1 > r0, m > 0 else { return }
            if batch == 0 {
                (c.value + r0 * m).update(repeating: 0, count: (r1 - r0) * m)
                return
            }
            Scalar.gemm(
                transposeA: true,
                transposeB: false,
                m: r1 - r0,
                n: m,
                k: batch,
                alpha: 1,
                a: d.value + r0,
                lda: n,
                b: x.value,
                ldb: m,
                beta: 0,
                c: c.value + r0 * m,
                ldc: m
            )
        }
        let split = min(parts, n)
        if split <= 1 {
            rowsOfGradient(0, n)
        } else {
            DispatchQueue.concurrentPerform(iterations: split) { k in
                rowsOfGradient(k * n / split, (k + 1) * n / split)
            }
        }
        // ∇b^l: the column sums of Δ^l, row by row in a fixed order.
        biasGradient.update(repeating: 0, count: n)
        for i in 0..<batch {
            let row = d.value + i * n
            for j in 0..<n { biasGradient[j] += row[j] }
        }
    }
}
