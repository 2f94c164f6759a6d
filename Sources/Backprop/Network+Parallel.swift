import Dispatch
import Synchronization

extension Matrix {
    /// Rows `range` as a matrix that views this one's elements (no copy).
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(
            rows: range.count,
            columns: columns,
            storage: storage.view((range.lowerBound * columns)..<(range.upperBound * columns))
        )
    }
}

extension Network {
    /// How many row blocks a batch of `batch` samples is worth splitting into, for `parallelism` workers:
    /// at least 64 samples (narrower GEMMs lose efficiency) and about 4 million multiply-adds per
    /// block, else the split costs more than it saves.
    public func blockCount(batch: Int, parallelism: Int) -> Int {
        let perSample = 3 * layers.reduce(0) { $0 + $1.weights.count }
        let byWork = max(1, batch * perSample / 4_000_000)
        return max(1, min(parallelism, batch / 64, byWork))
    }

    /// Forward and backward on row blocks of the batch at once (rows are independent up to Δ), then
    /// ∇W^l = (Δ^l)^T A^{l−1} over the whole batch with its rows split across the workers, so no
    /// partial sums are added afterwards and the result is the same run to run.
    ///
    /// Each block's loss uses `sum`; Δ is scaled by 1/B afterwards for `mean`, so every block uses
    /// the same B. Falls back to one block for small batches.
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
    public func gradients(
        inputs: Matrix<Scalar>,
        targets: Matrix<Scalar>,
        loss: Loss,
        reduction: Reduction = .mean,
        inputGradient: Bool = false,
        parallelism: Int
    ) throws(NetworkError) -> (pass: ForwardPass<Scalar>, gradients: Gradients<Scalar>) {
        let batch = inputs.rows
        let parts = blockCount(batch: batch, parallelism: parallelism)
        if parts <= 1 {
            return try gradients(
                inputs: inputs,
                targets: targets,
                loss: loss,
                reduction: reduction,
                inputGradient: inputGradient
            )
        }
        try validate(inputs: inputs, targets: targets, loss: loss)
        let bounds = (0...parts).map { $0 * batch / parts }
        let scale: Scalar = reduction == .mean ? 1 / Scalar(batch) : 1
        let count = layers.count
        // Whole-batch Z^l, A^l, Δ^l (and ∂C/∂A^0 when asked), one row block per part. Each part
        // copies its rows in (scaling Δ by 1/B on the way for `mean`) as soon as it has them, in
        // parallel, so no serial stacking remains between the two phases.
        var widths: [Int] = layers.map(\.units) + layers.map(\.units) + layers.map(\.units)
        if inputGradient { widths.append(inputs.columns) }
        let costs = BlockCosts<Scalar>(count: parts)
        let network = self
        let storages = Self.uninitializedArrays(widths.map { $0 * batch }) { buffers in
            let targetsOf = buffers.map { SendablePointer($0.baseAddress!) }
            // Phase 1, by row blocks: forward, loss and the delta recursion (rows are independent).
            DispatchQueue.concurrentPerform(iterations: parts) { k in
                let range = bounds[k]..<bounds[k + 1]
                let pass = network.forward(inputs.rows(range))
                let d = network.deltas(
                    pass,
                    targets: targets.rows(range),
                    loss: loss,
                    reduction: .sum,
                    inputGradient: inputGradient
                )
                costs.set(k, d.cost)
                func copy(_ m: Matrix<Scalar>, into slot: Int, scaled factor: Scalar = 1) {
                    let target = targetsOf[slot].pointer + range.lowerBound * m.columns
                    m.storage.withUnsafeBufferPointer { source in
                        if factor == 1 {
                            target.update(from: source.baseAddress!, count: source.count)
                        } else {
                            for i in source.indices { target[i] = source[i] * factor }
                        }
                    }
                }
                for l in 0..<count {
                    copy(pass.z[l], into: l)
                    copy(pass.a[l + 1], into: count + l)
                    copy(d.delta[l], into: 2 * count + l, scaled: scale)
                }
                if let g = d.inputGradient { copy(g, into: 3 * count, scaled: scale) }
            }
        }
        let matrices = zip(storages, widths).map { Matrix(rows: batch, columns: $1, storage: $0) }
        let delta = Array(matrices[(2 * count)..<(3 * count)])
        let pass = ForwardPass(z: Array(matrices[0..<count]), a: [inputs] + matrices[count..<(2 * count)])
        // Phase 2, by rows of ∇W^l = (Δ^l)^T A^{l−1}: each part owns its rows, over the whole batch,
        // so nothing is summed afterwards and the result does not depend on the split.
        let weightGradient = layers.indices.map { l in Self.weightGradient(delta[l], pass.a[l], parts: parts) }
        let total = Gradients(
            cost: costs.sum * scale,
            delta: delta,
            weightGradient: weightGradient,
            biasGradient: delta.map { $0.columnSums() },
            inputGradient: inputGradient ? matrices[3 * count] : nil
        )
        return (pass, total)
    }

    /// Storages of the given sizes, filled by `fill` through their buffers (all at once, so the
    /// fill can run in parallel); every element must be written.
    static func uninitializedArrays(
        _ sizes: [Int],
        fill: ([UnsafeMutableBufferPointer<Scalar>]) -> Void
    ) -> [TensorStorage<Scalar>] {
        func build(_ i: Int, _ buffers: [UnsafeMutableBufferPointer<Scalar>]) -> [TensorStorage<Scalar>] {
            if i == sizes.count {
                fill(buffers)
                return []
            }
            var rest: [TensorStorage<Scalar>] = []
            let array = TensorStorage<Scalar>(unsafeUninitializedCapacity: sizes[i]) { buffer, initialized in
                rest = build(i + 1, buffers + [buffer])
                initialized = sizes[i]
            }
            return [array] + rest
        }
        return build(0, [])
    }

    /// (Δ)^T A with the rows of the result split across `parts` threads. Δ: [B, n], A: [B, m] → [n, m].
    static func weightGradient(_ delta: Matrix<Scalar>, _ a: Matrix<Scalar>, parts: Int) -> Matrix<Scalar> {
        let (n, m, b) = (delta.columns, a.columns, delta.rows)
        let storage = TensorStorage<Scalar>(unsafeUninitializedCapacity: n * m) { out, initialized in
            let c = SendablePointer(out.baseAddress!)
            delta.storage.withUnsafeBufferPointer { dp in
                a.storage.withUnsafeBufferPointer { ap in
                    let d = SendablePointer(UnsafeMutablePointer(mutating: dp.baseAddress!))
                    let x = SendablePointer(UnsafeMutablePointer(mutating: ap.baseAddress!))
                    DispatchQueue.concurrentPerform(iterations: parts) { k in
                        let r0 = k * n / parts
                        let r1 = (k + 1) * n / parts
                        guard r1 > r0 else { return }
                        // Rows r0..<r1 of Δ^T are columns r0..<r1 of Δ: start at column r0, row stride n.
                        Scalar.gemm(
                            transposeA: true,
                            transposeB: false,
                            m: r1 - r0,
                            n: m,
                            k: b,
                            alpha: 1,
                            a: d.pointer + r0,
                            lda: n,
                            b: x.pointer,
                            ldb: m,
                            beta: 0,
                            c: c.pointer + r0 * m,
                            ldc: m
                        )
                    }
                }
            }
            initialized = n * m
        }
        return Matrix(rows: n, columns: m, storage: storage)
    }
}

extension Network {
    static func scale(_ values: inout [Scalar], by factor: Scalar) {
        values.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= factor } }
    }
}

/// One cost per block, each written by exactly one `concurrentPerform` iteration, summed in
/// block order (so the total does not depend on which block finished first).
private final class BlockCosts<Scalar: BLASScalar>: Sendable {
    private let slots: Mutex<[Scalar]>

    init(count: Int) { slots = Mutex(Array(repeating: 0, count: count)) }

    func set(_ k: Int, _ value: Scalar) { slots.withLock { $0[k] = value } }

    var sum: Scalar { slots.withLock { $0.reduce(0, +) } }
}

/// A raw pointer handed to `concurrentPerform` iterations that each touch a disjoint part of it.
private struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
