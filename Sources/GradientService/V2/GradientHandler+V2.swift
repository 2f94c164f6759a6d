import Backprop
import Dispatch
import HTTPServer
import WireFormat

/// The Open Inference Protocol's routes: health and metadata answered inline, `infer` read by
/// `InferenceRequest`, built by `V2Assembly` through the same assembler as `/v1`, computed by
/// `run`, and answered from the typed results. Faults come back as `{"error"}` in the
/// protocol's words.
extension GradientHandler {
    /// What to do with a `/v2` request once its head is known.
    func v2Disposition(_ route: V2Route, head: RequestHead) -> Disposition {
        switch route {
        case .infer(let model):
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
        case .live, .ready, .server, .model, .modelReady:
            guard head.method == .get || head.method == .head else {
                return .respond(render(.methodNotAllowed(head.method.name, allow: "GET, HEAD"), as: .v2))
            }
            return .inline(Accepted(context: Route.v2(route)))
        }
    }

    /// Health and metadata (`infer` goes to a worker as a `Call`).
    func v2Answer(_ route: V2Route, server: any ServerStatus) -> Response {
        let ready = !(server.isDraining || server.isSaturated)
        switch route {
        case .live:
            return Response(status: 200)
        case .ready:
            return Response(status: ready ? 200 : 503)
        case .server:
            return V2Answer.serverMetadata(version: BuildInfo.version)
        case .model(let model), .modelReady(let model), .infer(let model):
            guard let operation = V2Route.operation(of: model) else { return render(Self.unknownModel(model), as: .v2) }
            if case .model = route {
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

    /// One `infer` on bytes the caller keeps valid until this returns (the fuzzer's and
    /// benchmarks' entry; every tensor is copied), answered in the protocol's form.
    public func infer(model: String, bytes: UnsafeRawBufferPointer, jsonLength: Int?) -> Response {
        guard let operation = V2Route.operation(of: model) else { return render(Self.unknownModel(model), as: .v2) }
        do {
            return try infer(
                model: model,
                operation: operation,
                bytes: bytes,
                owner: nil,
                jsonLength: jsonLength,
                deadline: .distantFuture
            )
        } catch {
            return render(error, as: .v2)
        }
    }

    /// One `infer` on `bytes` (its JSON part `jsonLength` bytes long when binary). `owner` keeps
    /// them valid: aligned binary tensors are then views of them.
    func infer(
        model: String,
        operation: Operation,
        bytes: UnsafeRawBufferPointer,
        owner: AnyObject?,
        jsonLength: Int?,
        deadline: DispatchTime
    ) throws(Problem) -> Response {
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
        let hasTargets = request.inputs.contains { $0.name == "targets" || $0.name == "labels" }
        let selection = try V2Selection(
            request,
            operation: operation,
            depth: assembly.depth,
            hasTargets: hasTargets && request.parameters.loss != nil
        )
        var options = RequestOptions(operation: operation)
        options.include = selection.include
        options.dtype = assembly.datatype.dtype ?? .float64
        if let name = request.parameters.reduction {
            guard let reduction = Reduction(wireName: name) else {
                throw .invalidParameter(
                    "parameter reduction is \"\(name)\"; expected " + Wording.oneOf(Reduction.wireNames)
                )
            }
            options.reduction = reduction
        }
        // Triton's `timeout` (µs; 0 is none) can only shorten the server's own deadline.
        var stop = deadline
        if let timeout = request.parameters.timeout, timeout > 0 {
            stop = min(deadline, DispatchTime.now() + .microseconds(min(timeout, Int(Int32.max))))
        }
        let shouldStop = Self.stopper(stop)
        switch options.dtype {
        case .float32:
            let assembled = try assembly.assemble(options: options, as: Float.self)
            return try answer(operation, assembled, selection, model: model, id: request.id, shouldStop)
        case .float64:
            let assembled = try assembly.assemble(options: options, as: Double.self)
            return try answer(operation, assembled, selection, model: model, id: request.id, shouldStop)
        }
    }

    private func answer<S: BLASScalar>(
        _ operation: Operation,
        _ request: GradientRequest<S>,
        _ selection: V2Selection,
        model: String,
        id: String?,
        _ shouldStop: @escaping () -> Bool
    ) throws(Problem) -> Response {
        let outcome: Outcome<S>
        do {
            outcome = try run(operation, request, shouldStop: shouldStop)
        } catch {
            throw Problem(v2: error, retryAfter: configuration.retryAfterSeconds)
        }
        return V2Answer.infer(selection.select(outcome), model: model, id: id)
    }
}
