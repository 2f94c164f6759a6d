/// Every buffer of one request, carved from two allocations sized from the shapes before anything
/// is computed: the forward pass's Z^l and A^l (A^l is Z^l itself for an identity layer), and the
/// gradients' Δ^l, ∇W^l, ∇b^l and ∂C/∂A^0 when asked for (apart, so an answer that holds the
/// gradients does not keep Z and A alive). Nothing else is allocated per layer or per sample; row
/// blocks write their own rows of it from several threads at once. The results are handed out
/// as matrices that view it (copy on write: a caller changing one gets its own copy).
struct Workspace<Scalar: BLASScalar>: @unchecked Sendable {
    // @unchecked: the slabs are written through `base` pointers by the passes, each element by one
    // thread, before any view of them is handed out.

    typealias Parts = WorkspaceParts

    let batch: Int
    /// n_0 … n_L.
    let widths: [Int]
    /// Element offsets per layer index l (the article's layer l + 1): Z and A into the forward
    /// slab, the rest into the gradients' slab.
    private var z: [Int] = [], a: [Int] = [], delta: [Int] = [], weightGradient: [Int] = [], biasGradient: [Int] = []
    private var inputGradient: Int?
    private let forwardSlab: TensorStorage<Scalar>
    private let gradientSlab: TensorStorage<Scalar>
    private let forwardBase: UnsafeMutablePointer<Scalar>
    private let gradientBase: UnsafeMutablePointer<Scalar>

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
                z.append(take(batch * n, &totals.forward))  // Z^l: [B, n_l]
                a.append(layer.activation == .identity ? z[l] : take(batch * n, &totals.forward))  // A^l: [B, n_l]
            }
            if parts.contains(.backward) {
                delta.append(take(batch * n, &totals.gradients))  // Δ^l: [B, n_l]
                weightGradient.append(take(n * layer.inputs, &totals.gradients))  // ∇W^l: [n_l, n_{l−1}]
                biasGradient.append(take(n, &totals.gradients))  // ∇b^l: [n_l]
            }
        }
        if parts.contains(.inputGradient) {
            inputGradient = take(batch * network.inputWidth, &totals.gradients)  // ∂C/∂A^0: [B, n_0]
        }
        // Every element is written by the passes before it is read (∇b is zeroed first).
        func slab(_ total: Int) -> TensorStorage<Scalar> {
            total == 0 ? TensorStorage() : TensorStorage(unsafeUninitializedCapacity: total) { _, done in done = total }
        }
        forwardSlab = slab(totals.forward)
        gradientSlab = slab(totals.gradients)
        forwardBase = forwardSlab.withUnsafeBufferPointer { UnsafeMutablePointer(mutating: $0.baseAddress!) }
        gradientBase = gradientSlab.withUnsafeBufferPointer { UnsafeMutablePointer(mutating: $0.baseAddress!) }
    }

    /// Rows `rows` of layer index `l`'s buffers, with A^{l−1} read from `input` (A^0) for the first.
    func layer(_ l: Int, rows: Range<Int>, input: UnsafePointer<Scalar>) -> LayerRows<Scalar> {
        let (n, m) = (widths[l + 1], widths[l])
        let start = rows.lowerBound
        return LayerRows(
            count: rows.count,
            units: n,
            inputs: m,
            previousA: l == 0 ? input + start * m : UnsafePointer(forwardBase + a[l - 1] + start * m),
            z: z.isEmpty ? nil : forwardBase + z[l] + start * n,
            a: a.isEmpty ? nil : forwardBase + a[l] + start * n,
            delta: delta.isEmpty ? nil : gradientBase + delta[l] + start * n
        )
    }

    /// Rows `rows` of ∂C/∂A^0 ([count, n_0]), when the workspace has room for it.
    func inputGradient(rows: Range<Int>) -> UnsafeMutablePointer<Scalar>? {
        inputGradient.map { gradientBase + $0 + rows.lowerBound * widths[0] }
    }

    /// ∇W^l and ∇b^l of layer index `l` (the whole batch's).
    func parameterGradients(_ l: Int) -> (weights: UnsafeMutablePointer<Scalar>, biases: UnsafeMutablePointer<Scalar>) {
        (gradientBase + weightGradient[l], gradientBase + biasGradient[l])
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

/// Which buffers a workspace holds: Z and A; Δ with ∇W and ∇b; ∂C/∂A^0.
struct WorkspaceParts: OptionSet {
    let rawValue: Int
    static let forward = WorkspaceParts(rawValue: 1)
    static let backward = WorkspaceParts(rawValue: 2)
    static let inputGradient = WorkspaceParts(rawValue: 4)
}

/// One layer's buffers for a block of `count` rows (samples) of a request's workspace, row-major:
/// what the kernels of `Layer+Kernels.swift` read and write. A buffer the workspace does not
/// hold (Δ in a forward-only workspace) is nil.
struct LayerRows<Scalar: BLASScalar> {
    let count: Int
    /// n_l.
    let units: Int
    /// n_{l−1}.
    let inputs: Int
    /// A^{l−1}: [count, n_{l−1}] (the inputs for the first layer).
    let previousA: UnsafePointer<Scalar>
    /// Z^l: [count, n_l].
    let z: UnsafeMutablePointer<Scalar>!
    /// A^l: [count, n_l] (the same memory as Z^l for an identity layer).
    let a: UnsafeMutablePointer<Scalar>!
    /// Δ^l: [count, n_l].
    let delta: UnsafeMutablePointer<Scalar>!

    var elements: Int { count * units }
}
