import Dispatch
import Sync

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

/// Every buffer of one request, carved from two allocations sized from the shapes before anything
/// is computed: the forward pass's Z^l and A^l (A^l is Z^l itself for an identity layer), and the
/// gradients' Δ^l, ∇W^l, ∇b^l and ∂C/∂A^0 when asked for (apart, so an answer that holds the
/// gradients does not keep Z and A alive). Nothing else is allocated per layer or per sample; row
/// blocks write their own rows of it from several threads at once. The results are handed out
/// as matrices that view it (copy on write: a caller changing one gets its own copy).
struct Workspace<Scalar: BLASScalar>: @unchecked Sendable {
    typealias Parts = WorkspaceParts

    let batch: Int
    /// n_0 … n_L.
    let widths: [Int]
    /// Element offsets, per layer (index l holds the article's layer l + 1): Z and A into the
    /// forward slab, the rest into the gradients' slab.
    private(set) var z: [Int] = [], a: [Int] = [], delta: [Int] = [], weightGradient: [Int] = [],
        biasGradient: [Int] = []
    private(set) var inputGradient: Int?
    private let forwardSlab: TensorStorage<Scalar>
    private let gradientSlab: TensorStorage<Scalar>
    /// The slabs' first elements: written through by the passes (each element by one thread),
    /// before any view of them is handed out.
    let forwardBase: UnsafeMutablePointer<Scalar>
    let gradientBase: UnsafeMutablePointer<Scalar>

    init(_ network: Network<Scalar>, batch: Int, parts: Parts) {
        self.batch = batch
        widths = [network.inputWidth] + network.layers.map(\.units)
        var totals = (forward: 0, gradients: 0)
        func take(_ count: Int, _ total: inout Int) -> Int {
            defer { total += count }
            return total
        }
        for (l, layer) in network.layers.enumerated() {
            let n = layer.units
            if parts.contains(.forward) {
                z.append(take(batch * n, &totals.forward))
                a.append(layer.activation == .identity ? z[l] : take(batch * n, &totals.forward))
            }
            if parts.contains(.backward) {
                delta.append(take(batch * n, &totals.gradients))
                weightGradient.append(take(n * layer.inputs, &totals.gradients))
                biasGradient.append(take(n, &totals.gradients))
            }
        }
        if parts.contains(.inputGradient) { inputGradient = take(batch * network.inputWidth, &totals.gradients) }
        // Every element is written by the passes before it is read (∇b is zeroed first).
        func slab(_ total: Int) -> TensorStorage<Scalar> {
            total == 0 ? TensorStorage() : TensorStorage(unsafeUninitializedCapacity: total) { _, done in done = total }
        }
        forwardSlab = slab(totals.forward)
        gradientSlab = slab(totals.gradients)
        forwardBase = forwardSlab.withUnsafeBufferPointer { UnsafeMutablePointer(mutating: $0.baseAddress!) }
        gradientBase = gradientSlab.withUnsafeBufferPointer { UnsafeMutablePointer(mutating: $0.baseAddress!) }
    }

    private func matrix(_ slab: TensorStorage<Scalar>, at offset: Int, rows: Int, columns: Int) -> Matrix<Scalar> {
        Matrix(rows: rows, columns: columns, storage: slab.view(offset..<(offset + rows * columns)))
    }

    /// Z^l and A^l as matrices, after the forward pass.
    func pass(input: Matrix<Scalar>) -> ForwardPass<Scalar> {
        let layers = 1..<widths.count
        return ForwardPass(
            z: layers.map { matrix(forwardSlab, at: z[$0 - 1], rows: batch, columns: widths[$0]) },
            a: [input] + layers.map { matrix(forwardSlab, at: a[$0 - 1], rows: batch, columns: widths[$0]) }
        )
    }

    /// Δ^l, ∇W^l, ∇b^l (and ∂C/∂A^0) as matrices, after the backward pass.
    func gradients(cost: Scalar) -> Gradients<Scalar> {
        let layers = 1..<widths.count
        return Gradients(
            cost: cost,
            delta: layers.map { matrix(gradientSlab, at: delta[$0 - 1], rows: batch, columns: widths[$0]) },
            weightGradient: layers.map {
                matrix(gradientSlab, at: weightGradient[$0 - 1], rows: widths[$0], columns: widths[$0 - 1])
            },
            biasGradient: layers.map {
                gradientSlab.view(biasGradient[$0 - 1]..<(biasGradient[$0 - 1] + widths[$0]))
            },
            inputGradient: inputGradient.map { matrix(gradientSlab, at: $0, rows: batch, columns: widths[0]) }
        )
    }
}

/// Which buffers a workspace holds: Z and A, Δ with ∇W and ∇b, ∂C/∂A^0.
struct WorkspaceParts: OptionSet {
    let rawValue: Int
    static let forward = WorkspaceParts(rawValue: 1)
    static let backward = WorkspaceParts(rawValue: 2)
    static let inputGradient = WorkspaceParts(rawValue: 4)
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

    /// Forward, loss and delta recursion on row blocks of the batch at once (rows are independent
    /// up to Δ), each block writing its own rows of the request's workspace; then
    /// ∇W^l = (Δ^l)^T A^{l−1} over the whole batch with its rows split across the workers, so no
    /// partial sums are added afterwards and the result is the same run to run. Each block's loss
    /// carries the whole batch's 1/B for `mean`. One block (on the calling thread) for small batches.
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
        try validate(inputs: inputs, targets: targets, loss: loss)
        let batch = inputs.rows
        let parts = blockCount(batch: batch, parallelism: parallelism)
        var wanted: Workspace<Scalar>.Parts = [.forward, .backward]
        if inputGradient { wanted.insert(.inputGradient) }
        let workspace = Workspace(self, batch: batch, parts: wanted)
        let scale: Scalar = reduction == .mean ? 1 / Scalar(batch) : 1
        let z = workspace.z.map { UnsafePointer(workspace.forwardBase + $0) }
        let cost: Scalar = inputs.storage.withUnsafeBufferPointer { x in
            targets.storage.withUnsafeBufferPointer { y in
                let a = [x.baseAddress!] + workspace.a.map { UnsafePointer(workspace.forwardBase + $0) }
                // Block k of `parts`: it reads the inputs and targets and writes its own rows of
                // the workspace, so the blocks can run at once.
                let shared = Handed((network: self, input: x.baseAddress!, targets: y.baseAddress!, z: z, a: a))
                @Sendable func block(_ k: Int) -> Scalar {
                    let (network, input, targets, z, a) = shared.value
                    let rows = (k * batch / parts)..<((k + 1) * batch / parts)
                    network.forwardRows(input, rows, workspace)
                    return network.deltaRows(rows, z: z, a: a, targets: targets, loss: loss, scale: scale, workspace)
                }
                let cost: Scalar
                if parts == 1 {
                    cost = block(0)
                } else {
                    let costs = BlockCosts<Scalar>(count: parts)
                    DispatchQueue.concurrentPerform(iterations: parts) { k in costs.set(k, block(k)) }
                    cost = costs.sum
                }
                weightAndBiasGradients(a: a, parts: parts, workspace)
                return cost
            }
        }
        return (workspace.pass(input: inputs), workspace.gradients(cost: cost))
    }

    /// Z^l and A^l for rows `rows` of the batch, into the workspace: Z^l = A^{l−1} (W^l)^T + b^l
    /// (b^l copied into every row, then one GEMM with beta = 1), A^l = f(Z^l).
    func forwardRows(_ input: UnsafePointer<Scalar>, _ rows: Range<Int>, _ workspace: Workspace<Scalar>) {
        let count = rows.count
        guard count > 0 else { return }
        var previous = input + rows.lowerBound * inputWidth
        for (l, layer) in layers.enumerated() {
            let n = layer.units
            let z = workspace.forwardBase + workspace.z[l] + rows.lowerBound * n
            layer.biases.withUnsafeBufferPointer { b in
                for i in 0..<count { (z + i * n).update(from: b.baseAddress!, count: n) }
            }
            if layer.inputs > 0 && n > 0 {
                layer.weights.storage.withUnsafeBufferPointer { w in
                    Scalar.gemm(
                        transposeA: false,
                        transposeB: true,
                        m: count,
                        n: n,
                        k: layer.inputs,
                        alpha: 1,
                        a: previous,
                        lda: layer.inputs,
                        b: w.baseAddress!,
                        ldb: layer.inputs,
                        beta: 1,
                        c: z,
                        ldc: n
                    )
                }
            }
            let a = workspace.forwardBase + workspace.a[l] + rows.lowerBound * n
            layer.activation.forward(
                UnsafeBufferPointer(start: z, count: count * n),
                into: UnsafeMutableBufferPointer(start: a, count: count * n),
                columns: n
            )
            previous = UnsafePointer(a)
        }
    }

    /// The loss's Δ^L, then Δ^l = (Δ^{l+1} W^{l+1}) ⊙ f'(Z^l), for rows `rows`, into the
    /// workspace (and ∂C/∂A^0 = Δ^1 W^1 when it has room for it). `z[l]` and `a[l]` point at row 0
    /// of Z^{l+1} and A^l (a[0] is the input). Returns the rows' cost, scaled by `scale`.
    func deltaRows(
        _ rows: Range<Int>,
        z: [UnsafePointer<Scalar>],
        a: [UnsafePointer<Scalar>],
        targets: UnsafePointer<Scalar>,
        loss: Loss,
        scale: Scalar,
        _ workspace: Workspace<Scalar>
    ) -> Scalar {
        let count = rows.count
        guard count > 0 else { return 0 }
        let last = layers.count - 1
        func rowsOf(_ p: UnsafePointer<Scalar>, width: Int) -> UnsafeBufferPointer<Scalar> {
            UnsafeBufferPointer(start: p + rows.lowerBound * width, count: count * width)
        }
        func deltaRows(_ l: Int) -> UnsafeMutableBufferPointer<Scalar> {
            let n = layers[l].units
            return UnsafeMutableBufferPointer(
                start: workspace.gradientBase + workspace.delta[l] + rows.lowerBound * n,
                count: count * n
            )
        }
        let n = layers[last].units
        let cost = loss.evaluate(
            z: rowsOf(z[last], width: n),
            a: rowsOf(a[last + 1], width: n),
            targets: rowsOf(targets, width: n),
            columns: n,
            output: layers[last].activation,
            scale: scale,
            into: deltaRows(last)
        )
        // ∂C/∂A^{l−1} = Δ^l W^l: [rows, n_{l−1}], written where Δ^{l−1} goes, then through f'.
        func propagate(_ l: Int, into target: UnsafeMutablePointer<Scalar>) {
            let layer = layers[l]
            layer.weights.storage.withUnsafeBufferPointer { w in
                Scalar.gemm(
                    transposeA: false,
                    transposeB: false,
                    m: count,
                    n: layer.inputs,
                    k: layer.units,
                    alpha: 1,
                    a: deltaRows(l).baseAddress!,
                    lda: layer.units,
                    b: w.baseAddress!,
                    ldb: layer.inputs,
                    beta: 0,
                    c: target,
                    ldc: layer.inputs
                )
            }
        }
        for l in stride(from: last, to: 0, by: -1) where layers[l].inputs > 0 && layers[l].units > 0 {
            let d = deltaRows(l - 1)
            propagate(l, into: d.baseAddress!)
            let width = layers[l - 1].units
            layers[l - 1].activation.backward(
                d,
                z: rowsOf(z[l - 1], width: width),
                a: rowsOf(a[l], width: width),
                columns: width
            )
        }
        if let offset = workspace.inputGradient, inputWidth > 0, layers[0].units > 0 {
            propagate(0, into: workspace.gradientBase + offset + rows.lowerBound * inputWidth)
        }
        return cost
    }

    /// ∇W^l = (Δ^l)^T A^{l−1} over the whole batch, the rows of each split across `parts`
    /// threads, and ∇b^l = 1^T Δ^l, into the workspace. `a[l]` points at A^l (a[0] the input).
    func weightAndBiasGradients(a: [UnsafePointer<Scalar>], parts: Int, _ workspace: Workspace<Scalar>) {
        let batch = workspace.batch
        for (l, layer) in layers.enumerated() {
            let (n, m) = (layer.units, layer.inputs)
            let d = Handed(workspace.gradientBase + workspace.delta[l])
            let x = Handed(a[l])
            let c = Handed(workspace.gradientBase + workspace.weightGradient[l])
            // Rows r0..<r1 of Δ^T are columns r0..<r1 of Δ: start at column r0, row stride n.
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
            let sums = workspace.gradientBase + workspace.biasGradient[l]
            sums.update(repeating: 0, count: n)
            for i in 0..<batch {
                let row = d.value + i * n
                for j in 0..<n { sums[j] += row[j] }
            }
        }
    }
}

/// One cost per block, each written by exactly one `concurrentPerform` iteration into its own
/// slot (no lock: `concurrentPerform` returning orders the writes before `sum`), summed in block
/// order, so the total does not depend on which block finished first.
private final class BlockCosts<Scalar: BLASScalar>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Scalar>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: 0)
    }

    deinit { slots.deallocate() }

    func set(_ k: Int, _ value: Scalar) { slots[k] = value }

    var sum: Scalar { slots.reduce(0, +) }
}
