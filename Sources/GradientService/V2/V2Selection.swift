import Backprop
import WireFormat

/// Which outputs an `infer` answer carries, checked against the model's catalog before anything
/// is computed, and their values taken from the computation's typed results.
struct V2Selection {
    let operation: Operation
    let depth: Int
    /// The outputs asked for, in order, with whether each goes as binary (nil: the default).
    let requested: [(output: V2Output, binary: Bool?)]?
    let binaryByDefault: Bool
    /// The quantities to compute: the `include` parameter (or the model's default), and whatever
    /// the requested outputs need besides.
    private(set) var include: Set<Quantity>

    init(_ request: InferenceRequest, operation: Operation, depth: Int, hasTargets: Bool) throws(Problem) {
        self.operation = operation
        self.depth = depth
        binaryByDefault = request.parameters.binaryDataOutput
        include = try request.parameters.quantities(operation)
        guard let outputs = request.outputs else {
            requested = nil
            return
        }
        var requested: [(V2Output, Bool?)] = []
        for item in outputs {
            guard let output = V2Output(name: item.name), output.belongs(to: operation) else {
                throw .badRequest(
                    "unknown output \"\(item.name)\" for model \(operation.wireName); its outputs are \(V2Output.names(operation))"
                )
            }
            if let l = output.layer, l > depth {
                throw .badRequest(
                    "output \(item.name) is not in this answer: the network has \(Wording.count(depth, "layer")) (W1…W\(depth))"
                )
            }
            if output == .loss && !hasTargets {
                throw .badRequest("output loss needs the input targets (or labels) and parameter loss")
            }
            if let q = output.quantity { include.insert(q) }
            requested.append((output, item.binary))
        }
        self.requested = requested
    }

    /// The outputs the answer carries, in order, each with its value and whether it goes as binary.
    func select<S: BLASScalar>(
        _ outcome: Outcome<S>
    ) -> [(output: V2Output, value: V2Answer.Value, binary: Bool)] {
        let outputs = requested?.map(\.output) ?? defaults(outcome)
        return outputs.enumerated().compactMap { k, output in
            guard let value = Self.value(of: output, in: outcome) else { return nil }
            return (output, value, requested?[k].binary ?? binaryByDefault)
        }
    }

    /// Without an `outputs` list: the loss, the forward model's network output, each layer's
    /// included quantities, and the input gradient when included.
    private func defaults<S: BLASScalar>(_ outcome: Outcome<S>) -> [V2Output] {
        if case .gradcheck = outcome { return V2Output.catalog(.gradcheck, layers: depth) }
        let perLayer = (1...depth).flatMap { l in
            V2Output.layerQuantities.filter(include.contains).compactMap { V2Output.of($0, layer: l) }
        }
        if case .forward(let result) = outcome {
            return (result.cost == nil ? [] : [.loss]) + [.activation(depth)]
                + perLayer.filter { $0 != .activation(depth) }
        }
        return [.loss] + perLayer + (include.contains(.inputGradient) ? [.inputGradient] : [])
    }

    /// The value of `output` in what was computed; nil when the computation did not make it.
    private static func value<S: BLASScalar>(of output: V2Output, in outcome: Outcome<S>) -> V2Answer.Value? {
        func tensor(_ m: Matrix<S>) -> V2Answer.Value { .tensor(BinaryPart(m.storage), shape: m.shape) }
        func scalar(_ x: S) -> V2Answer.Value { .tensor(BinaryPart(TensorStorage([x])), shape: [1]) }
        func number(_ x: Double) -> V2Answer.Value { .tensor(BinaryPart(TensorStorage([x])), shape: [1]) }
        switch (outcome, output) {
        case (.gradients(let r), .loss): return scalar(r.gradients.cost)
        case (.forward(let r), .loss): return r.cost.map(scalar)
        case (.gradients(let r), .delta(let l)): return tensor(r.gradients.delta[l - 1])
        case (.gradients(let r), .weightGradient(let l)): return tensor(r.gradients.weightGradient[l - 1])
        case (.gradients(let r), .biasGradient(let l)):
            let b = r.gradients.biasGradient[l - 1]
            return .tensor(BinaryPart(b), shape: [b.count])
        case (.gradients(let r), .preactivation(let l)): return tensor(r.pass.z[l - 1])
        case (.forward(let r), .preactivation(let l)): return tensor(r.pass.z[l - 1])
        case (.gradients(let r), .activation(let l)): return tensor(r.pass.a[l])
        case (.forward(let r), .activation(let l)): return tensor(r.pass.a[l])
        case (.gradients(let r), .inputGradient): return r.gradients.inputGradient.map(tensor)
        case (.gradcheck(let checks), .passed): return .flag(checks.allSatisfy(\.passed))
        case (.gradcheck(let checks), .layerPassed(let l)): return .flag(checks[l - 1].passed)
        case (.gradcheck(let checks), .gradcheckError(let which, let l)):
            let c = checks[l - 1]
            return switch which {
            case .weightsMaxAbsError: number(c.weights.maxAbsError)
            case .weightsMaxRelError: number(c.weights.maxRelError)
            case .biasesMaxAbsError: number(c.biases.maxAbsError)
            case .biasesMaxRelError: number(c.biases.maxRelError)
            }
        default: return nil
        }
    }
}
