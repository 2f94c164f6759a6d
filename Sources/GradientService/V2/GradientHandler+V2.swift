import Backprop
import Dispatch
import HTTPServer
import WireFormat

/// The Open Inference Protocol's routes: health and metadata answered inline, `infer` read by
/// `InferenceRequest`, built by `V2Assembly` through the same assembler as `/v1`, computed by
/// `run`, and answered from the typed results. Faults come back as `{"error"}` in the
/// protocol's words.
extension GradientHandler {
    /// What to do with an `infer` request once its head is known (health and metadata are
    /// answered inline, as `Inline.v2`).
    func v2Disposition(model: String, head: RequestHead) -> Disposition {
        guard head.method == .post else {
            return .respond(render(.methodNotAllowed(head.method.name, allow: "POST"), as: .v2))
        }
        guard let operation = V2Route.operation(of: model) else {
            return .respond(render(Self.unknownModel(model), as: .v2))
        }
        if let problem = authorize(head) { return .respond(render(problem, as: .v2)) }
        // Triton's rule: the length header makes the body binary, whatever its media type.
        let jsonLength: Int?
        do {
            jsonLength = try BodyFormat.jsonLength(head)
        } catch {
            return .respond(render(error, as: .v2))
        }
        return .worker(
            Accepted(
                context: Call.v2(model: model, operation, jsonLength: jsonLength),
                alignedBodyOffset: jsonLength ?? 0
            )
        )
    }

    /// Health and metadata.
    func v2Answer(_ metadata: V2Metadata, server: any ServerStatus) -> Response {
        let ready = !(server.isDraining || server.isSaturated)
        switch metadata {
        case .live:
            return Response(status: 200)
        case .ready:
            return Response(status: ready ? 200 : 503)
        case .server:
            return V2Answer.serverMetadata(version: BuildInfo.version)
        case .model(let model), .modelReady(let model):
            guard let operation = V2Route.operation(of: model) else { return render(Self.unknownModel(model), as: .v2) }
            if case .model = metadata {
                return V2Answer.modelMetadata(model, operation, maxLayers: configuration.limits.maxLayers)
            }
            return Response(status: ready ? 200 : 503)
        }
    }

    static func unknownModel(_ model: String) -> Problem {
        var problem = Problem.notFound("/v2/models/\(model)")
        problem.detail =
            "unknown model \"\(model)\"; this server has \(V2Route.models.map { "\"\($0.name)\"" }.joined(separator: ", "))"
        return problem
    }

    /// One `infer` on bytes the caller keeps valid until this returns and for as long as `owner`
    /// is held (the fuzzer's and benchmarks' entry), answered in the protocol's form. With an
    /// owner, aligned binary tensors are views of `bytes`; without one, every tensor is copied.
    public func infer(
        model: String,
        bytes: UnsafeRawBufferPointer,
        jsonLength: Int?,
        owner: AnyObject? = nil
    ) -> Response {
        guard let operation = V2Route.operation(of: model) else { return render(Self.unknownModel(model), as: .v2) }
        do {
            let prepared = try prepare(
                operation,
                bytes: bytes,
                owner: owner,
                jsonLength: jsonLength,
                deadline: .distantFuture
            )
            return try answer(prepared, model: model)
        } catch {
            return render(error, as: .v2)
        }
    }

    /// One `infer` on `body` (its JSON part `jsonLength` bytes long when binary). The body and the
    /// parsed request are let go once the request is assembled: only binary tensors used in place
    /// (views of the body) keep it while the request computes.
    func infer(
        model: String,
        operation: Operation,
        body: consuming RequestBody,
        jsonLength: Int?,
        deadline: DispatchTime,
        trace: TraceRecord? = nil
    ) throws(Problem) -> Response {
        var prepared = try prepare(
            operation,
            bytes: body.bytes,
            owner: body,
            jsonLength: jsonLength,
            deadline: deadline
        )
        _ = consume body
        prepared.trace = trace
        return try answer(prepared, model: model)
    }

    /// An assembled inference request, in its scalar, with what its answer needs.
    private struct Prepared {
        enum Assembled {
            case float32(GradientRequest<Float>)
            case float64(GradientRequest<Double>)
        }
        var request: Assembled
        var selection: V2Selection
        var id: String?
        var shouldStop: () -> Bool
        /// The client's `timeout` (µs) when it is what ends the request, for the 503's message.
        var clientTimeout: Int?
        /// Where the phases' times go, when tracing.
        var trace: TraceRecord? = nil
    }

    /// Reads `bytes` and assembles the request; the parsed JSON lives only in here. `owner` keeps
    /// `bytes` valid: aligned binary tensors are then views of them.
    private func prepare(
        _ operation: Operation,
        bytes: UnsafeRawBufferPointer,
        owner: AnyObject?,
        jsonLength: Int?,
        deadline: DispatchTime
    ) throws(Problem) -> Prepared {
        let headLength = jsonLength ?? bytes.count
        guard headLength <= bytes.count else { throw .badRequest(BodyFormat.pastTheBody(headLength, bytes.count)) }
        let head = UnsafeRawBufferPointer(rebasing: bytes[0..<headLength])
        let root: JSONValue
        do throws(WireError) {
            root = try JSONParser.parse(head, borrowingLongStrings: false, parallelism: configuration.parallelism)
        } catch {
            throw Problem(error, in: head)
        }
        let request = try InferenceRequest(root, operation: operation, binary: bytes.count - headLength)
        let assembly = try V2Assembly(
            request,
            operation: operation,
            limits: configuration.limits,
            tail: UnsafeRawBufferPointer(rebasing: bytes[headLength..<bytes.count]),
            owner: owner
        )
        let parameters = request.parameters
        let hasTargets = request.inputs.contains { $0.name == "targets" || $0.name == "labels" }
        let selection = try V2Selection(
            request,
            operation: operation,
            depth: assembly.depth,
            hasTargets: hasTargets && parameters.loss != nil
        )
        var options = RequestOptions(operation: operation)
        options.include = selection.include
        options.dtype = assembly.datatype.dtype ?? .float64
        options.reduction = try parameters.reductionMode()
        // Triton's `timeout` (µs; 0 is none) can only shorten the server's own deadline.
        var stop = deadline
        var clientTimeout: Int?
        if let timeout = parameters.timeout, timeout > 0 {
            let own = DispatchTime.now() + .microseconds(min(timeout, Int(Int32.max)))
            if own < deadline {
                stop = own
                clientTimeout = timeout
            }
        }
        let assembled: Prepared.Assembled =
            switch options.dtype {
            case .float32: .float32(try assembly.assemble(options: options, as: Float.self))
            case .float64: .float64(try assembly.assemble(options: options, as: Double.self))
            }
        return Prepared(
            request: assembled,
            selection: selection,
            id: request.id,
            shouldStop: Self.stopper(stop),
            clientTimeout: clientTimeout
        )
    }

    private func answer(_ prepared: Prepared, model: String) throws(Problem) -> Response {
        switch prepared.request {
        case .float32(let request): try answer(request, prepared, model: model)
        case .float64(let request): try answer(request, prepared, model: model)
        }
    }

    private func answer<S: BLASScalar>(
        _ request: GradientRequest<S>,
        _ prepared: Prepared,
        model: String
    ) throws(Problem) -> Response {
        let operation = prepared.selection.operation
        let outcome: Outcome<S>
        do {
            outcome = try run(operation, request, shouldStop: prepared.shouldStop, trace: prepared.trace)
        } catch {
            var problem = Problem(v2: error, retryAfter: configuration.retryAfterSeconds)
            if error.reason == .timedOut, let timeout = prepared.clientTimeout {
                problem.detail = "the request took longer than its timeout parameter (\(timeout) µs)"
            }
            throw problem
        }
        return V2Answer.infer(prepared.selection.select(outcome), model: model, id: prepared.id)
    }
}
