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
    /// at least 32 samples and about a million multiply-adds per block, else the split costs more than it saves.
    public func blockCount(batch: Int, parallelism: Int) -> Int {
        let perSample = 3 * layers.reduce(0) { $0 + $1.weights.count }
        let byWork = max(1, batch * perSample / 1_000_000)
        return max(1, min(parallelism, batch / 32, byWork))
    }

    /// Forward and backward over row blocks of the batch computed at once, partial ∇W^l and ∇b^l
    /// summed in block order (so the result is the same run to run for a given `parallelism`).
    ///
    /// The sum over samples splits exactly: ∇W^l = Σ_blocks (Δ^l_block)^T A^{l−1}_block. Each block is
    /// computed with `sum` and the whole scaled by 1/B afterwards for `mean`, so every block uses the
    /// same B. Falls back to one block for small batches.
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
        for (_, g) in blocks.dropFirst() {
            total.cost += g.cost
            for l in layers.indices {
                for i in 0..<total.weightGradient[l].count {
                    total.weightGradient[l].storage[i] += g.weightGradient[l].storage[i]
                }
                for j in 0..<total.biasGradient[l].count { total.biasGradient[l][j] += g.biasGradient[l][j] }
            }
        }
        total.cost *= scale
        for l in layers.indices {
            total.weightGradient[l].storage = total.weightGradient[l].storage.map { $0 * scale }
            total.biasGradient[l] = total.biasGradient[l].map { $0 * scale }
            var delta = Matrix.stacking(blocks.map { $0.1.delta[l] })
            delta.storage = delta.storage.map { $0 * scale }
            total.delta[l] = delta
        }
        if inputGradient {
            var input = Matrix.stacking(blocks.map { $0.1.inputGradient! })
            input.storage = input.storage.map { $0 * scale }
            total.inputGradient = input
        }
        let pass = ForwardPass(
            z: layers.indices.map { l in Matrix.stacking(blocks.map { $0.0.z[l] }) },
            a: [inputs] + layers.indices.map { l in Matrix.stacking(blocks.map { $0.0.a[l + 1] }) }
        )
        return (pass, total)
    }
}

/// One slot per block, each written by exactly one `concurrentPerform` iteration.
private final class BlockResults<Scalar: BLASScalar>: Sendable {
    private let slots: Mutex<[(ForwardPass<Scalar>, Gradients<Scalar>)?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ k: Int, _ value: (ForwardPass<Scalar>, Gradients<Scalar>)) { slots.withLock { $0[k] = value } }

    var all: [(ForwardPass<Scalar>, Gradients<Scalar>)] { slots.withLock { $0.map { $0! } } }
}
