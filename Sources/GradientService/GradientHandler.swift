import Backprop
import Dispatch
import HTTPServer
import Logging
import WireFormat

/// The service's routes on top of `HTTPServer`: the gradient endpoints, health, and the spec.
public final class GradientHandler: HTTPHandler {
    public struct Configuration: Sendable {
        public var limits = ServiceLimits()
        /// When set, `/v1/*` needs `Authorization: Bearer <token>`.
        public var authToken: String?
        /// With a token set, require it on `/metrics` too (health and the spec always stay open).
        public var protectMetrics = false
        /// Row blocks one large batch may be split into and computed at once (the worker count).
        public var parallelism = 1
        /// Seconds clients are told to wait in `Retry-After` when the service is saturated.
        public var retryAfterSeconds = 1
        public init() {}
    }

    public let configuration: Configuration
    let logger: Logger
    public let metrics: ServiceMetrics

    public init(configuration: Configuration, logger: Logger, metrics: ServiceMetrics = ServiceMetrics()) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
    }

    /// Where a path leads; decided once from the head and carried to `handle` in the request.
    enum Route: Sendable {
        /// A computation, with the body's format read from the head.
        case compute(Operation, BodyFormat)
        case livez, readyz, openapi, metrics
        /// The page at `/` and its files, and what the page asks first (`/ui/config.json`).
        case page(Page)
        case pageConfiguration
        /// The Open Inference Protocol (KServe v2): health and metadata, and `infer` with the
        /// length of a binary body's JSON part.
        case v2(InferenceProtocol.Route)
        case infer(model: String, Operation, jsonLength: Int?)
    }

    /// The route of `path`, before the method and headers are looked at (the body format of a
    /// computation is `.json` until `disposition` reads it from the head).
    static func route(_ path: String) -> Route? {
        switch path {
        case "/v1/gradients": .compute(.gradients, .json)
        case "/v1/forward": .compute(.forward, .json)
        case "/v1/gradcheck": .compute(.gradcheck, .json)
        case "/livez", "/healthz": .livez
        case "/readyz": .readyz
        case "/openapi.yaml": .openapi
        case "/metrics": .metrics
        case "/ui/config.json": .pageConfiguration
        default:
            InferenceProtocol.owns(path)
                ? InferenceProtocol.route(path).map(Route.v2) : Page(path: path).map(Route.page)
        }
    }

    public func disposition(for head: RequestHead) -> Disposition {
        guard let route = Self.route(head.path) else {
            // Under /v2 even a wrong path is answered in the protocol's form.
            let problem = Problem.notFound(head.path)
            return .respond(InferenceProtocol.owns(head.path) ? InferenceProtocol.error(problem) : render(problem))
        }
        switch route {
        case .compute(let operation, _):
            guard head.method == .post else {
                return .respond(render(.methodNotAllowed(head.method.name, allow: "POST")))
            }
            if let problem = authorize(head) { return .respond(render(problem)) }
            let format: BodyFormat
            do {
                format = try BodyFormat.of(head)
            } catch {
                return .respond(render(error))
            }
            return .worker(
                Accepted(context: Route.compute(operation, format), alignedBodyOffset: format.tensorOffset)
            )
        case .v2(let v2):
            return v2Disposition(v2, head: head)
        case .infer:
            return .respond(render(.internalError()))
        case .livez, .readyz, .openapi, .metrics, .page, .pageConfiguration:
            guard head.method == .get || head.method == .head else {
                return .respond(render(.methodNotAllowed(head.method.name, allow: "GET, HEAD")))
            }
            if case .metrics = route, configuration.protectMetrics, let problem = authorize(head) {
                return .respond(render(problem))
            }
            return .inline(Accepted(context: route))
        }
    }

    public func handle(_ request: consuming Request) -> Response {
        guard let route = request.context as? Route else { return render(.notFound(request.head.path)) }
        switch route {
        case .compute(let operation, let format):
            let deadline = request.deadline
            // The body leaves the request here: after decoding, only tensors used in place hold it.
            let body = request.body
            _ = consume request
            do {
                return try compute(operation, body: consume body, format: format) { DispatchTime.now() > deadline }
                    .response
            } catch {
                return render(error)
            }
        case .livez:
            return Response(status: 200, contentType: "text/plain; charset=utf-8", body: Array("ok\n".utf8))
        case .readyz:
            let server = request.server
            if server.isDraining || server.isSaturated {
                return Response(
                    status: 503,
                    contentType: "text/plain; charset=utf-8",
                    body: Array((server.isDraining ? "draining\n" : "saturated\n").utf8)
                )
            }
            return Response(status: 200, contentType: "text/plain; charset=utf-8", body: Array("ready\n".utf8))
        case .openapi:
            return Response(status: 200, contentType: "application/yaml", body: OpenAPIDocument.bytes)
        case .page(let page):
            return page.response
        case .pageConfiguration:
            return Page.configuration(authRequired: configuration.authToken != nil)
        case .v2(let v2):
            return v2Answer(v2, server: request.server)
        case .infer(let model, let operation, let jsonLength):
            let deadline = request.deadline
            let body = request.body
            _ = consume request
            // The tensors are copied out while the body is held; it goes when this returns.
            return withExtendedLifetime(body) {
                infer(model: model, operation: operation, body: body.bytes, jsonLength: jsonLength) {
                    DispatchTime.now() > deadline
                }
            }
        case .metrics:
            return Response(
                status: 200,
                contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: metrics.render(server: request.server)
            )
        }
    }

    public func response(for rejection: Rejection, head: RequestHead) -> Response {
        if InferenceProtocol.owns(head.path) { return InferenceProtocol.error(problem(for: rejection)) }
        return render(problem(for: rejection))
    }

    private func problem(for rejection: Rejection) -> Problem {
        switch rejection {
        case .bodyTooLarge(let limit):
            return .tooLarge(nil, "the body is larger than \(limit) bytes (--max-body-bytes)")
        case .overloaded:
            return .unavailable(
                "every worker is busy and the queue is full; retry later",
                retryAfter: configuration.retryAfterSeconds
            )
        case .draining:
            return .unavailable("the server is shutting down", retryAfter: configuration.retryAfterSeconds)
        }
    }

    /// One structured log line and the request metrics per response. Bodies are never logged.
    public func didRespond(to head: RequestHead, with response: Response, bodyBytes: Int, seconds: Double) {
        metrics.recordRequest(
            method: head.method,
            path: head.path,
            status: response.status,
            requestBytes: bodyBytes,
            responseBytes: response.byteCount,
            seconds: seconds
        )
        logger.info(
            "request",
            metadata: [
                "request.id": "\(head.requestID)", "http.method": "\(head.method)", "http.path": "\(head.path)",
                "http.status": "\(response.status)", "http.request_bytes": "\(bodyBytes)",
                "http.response_bytes": "\(response.byteCount)",
                "http.duration_ms": "\(Double(Int(seconds * 1e6)) / 1e3)",
            ]
        )
    }

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
        let decoded = try decode(operation, body.bytes, format: format, owner: body)
        _ = consume body
        return try answer(operation, decoded, shouldStop: shouldStop)
    }

    /// The same from bytes the caller keeps valid until this returns (nothing is used in place).
    public func compute(
        _ operation: Operation,
        bytes: UnsafeRawBufferPointer,
        format: BodyFormat = .json,
        shouldStop: @escaping () -> Bool = { false }
    ) throws(Problem) -> Encoded {
        try answer(operation, try decode(operation, bytes, format: format, owner: nil), shouldStop: shouldStop)
    }

    private func answer(
        _ operation: Operation,
        _ decoded: Decoded,
        shouldStop: @escaping () -> Bool
    ) throws(Problem) -> Encoded {
        switch decoded {
        case .float32(let request): return try answer(operation, request, shouldStop: shouldStop)
        case .float64(let request): return try answer(operation, request, shouldStop: shouldStop)
        }
    }

    private func answer<S: BLASScalar>(
        _ operation: Operation,
        _ request: GradientRequest<S>,
        shouldStop: @escaping () -> Bool
    ) throws(Problem) -> Encoded {
        if shouldStop() { throw Problem.timedOut() }
        let encoded: Encoded
        switch operation {
        case .forward:
            encoded = ResponseEncoder.forward(try Computation.forward(request), for: request)
        case .gradients:
            let result = try Computation.gradients(
                request,
                parallelism: configuration.parallelism,
                shouldStop: shouldStop
            )
            encoded = ResponseEncoder.gradients(result, for: request, parallelism: configuration.parallelism)
        case .gradcheck:
            // The decoder refuses any dtype but float64 for gradcheck.
            guard let request = request as? GradientRequest<Double> else { throw Problem.internalError() }
            encoded = ResponseEncoder.gradcheck(
                try Computation.gradcheck(request, shouldStop: shouldStop),
                for: request
            )
        }
        metrics.recordComputation(operation: operation, dtype: S.dtype)
        return encoded
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
                    throw WireError.badBody(
                        "Inference-Header-Content-Length is \(jsonLength) but the body has \(body.count) bytes"
                    )
                }
                root = try JSONParser.parse(
                    UnsafeRawBufferPointer(rebasing: body[0..<jsonLength]),
                    borrowingLongStrings: true,
                    parallelism: configuration.parallelism
                )
                decoder.binary = try BinarySection(
                    root: root,
                    bytes: UnsafeRawBufferPointer(rebasing: body[jsonLength..<body.count]),
                    owner: owner
                )
            case .json:
                // Base64 tensors stay in the body (which outlives `root`) until decoded.
                root = try JSONParser.parse(body, borrowingLongStrings: true, parallelism: configuration.parallelism)
            }
        } catch {
            if case .malformed(let offset, let reason) = error {
                let (line, column) = JSONParser.location(of: offset, in: body)
                throw Problem.malformed("\(reason) at line \(line), column \(column) (byte \(offset))")
            }
            throw Problem(error)
        }
        let options = try decoder.options(root)
        switch options.dtype {
        case .float32: return .float32(try decoder.decode(root, options: options, as: Float.self))
        case .float64: return .float64(try decoder.decode(root, options: options, as: Double.self))
        }
    }

    func authorize(_ head: RequestHead) -> Problem? {
        guard let token = configuration.authToken else { return nil }
        guard let header = head.headers["authorization"] else {
            return .unauthorized("this server needs Authorization: Bearer <token>")
        }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix),
            constantTimeEqual(Array(header.utf8.dropFirst(prefix.utf8.count)), Array(token.utf8))
        else { return .unauthorized("the bearer token is not valid") }
        return nil
    }

    func render(_ problem: Problem) -> Response {
        if problem.status >= 500 && problem.status != 503 {
            logger.error("internal error", metadata: ["problem.detail": "\(problem.detail)"])
        }
        return Response(
            status: problem.status,
            contentType: "application/problem+json",
            body: problem.json,
            headers: problem.headers
        )
    }
}

/// Compares without an early exit, so the time taken does not reveal how much of a token matched.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var diff = UInt8(a.count == b.count ? 0 : 1)
    for i in 0..<max(a.count, b.count) {
        diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
    }
    return diff == 0
}
