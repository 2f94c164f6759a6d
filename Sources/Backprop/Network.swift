/// A feedforward network: layers 1…L in the article, indices 0…L−1 here.
public struct Network<Scalar: BLASScalar>: Sendable, Equatable {
    public var layers: [Layer<Scalar>]

    public init(layers: [Layer<Scalar>]) { self.layers = layers }

    /// n_0, the width of an input row.
    public var inputWidth: Int { layers.first?.inputs ?? 0 }
    /// n_L, the width of an output row.
    public var outputWidth: Int { layers.last?.units ?? 0 }
    /// Σ_l n_l·n_{l−1} + n_l.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.weights.count + $1.biases.count } }
}

// The one validator: the service decodes a request layer by layer and calls these same checks,
// mapping each fault to the field at fault; the math entry points call them too.
extension Network {
    /// Checks layer `l` against the layer before it (`previous`, nil for the first) and its place:
    /// W^l must take n_{l−1} inputs, b^l needs n_l entries, softmax only on the output layer.
    public static func check(
        _ layer: Layer<Scalar>,
        at l: Int,
        after previous: Layer<Scalar>?,
        isOutput: Bool
    ) throws(NetworkError) {
        if let previous, layer.inputs != previous.units {
            throw .weightsDoNotMatchPreviousLayer(
                layer: l,
                units: layer.units,
                columns: layer.inputs,
                previousUnits: previous.units
            )
        }
        if layer.biases.count != layer.units {
            throw .biasesDoNotMatchWeights(layer: l, units: layer.units, biases: layer.biases.count)
        }
        if layer.activation == .softmax && !isOutput { throw .softmaxNotOnOutputLayer(layer: l) }
    }

    /// Checks every layer in order.
    public func validate() throws(NetworkError) {
        guard !layers.isEmpty else { throw .noLayers }
        for l in layers.indices {
            try Self.check(layers[l], at: l, after: l > 0 ? layers[l - 1] : nil, isOutput: l == layers.count - 1)
        }
    }

    /// Checks a batch of `batch` samples of `inputWidth` columns, and targets of `targets` shape
    /// with `loss`, against this (already valid) network: A^0 is [B, n_0], Y is [B, n_L], and the
    /// loss accepts the output activation.
    public func validate(
        batch: Int,
        inputWidth columns: Int,
        targets: (rows: Int, columns: Int)?,
        loss: Loss?
    ) throws(NetworkError) {
        guard batch > 0 else { throw .emptyBatch }
        if columns != inputWidth { throw .inputsDoNotMatchFirstLayer(expected: inputWidth, actual: columns) }
        if let loss, let output = layers.last?.activation, !loss.accepts(output: output) {
            throw .lossDoesNotAcceptOutput(loss: loss, output: output)
        }
        if let targets, targets.rows != batch || targets.columns != outputWidth {
            throw .targetsDoNotMatchOutput(
                expectedRows: batch,
                expectedColumns: outputWidth,
                actualRows: targets.rows,
                actualColumns: targets.columns
            )
        }
    }

    /// The whole network, then the batch (`targets` and `loss` when there are some).
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
    public func validate(inputs: Matrix<Scalar>, targets: Matrix<Scalar>?, loss: Loss?) throws(NetworkError) {
        try validate()
        try validate(
            batch: inputs.rows,
            inputWidth: inputs.columns,
            targets: targets.map { ($0.rows, $0.columns) },
            loss: loss
        )
    }
}

/// What the forward pass keeps for the backward pass: every `z^l` and `a^l`.
public struct ForwardPass<Scalar: BLASScalar>: Sendable {
    /// z[l] is Z^{l+1}: [B, n_{l+1}] (index l holds the article's layer l + 1).
    public var z: [Matrix<Scalar>]
    /// a[0] is the input A^0: [B, n_0]; a[l] is A^l: [B, n_l] (same numbering as the article).
    public var a: [Matrix<Scalar>]

    /// A^L: [B, n_L].
    public var output: Matrix<Scalar> { a[a.count - 1] }
}

/// ∂C/∂z^l, ∂C/∂W^l and ∂C/∂b^l for every layer (index l holds the article's layer l + 1).
public struct Gradients<Scalar: BLASScalar>: Sendable {
    public var cost: Scalar
    /// Δ^l: [B, n_l].
    public var delta: [Matrix<Scalar>]
    /// ∇W^l = (Δ^l)^T A^{l−1}: [n_l, n_{l−1}].
    public var weightGradient: [Matrix<Scalar>]
    /// ∇b^l = 1^T Δ^l: [n_l].
    public var biasGradient: [TensorStorage<Scalar>]
    /// ∂C/∂A^0 = Δ^1 W^1: [B, n_0], when asked for.
    public var inputGradient: Matrix<Scalar>?
}

extension Network {
    /// Runs the batch forward. A^0: [B, n_0] → every Z^l, A^l: [B, n_l], in one workspace.
    // Specialised for both scalars: called from other modules, a generic body would reach
    // every exp and multiply through protocol witnesses (measured 10× slower on tiny networks).
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
    public func forward(_ input: Matrix<Scalar>) -> ForwardPass<Scalar> {
        let workspace = Workspace(self, batch: input.rows, parts: [.forward])
        input.storage.withUnsafeBufferPointer { x in forwardRows(x.baseAddress!, 0..<input.rows, workspace) }
        return workspace.pass(input: input)
    }

    /// The backward pass: from the loss's Δ^L down to Δ^1, three GEMMs per layer, no per-sample loop.
    ///
    ///     Δ^l   = (Δ^{l+1} W^{l+1}) ⊙ f'(Z^l)     needs W^{l+1}, Δ^{l+1}, Z^l
    ///     ∇W^l  = (Δ^l)^T A^{l−1}                 needs Δ^l, A^{l−1}
    ///     ∇b^l  = 1^T Δ^l                         needs Δ^l
    ///
    /// Rows are samples here, so the article's `(W^{l+1})^T δ^{l+1}` for one column-vector sample
    /// becomes `Δ^{l+1} W^{l+1}` for the whole batch.
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
    public func backward(
        _ pass: ForwardPass<Scalar>,
        targets: Matrix<Scalar>,
        loss: Loss,
        reduction: Reduction,
        inputGradient wantInputGradient: Bool = false
    ) -> Gradients<Scalar> {
        let batch = targets.rows
        var parts: Workspace<Scalar>.Parts = [.backward]
        if wantInputGradient { parts.insert(.inputGradient) }
        let workspace = Workspace(self, batch: batch, parts: parts)
        let scale: Scalar = reduction == .mean && batch > 0 ? 1 / Scalar(batch) : 1
        // The pass's own Z^l and A^l (they may come from anywhere), read through pointers while
        // the pass keeps their storage alive.
        let cost = withExtendedLifetime(pass) {
            let z = pass.z.map { m in m.storage.withUnsafeBufferPointer { UnsafePointer($0.baseAddress!) } }
            let a = pass.a.map { m in m.storage.withUnsafeBufferPointer { UnsafePointer($0.baseAddress!) } }
            let cost = targets.storage.withUnsafeBufferPointer { y in
                deltaRows(0..<batch, z: z, a: a, targets: y.baseAddress!, loss: loss, scale: scale, workspace)
            }
            weightAndBiasGradients(a: a, parts: 1, workspace)
            return cost
        }
        return workspace.gradients(cost: cost)
    }

    /// Forward then backward, after validating the batch.
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
    public func gradients(
        inputs: Matrix<Scalar>,
        targets: Matrix<Scalar>,
        loss: Loss,
        reduction: Reduction = .mean,
        inputGradient: Bool = false
    ) throws(NetworkError) -> (pass: ForwardPass<Scalar>, gradients: Gradients<Scalar>) {
        try gradients(
            inputs: inputs,
            targets: targets,
            loss: loss,
            reduction: reduction,
            inputGradient: inputGradient,
            parallelism: 1
        )
    }

    /// The cost alone (for finite differences and for /v1/forward).
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
    public func cost(_ pass: ForwardPass<Scalar>, targets: Matrix<Scalar>, loss: Loss, reduction: Reduction) -> Scalar {
        loss.evaluate(
            z: pass.z[layers.count - 1],
            a: pass.output,
            targets: targets,
            output: layers[layers.count - 1].activation,
            reduction: reduction
        ).cost
    }
}
