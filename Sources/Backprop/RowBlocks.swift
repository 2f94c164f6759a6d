import Dispatch
import Sync

/// A batch split into contiguous blocks of rows that are computed at once: samples are
/// independent up to Δ, so each block runs forward, loss and the delta recursion on its own rows.
struct RowBlocks: Sendable {
    let batch: Int
    let count: Int

    /// How many blocks a batch of `batch` samples through `network` is worth, for `parallelism`
    /// workers: at least 64 samples a block (narrower GEMMs lose efficiency) and about 4 million
    /// multiply-adds a block, else the split costs more than it saves.
    init<Scalar>(batch: Int, network: Network<Scalar>, parallelism: Int) {
        let byWork = max(1, batch * network.multiplyAddsPerSample / 4_000_000)
        self.batch = batch
        count = max(1, min(parallelism, batch / 64, byWork))
    }

    /// Block `k`'s rows.
    func rows(_ k: Int) -> Range<Int> { (k * batch / count)..<((k + 1) * batch / count) }

    /// Runs `body` on every block (on the calling thread alone when there is one) and adds what
    /// they return in block order, so the total does not depend on which block finished first.
    func sum<Scalar: BLASScalar>(_ body: @Sendable (Range<Int>) -> Scalar) -> Scalar {
        if count == 1 { return body(rows(0)) }
        // One slot per block, each written by exactly one iteration (no lock: concurrentPerform
        // returning orders the writes before the sum).
        let slots = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: count)
        defer { slots.deallocate() }
        slots.initialize(repeating: 0)
        let handed = Handed(slots)
        DispatchQueue.concurrentPerform(iterations: count) { k in handed.value[k] = body(rows(k)) }
        return slots.reduce(0, +)
    }
}

extension Network {
    /// How many row blocks `gradients(…parallelism:)` splits a batch of `batch` samples into.
    public func blockCount(batch: Int, parallelism: Int) -> Int {
        RowBlocks(batch: batch, network: self, parallelism: parallelism).count
    }
}
