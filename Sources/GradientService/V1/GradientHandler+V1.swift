import Backprop
import HTTPServer
import WireFormat

/// `/v1/gradients`, `/v1/forward` and `/v1/gradcheck`: the body read by `RequestDecoder`, built by
/// the assembler, computed by `run`, and written by `ResponseEncoder` in the request's encoding.
extension GradientHandler {
    /// Parses, validates and computes one request body; any failure is a `Problem`. `shouldStop`
    /// is polled between steps (and inside gradcheck); when it says so the answer is 503.
    ///
    /// The body is let go once decoded (the parsed document too), so neither is held while the
    /// request computes, except by the binary tensors used in place: views into the body, which
    /// keep it alive (tensors of another dtype or alignment are copied).
    public func compute(
        _ operation: Operation,
        body: consuming RequestBody,
        format: BodyFormat = .json,
        shouldStop: @escaping () -> Bool = { false }
    ) throws(Problem) -> Encoded {
        try compute(operation, body: body, format: format, shouldStop: shouldStop, trace: nil)
    }

    /// The same, noting its phases' times in `trace` (when tracing).
    func compute(
        _ operation: Operation,
        body: consuming RequestBody,
        format: BodyFormat,
        shouldStop: @escaping () -> Bool,
        trace: TraceRecord?
    ) throws(Problem) -> Encoded {
        let decoded = try decode(operation, body.bytes, format: format, owner: body)
        _ = consume body
        return try answer(operation, decoded, shouldStop: shouldStop, trace: trace)
    }

    /// The same from bytes the caller keeps valid until this returns (nothing is used in place).
    public func compute(
        _ operation: Operation,
        bytes: UnsafeRawBufferPointer,
        format: BodyFormat = .json,
        shouldStop: @escaping () -> Bool = { false }
    ) throws(Problem) -> Encoded {
        try answer(
            operation,
            try decode(operation, bytes, format: format, owner: nil),
            shouldStop: shouldStop,
            trace: nil
        )
    }

    private func answer(
        _ operation: Operation,
        _ decoded: Decoded,
        shouldStop: @escaping () -> Bool,
        trace: TraceRecord?
    ) throws(Problem) -> Encoded {
        switch decoded {
        case .float32(let request): return try answer(operation, request, shouldStop: shouldStop, trace: trace)
        case .float64(let request): return try answer(operation, request, shouldStop: shouldStop, trace: trace)
        }
    }

    private func answer<S: BLASScalar>(
        _ operation: Operation,
        _ request: GradientRequest<S>,
        shouldStop: @escaping () -> Bool,
        trace: TraceRecord?
    ) throws(Problem) -> Encoded {
        let outcome: Outcome<S>
        do {
            outcome = try run(operation, request, shouldStop: shouldStop, trace: trace)
        } catch {
            throw Problem(error, retryAfter: configuration.retryAfterSeconds)
        }
        switch outcome {
        case .forward(let result):
            return ResponseEncoder.forward(result, for: request)
        case .gradients(let result):
            return ResponseEncoder.gradients(result, for: request, parallelism: configuration.parallelism)
        case .gradcheck(let checks):
            return ResponseEncoder.gradcheck(
                checks,
                tolerances: request.tolerances,
                parameters: request.network.parameterCount
            )
        }
    }

    private enum Decoded {
        case float32(GradientRequest<Float>)
        case float64(GradientRequest<Double>)
    }

    /// The body as a request in its dtype; the parsed JSON tree lives only in here. `owner` keeps
    /// `body` valid: binary tensors of the request's dtype are then views of it, not copies.
    private func decode(
        _ operation: Operation,
        _ body: UnsafeRawBufferPointer,
        format: BodyFormat,
        owner: AnyObject?
    ) throws(Problem) -> Decoded {
        let root: JSONValue
        var decoder = RequestDecoder(operation: operation, limits: configuration.limits)
        decoder.parallelism = configuration.parallelism
        do throws(WireError) {
            switch format {
            case .binary(let jsonLength):
                // The JSON part, then the tensor bytes it points at.
                guard jsonLength <= body.count else {
                    throw WireError.badBody(BodyFormat.pastTheBody(jsonLength, body.count))
                }
                root = try JSONParser.parse(
                    UnsafeRawBufferPointer(rebasing: body[0..<jsonLength]),
                    borrowingLongStrings: true,
                    numberRows: true,
                    parallelism: configuration.parallelism
                )
                decoder.binary = try BinarySection(
                    root: root,
                    bytes: UnsafeRawBufferPointer(rebasing: body[jsonLength..<body.count]),
                    owner: owner
                )
            case .json:
                // Base64 tensors stay in the body (which outlives `root`) until decoded.
                root = try JSONParser.parse(
                    body,
                    borrowingLongStrings: true,
                    numberRows: true,
                    parallelism: configuration.parallelism
                )
            }
        } catch {
            throw Problem(error, in: body)
        }
        let options = try decoder.options(root)
        switch options.dtype {
        case .float32: return .float32(try decoder.decode(root, options: options, as: Float.self))
        case .float64: return .float64(try decoder.decode(root, options: options, as: Double.self))
        }
    }
}
