import Sync

// The live engine: forward, the delta recursion and the parameter gradients, as the article
// writes them, on the request's workspace (Workspace.swift) through each layer's kernels
// (Layer+Kernels.swift), with a large batch split into row blocks (RowBlocks.swift).
extension Network {
    /// Runs the batch forward, after validating the network and the batch (the GEMMs trust the
    /// shapes: inputs of the wrong width would be read past their end).
    /// A^0: [B, n_0] → every Z^l, A^l: [B, n_l], in one workspace.
    // Specialised for both scalars: called from other modules, a generic body would reach
    // every exp and multiply through protocol witnesses (measured 10× slower on tiny networks).
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
    public func forward(_ input: Matrix<Scalar>) throws(NetworkError) -> ForwardPass<Scalar> {
        try validate(inputs: input, targets: nil, loss: nil)
        return forward(validated: input)
    }

    /// `forward(_:)` for a network and batch already validated (gradcheck runs two passes per
    /// parameter on the batch it checked once).
    func forward(validated input: Matrix<Scalar>) -> ForwardPass<Scalar> {
        let workspace = Workspace(self, batch: input.rows, parts: [.forward])
        input.storage.withUnsafeBufferPointer { x in forward(0..<input.rows, input: x.baseAddress!, workspace) }
        return workspace.pass(input: input)
    }

    /// Forward, then backward: the cost, every Δ^l = ∂C/∂z^l, ∇W^l and ∇b^l (and ∂C/∂A^0 when
    /// asked for), after validating the batch.
    ///
    ///     Δ^L   = ∂C/∂A^L ⊙ f'(Z^L)               from the loss (fused for the cross-entropies)
    ///     Δ^l   = (Δ^{l+1} W^{l+1}) ⊙ f'(Z^l)     needs W^{l+1}, Δ^{l+1}, Z^l
    ///     ∇W^l  = (Δ^l)^T A^{l−1}                 needs Δ^l, A^{l−1}
    ///     ∇b^l  = 1^T Δ^l                         needs Δ^l
    ///
    /// With `parallelism` > 1 a large batch is split into row blocks computed at once up to Δ;
    /// each block's loss carries the whole batch's 1/B for `mean`. ∇W^l is then formed over the
    /// whole batch with its rows split across the workers, so the answer is the same however the
    /// batch was split.
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
    public func gradients(
        inputs: Matrix<Scalar>,
        targets: Matrix<Scalar>,
        loss: Loss,
        reduction: Reduction = .mean,
        inputGradient: Bool = false,
        parallelism: Int = 1
    ) throws(NetworkError) -> (pass: ForwardPass<Scalar>, gradients: Gradients<Scalar>) {
        try validate(inputs: inputs, targets: targets, loss: loss)
        let batch = inputs.rows
        let blocks = RowBlocks(batch: batch, network: self, parallelism: parallelism)
        let workspace = Workspace(
            self,
            batch: batch,
            parts: inputGradient ? [.forward, .backward, .inputGradient] : [.forward, .backward]
        )
        let scale: Scalar = reduction == .mean ? 1 / Scalar(batch) : 1
        let cost: Scalar = inputs.storage.withUnsafeBufferPointer { x in
            targets.storage.withUnsafeBufferPointer { y in
                // Each block reads the inputs and targets and writes its own rows of the workspace.
                let shared = Handed((network: self, input: x.baseAddress!, targets: y.baseAddress!))
                let cost = blocks.sum { rows in
                    let (network, input, targets) = shared.value
                    network.forward(rows, input: input, workspace)
                    return network.backward(rows, input: input, targets: targets, loss: loss, scale: scale, workspace)
                }
                for l in layers.indices {
                    let (weightGradient, biasGradient) = workspace.parameterGradients(l)
                    layers[l].parameterGradients(
                        workspace.layer(l, rows: 0..<batch, input: x.baseAddress!),
                        weightGradient: weightGradient,
                        biasGradient: biasGradient,
                        parts: blocks.count
                    )
                }
                return cost
            }
        }
        return (workspace.pass(input: inputs), workspace.gradients(cost: cost))
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

    /// Z^l = A^{l−1} (W^l)^T + b^l and A^l = f(Z^l) for l = 1…L, on rows `rows` of the batch.
    func forward(_ rows: Range<Int>, input: UnsafePointer<Scalar>, _ workspace: Workspace<Scalar>) {
        guard !rows.isEmpty else { return }
        for l in layers.indices {
            let v = workspace.layer(l, rows: rows, input: input)
            layers[l].linearForward(v)
            layers[l].activationForward(v)
        }
    }

    /// Δ^L from the loss, then Δ^l = (Δ^{l+1} W^{l+1}) ⊙ f'(Z^l) down to Δ^1 (and
    /// ∂C/∂A^0 = Δ^1 W^1 when the workspace has room for it), on rows `rows`. Returns the rows'
    /// cost, times `scale` (1/B of the whole batch for `mean`).
    func backward(
        _ rows: Range<Int>,
        input: UnsafePointer<Scalar>,
        targets: UnsafePointer<Scalar>,
        loss: Loss,
        scale: Scalar,
        _ workspace: Workspace<Scalar>
    ) -> Scalar {
        guard !rows.isEmpty else { return 0 }
        let last = layers.count - 1
        let output = workspace.layer(last, rows: rows, input: input)
        let cost = loss.evaluate(
            z: UnsafeBufferPointer(start: output.z, count: output.elements),
            a: UnsafeBufferPointer(start: output.a, count: output.elements),
            targets: UnsafeBufferPointer(start: targets + rows.lowerBound * output.units, count: output.elements),
            columns: output.units,
            output: layers[last].activation,
            scale: scale,
            into: UnsafeMutableBufferPointer(start: output.delta, count: output.elements)
        )
        for l in stride(from: last, to: 0, by: -1) where layers[l].inputs > 0 && layers[l].units > 0 {
            let below = workspace.layer(l - 1, rows: rows, input: input)
            layers[l].linearBackward(workspace.layer(l, rows: rows, input: input), into: below.delta)
            layers[l - 1].activationBackward(below)
        }
        if let target = workspace.inputGradient(rows: rows), inputWidth > 0, layers[0].units > 0 {
            layers[0].linearBackward(workspace.layer(0, rows: rows, input: input), into: target)
        }
        return cost
    }
}
