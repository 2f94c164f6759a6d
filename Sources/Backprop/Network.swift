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
    /// Multiply-adds one sample costs forward and backward, estimated as 3·Σ_l n_l·n_{l−1} (Z, Δ
    /// and ∇W each one product per layer): what the work limit and the row-block split count.
    /// Inlinable: the service calls it per request from another module, where a generic call
    /// would walk the layers through witness tables.
    @inlinable
    public var multiplyAddsPerSample: Int { 3 * layers.reduce(0) { $0 + $1.weights.count } }
}

// The one validator: the service decodes a request layer by layer and calls these same checks,
// mapping each fault to the field at fault; the math entry points call them too.
extension Network {
    /// Checks layer `l` against the layer before it (`previous`, nil for the first) and its place:
    /// W^l must take n_{l−1} inputs, b^l needs n_l entries, softmax only on the output layer.
    // Specialised for both scalars: the service calls it per layer from another module.
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
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
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
    public func validate() throws(NetworkError) {
        guard !layers.isEmpty else { throw .noLayers }
        for l in layers.indices {
            try Self.check(layers[l], at: l, after: l > 0 ? layers[l - 1] : nil, isOutput: l == layers.count - 1)
        }
    }

    /// Checks a batch of `batch` samples of `inputWidth` columns, and targets of `targets` shape
    /// with `loss`, against this (already valid) network: A^0 is [B, n_0], Y is [B, n_L], and the
    /// loss accepts the output activation.
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
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
