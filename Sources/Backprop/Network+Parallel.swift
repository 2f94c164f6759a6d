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

    /// Forward and backward over row blocks of the batch computed at once, partial ∇W^l and ∇b^l
    /// summed in block order (so the result is the same run to run for a given `parallelism`).
    ///
    /// The sum over samples splits exactly: ∇W^l = Σ_blocks (Δ^l_block)^T A^{l−1}_block. Each block is
    /// computed with `sum` and the whole scaled by 1/B afterwards for `mean`, so every block uses the
    /// same B. Falls back to one block for small batches.
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
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            let range = bounds[k]..<bounds[k + 1]
            let pass = network.forward(inputs.rows(range))
            let g = network.backward(
                pass,
                targets: targets.rows(range),
                loss: loss,
                reduction: .sum,
                inputGradient: inputGradient
            )
            results.set(k, (pass, g))
        }
        let blocks = results.all
        let scale: Scalar = reduction == .mean ? 1 / Scalar(batch) : 1
        var total = blocks[0].1
        total.cost = blocks.reduce(0) { $0 + $1.1.cost } * scale
        for l in layers.indices {
            // Σ_blocks, in block order, then × scale: one pass over each buffer.
            total.weightGradient[l].storage = Self.sum(blocks.map { $0.1.weightGradient[l].storage }, scale: scale)
            total.biasGradient[l] = Self.sum(blocks.map { $0.1.biasGradient[l] }, scale: scale)
            var delta = Matrix.stacking(blocks.map { $0.1.delta[l] })
            if scale != 1 { Self.scale(&delta.storage, by: scale) }
            total.delta[l] = delta
        }
        if inputGradient {
            var input = Matrix.stacking(blocks.map { $0.1.inputGradient! })
            if scale != 1 { Self.scale(&input.storage, by: scale) }
            total.inputGradient = input
        }
        let pass = ForwardPass(
            z: layers.indices.map { l in Matrix.stacking(blocks.map { $0.0.z[l] }) },
            a: [inputs] + layers.indices.map { l in Matrix.stacking(blocks.map { $0.0.a[l + 1] }) }
        )
        return (pass, total)
    }
}

extension Network {
    /// scale · Σ_k parts[k], elementwise, summed in the order given.
    static func sum(_ parts: [[Scalar]], scale: Scalar) -> [Scalar] {
        let count = parts[0].count
        return [Scalar](unsafeUninitializedCapacity: count) { out, initialized in
            parts[0].withUnsafeBufferPointer { p in for i in 0..<count { out[i] = p[i] } }
            for part in parts.dropFirst() {
                part.withUnsafeBufferPointer { p in for i in 0..<count { out[i] += p[i] } }
            }
            if scale != 1 { for i in 0..<count { out[i] *= scale } }
            initialized = count
        }
    }

    static func scale(_ values: inout [Scalar], by factor: Scalar) {
        values.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= factor } }
    }
}

/// One slot per block, each written by exactly one `concurrentPerform` iteration.
private final class BlockResults<Scalar: BLASScalar>: Sendable {
    private let slots: Mutex<[(ForwardPass<Scalar>, Gradients<Scalar>)?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ k: Int, _ value: (ForwardPass<Scalar>, Gradients<Scalar>)) { slots.withLock { $0[k] = value } }

    var all: [(ForwardPass<Scalar>, Gradients<Scalar>)] { slots.withLock { $0.map { $0! } } }
}
