import Dispatch
import Synchronization

extension Matrix {
    /// Rows `range` as a new matrix (a copy of that contiguous block).
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(
            rows: range.count,
            columns: columns,
            storage: Array(storage[(range.lowerBound * columns)..<(range.upperBound * columns)])
        )
    }

    /// The rows of `blocks`, stacked in order.
    static func stacking(_ blocks: [Matrix]) -> Matrix {
        let columns = blocks.first?.columns ?? 0
        var storage: [Scalar] = []
        storage.reserveCapacity(blocks.reduce(0) { $0 + $1.count })
        for b in blocks { storage += b.storage }
        return Matrix(rows: blocks.reduce(0) { $0 + $1.rows }, columns: columns, storage: storage)
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
        let results = BlockResults<Scalar>(count: parts)
        let network = self
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
            results.set(k, (pass, d.cost, d.delta, d.inputGradient))
        }
        let blocks = results.all
        let scale: Scalar = reduction == .mean ? 1 / Scalar(batch) : 1
        let cost = blocks.reduce(0) { $0 + $1.1 } * scale
        let pass = ForwardPass(
            z: layers.indices.map { l in Matrix.stacking(blocks.map { $0.0.z[l] }) },
            a: [inputs] + layers.indices.map { l in Matrix.stacking(blocks.map { $0.0.a[l + 1] }) }
        )
        var delta: [Matrix<Scalar>] = []
        var weightGradient: [Matrix<Scalar>] = []
        var biasGradient: [[Scalar]] = []
        for l in layers.indices {
            var d = Matrix.stacking(blocks.map { $0.2[l] })  // Δ^l: [B, n_l], summed-cost scale
            if scale != 1 { Self.scale(&d.storage, by: scale) }
            // Phase 2, by rows of ∇W^l = (Δ^l)^T A^{l−1}: each part owns its rows, over the whole batch,
            // so nothing is summed afterwards and the result does not depend on the split.
            weightGradient.append(Self.weightGradient(d, pass.a[l], parts: parts))
            biasGradient.append(d.columnSums())
            delta.append(d)
        }
        var input: Matrix<Scalar>?
        if inputGradient {
            var stacked = Matrix.stacking(blocks.map { $0.3! })
            if scale != 1 { Self.scale(&stacked.storage, by: scale) }
            input = stacked
        }
        let total = Gradients(
            cost: cost,
            delta: delta,
            weightGradient: weightGradient,
            biasGradient: biasGradient,
            inputGradient: input
        )
        return (pass, total)
    }

    /// (Δ)^T A with the rows of the result split across `parts` threads. Δ: [B, n], A: [B, m] → [n, m].
    static func weightGradient(_ delta: Matrix<Scalar>, _ a: Matrix<Scalar>, parts: Int) -> Matrix<Scalar> {
        let (n, m, b) = (delta.columns, a.columns, delta.rows)
        let storage = [Scalar](unsafeUninitializedCapacity: n * m) { out, initialized in
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

/// One slot per block, each written by exactly one `concurrentPerform` iteration.
private final class BlockResults<Scalar: BLASScalar>: Sendable {
    typealias Block = (ForwardPass<Scalar>, Scalar, [Matrix<Scalar>], Matrix<Scalar>?)
    private let slots: Mutex<[Block?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ k: Int, _ value: Block) { slots.withLock { $0[k] = value } }

    var all: [Block] { slots.withLock { $0.map { $0! } } }
}

/// A raw pointer handed to `concurrentPerform` iterations that each touch a disjoint part of it.
private struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
