import Backprop
import HTTPServer
import WireFormat

/// Writes each endpoint's answer from what `Computation` produced, in the request's encoding.
enum ResponseEncoder {
    static func forward<S: BLASScalar>(_ result: Computation.Forward<S>, for r: GradientRequest<S>) -> Encoded {
        let pass = result.pass
        let include = r.options.include
        let encoding = r.options.encoding
        var w = writer(
            for: pass.output.count * (1 + (include.isEmpty ? 0 : 2 * r.network.layers.count)),
            encoding: encoding,
            scalar: S.self,
            layers: r.network.layers.count
        )
        w.beginObject()
        w.key("batchSize")
        w.integer(r.inputs.rows)
        w.key("dtype")
        w.string(S.dtype.wireName)
        if let cost = result.cost {
            w.key("loss")
            w.number(cost)
            w.key("reduction")
            w.string(r.options.reduction.wireName)
        }
        w.key("outputs")
        w.tensor(pass.output, encoding)
        if !include.isEmpty {
            w.key("layers")
            w.beginArray()
            for l in r.network.layers.indices {
                w.beginObject()
                w.key("layer")
                w.integer(l + 1)
                forwardQuantities(of: l, pass, include, encoding, into: &w)
                w.endObject()
            }
            w.endArray()
        }
        w.endObject()
        return Encoded(json: w.bytes, binary: w.binaryParts)
    }

    static func gradients<S: BLASScalar>(
        _ result: Computation.Backward<S>,
        for r: GradientRequest<S>,
        parallelism: Int
    ) -> Encoded {
        let g = result.gradients
        let include = r.options.include
        let encoding = r.options.encoding
        let elements = r.network.parameterCount + g.delta.reduce(0) { $0 + $1.count }
        var w = writer(for: elements, encoding: encoding, scalar: S.self, layers: r.network.layers.count)
        w.parallelism = parallelism
        w.beginObject()
        w.key("loss")
        w.number(g.cost)
        w.key("batchSize")
        w.integer(r.inputs.rows)
        w.key("reduction")
        w.string(r.options.reduction.wireName)
        w.key("dtype")
        w.string(S.dtype.wireName)
        // No layer objects when none of their quantities was asked for (only inputGradient, say).
        if !include.isDisjoint(with: Quantity.perLayer) {
            w.key("layers")
            w.beginArray()
            for l in r.network.layers.indices {
                w.beginObject()
                w.key("layer")
                w.integer(l + 1)
                if include.contains(.delta) {
                    w.key(Quantity.delta.wireName)
                    w.tensor(g.delta[l], encoding)
                }
                if include.contains(.weightGradient) {
                    w.key(Quantity.weightGradient.wireName)
                    w.tensor(g.weightGradient[l], encoding)
                }
                if include.contains(.biasGradient) {
                    w.key(Quantity.biasGradient.wireName)
                    w.tensor(g.biasGradient[l], encoding)
                }
                forwardQuantities(of: l, result.pass, include, encoding, into: &w)
                w.endObject()
            }
            w.endArray()
        }
        if let input = g.inputGradient {
            w.key(Quantity.inputGradient.wireName)
            w.tensor(input, encoding)
        }
        if let explanation = result.explanation { explain(explanation, into: &w) }
        w.endObject()
        return Encoded(json: w.bytes, binary: w.binaryParts)
    }

    static func gradcheck(_ checks: [LayerGradcheck], tolerances: GradcheckTolerances, parameters: Int) -> Encoded {
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        w.key("passed")
        w.bool(checks.allSatisfy(\.passed))
        w.key("epsilon")
        w.number(tolerances.epsilon)
        w.key("atol")
        w.number(tolerances.atol)
        w.key("rtol")
        w.number(tolerances.rtol)
        w.key("parameterCount")
        w.integer(parameters)
        w.key("layers")
        w.beginArray()
        for c in checks {
            w.beginObject()
            w.key("layer")
            w.integer(c.layer)
            for (name, cmp) in [("weights", c.weights), ("biases", c.biases)] {
                w.key(name)
                w.beginObject()
                w.key("maxAbsError")
                w.number(cmp.maxAbsError)
                w.key("maxRelError")
                w.number(cmp.maxRelError)
                w.key("passed")
                w.bool(cmp.passed)
                w.endObject()
            }
            w.key("passed")
            w.bool(c.passed)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return Encoded(json: w.bytes, binary: w.binaryParts)
    }

    /// `preactivation` (Z^l) and `activation` (A^l) of layer index `l`, when included: the
    /// forward pass's part of a layer object, in both endpoints' answers.
    private static func forwardQuantities<S: BLASScalar>(
        of l: Int,
        _ pass: ForwardPass<S>,
        _ include: Set<Quantity>,
        _ encoding: TensorEncoding,
        into w: inout JSONWriter
    ) {
        if include.contains(.preactivation) {
            w.key(Quantity.preactivation.wireName)
            w.tensor(pass.z[l], encoding)
        }
        if include.contains(.activation) {
            w.key(Quantity.activation.wireName)
            w.tensor(pass.a[l + 1], encoding)
        }
    }

    private static func explain(_ explanation: [LayerExplanation], into w: inout JSONWriter) {
        w.key("explain")
        w.beginArray()
        for e in explanation {
            w.beginObject()
            w.key("layer")
            w.integer(e.layer)
            for (name, step) in [
                (Quantity.delta, e.delta), (.weightGradient, e.weightGradient), (.biasGradient, e.biasGradient),
            ] {
                w.key(name.wireName)
                w.beginObject()
                w.key("formula")
                w.string(step.formula)
                w.key("needs")
                w.beginArray()
                for n in step.needs { w.string(n) }
                w.endArray()
                // The same as data, for programs (the page) that should not parse "W^2".
                w.key("uses")
                w.beginArray()
                for use in step.uses {
                    w.beginObject()
                    w.key("quantity")
                    w.string(use.quantity)
                    if let layer = use.layer {
                        w.key("layer")
                        w.integer(layer)
                    }
                    w.endObject()
                }
                w.endArray()
                w.endObject()
            }
            w.endObject()
        }
        w.endArray()
    }

    /// Room for a response of `elements` numbers: text for nested/flat (shortest digits: up to 22
    /// bytes for float64, 14 for float32), base64 for base64, a small JSON part for binary (whose
    /// tensors are sent from their own arrays). Reserved once so the buffer is not copied as it grows.
    private static func writer<S: BLASScalar>(
        for elements: Int,
        encoding: TensorEncoding,
        scalar: S.Type,
        layers: Int
    ) -> JSONWriter {
        let size = MemoryLayout<S>.size
        let head = 256 + layers * 400
        let json: Int
        switch encoding {
        case .nested, .flat: json = head + elements * (size == 8 ? 22 : 14)
        case .base64: json = head + (elements * size + 2) / 3 * 4
        case .binary: json = head
        }
        return JSONWriter(capacity: min(1 << 30, json))
    }
}
