import Backprop
import Dispatch
import HTTPServer
import Logging
import Synchronization
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
    private let status = StatusLink()

    public init(configuration: Configuration, logger: Logger, metrics: ServiceMetrics = ServiceMetrics()) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
    }

    /// Lets `/readyz` ask the server whether it is draining or saturated.
    public func attach(_ server: Server) { status.server = server }

    enum Route {
        case compute(Operation)
        case livez, readyz, openapi, metrics
    }

    static func route(_ path: String) -> Route? {
        switch path {
        case "/v1/gradients": .compute(.gradients)
        case "/v1/forward": .compute(.forward)
        case "/v1/gradcheck": .compute(.gradcheck)
        case "/livez", "/healthz": .livez
        case "/readyz": .readyz
        case "/openapi.yaml": .openapi
        case "/metrics": .metrics
        default: nil
        }
    }

    public func disposition(for head: RequestHead) -> Disposition {
        guard let route = Self.route(head.path) else { return .respond(render(.notFound(head.path))) }
        switch route {
        case .compute:
            guard head.method == "POST" else { return .respond(render(.methodNotAllowed(head.method, allow: "POST"))) }
            if let problem = authorize(head) { return .respond(render(problem)) }
            let contentType = head[header: "content-type"]
            let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() }
            if let given = head[header: "inference-header-content-length"], (Int(given) ?? -1) < 0 {
                return .respond(render(.malformed("Inference-Header-Content-Length must be a non-negative integer")))
            }
            switch mediaType {
            case "application/json":
                return .worker
            case "application/octet-stream":
                // A binary body needs the length of its JSON part (Triton/KServe's binary extension).
                guard let length = head[header: "inference-header-content-length"].flatMap({ Int($0) }), length >= 0
                else {
                    return .respond(
                        render(
                            .malformed(
                                "a binary body (application/octet-stream) needs the header Inference-Header-Content-Length: <bytes of its JSON part>"
                            )
                        )
                    )
                }
                return .worker
            default:
                return .respond(render(.unsupportedMediaType(contentType)))
            }
        case .livez, .readyz, .openapi, .metrics:
            guard head.method == "GET" || head.method == "HEAD" else {
                return .respond(render(.methodNotAllowed(head.method, allow: "GET, HEAD")))
            }
            if case .metrics = route, configuration.protectMetrics, let problem = authorize(head) {
                return .respond(render(problem))
            }
            return .inline
        }
    }

    public func handle(_ request: Request) -> Response {
        switch Self.route(request.head.path) {
        case .compute(let operation)?:
            do {
                let jsonLength = request.head[header: "inference-header-content-length"].flatMap { Int($0) }
                return try compute(
                    operation,
                    request.body,
                    jsonLength: jsonLength,
                    holdBody: request.holdBody,
                    releaseBody: request.releaseBody,
                    shouldStop: { request.isExpired }
                ).response
            } catch {
                return render(error)
            }
        case .livez?:
            return Response(status: 200, contentType: "text/plain; charset=utf-8", body: Array("ok\n".utf8))
        case .readyz?:
            if let server = status.server, server.isDraining || server.isSaturated {
                return Response(
                    status: 503,
                    contentType: "text/plain; charset=utf-8",
                    body: Array((server.isDraining ? "draining\n" : "saturated\n").utf8)
                )
            }
            return Response(status: 200, contentType: "text/plain; charset=utf-8", body: Array("ready\n".utf8))
        case .openapi?:
            return Response(status: 200, contentType: "application/yaml", body: OpenAPIDocument.bytes)
        case .metrics?:
            return Response(
                status: 200,
                contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: metrics.render(server: status.server)
            )
        case nil:
            return render(.notFound(request.head.path))
        }
    }

    public func response(for rejection: Rejection, head: RequestHead) -> Response {
        switch rejection {
        case .bodyTooLarge(let limit):
            return render(.tooLarge(nil, "the body is larger than \(limit) bytes (--max-body-bytes)"))
        case .overloaded:
            return render(
                .unavailable(
                    "every worker is busy and the queue is full; retry later",
                    retryAfter: configuration.retryAfterSeconds
                )
            )
        case .draining:
            return render(.unavailable("the server is shutting down", retryAfter: configuration.retryAfterSeconds))
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

    /// Parses, validates and computes one request; any failure is a `Problem`. `shouldStop` is
    /// polled between steps (and inside gradcheck); when it says so the answer is 503.
    /// `releaseBody` is called once the body is decoded, and the parsed document is dropped then
    /// too, so neither is held while the request computes, except for the binary tensors used in
    /// place (views into the body, holding what `holdBody` returns; without a hold they are copied).
    public func compute(
        _ operation: Operation,
        _ body: UnsafeRawBufferPointer,
        jsonLength: Int? = nil,
        holdBody: () -> AnyObject? = { nil },
        releaseBody: () -> Void = {},
        shouldStop: @escaping () -> Bool = { false }
    ) throws(Problem) -> Encoded {
        let decoded = try decode(operation, body, jsonLength: jsonLength, holdBody: holdBody)
        releaseBody()
        switch decoded {
        case .float32(let request): return try run(operation, request, shouldStop: shouldStop)
        case .float64(let request): return try run(operation, request, shouldStop: shouldStop)
        }
    }

    private func run<S: BLASScalar>(
        _ operation: Operation,
        _ request: GradientRequest<S>,
        shouldStop: @escaping () -> Bool
    ) throws(Problem) -> Encoded {
        let result = try Computation.run(
            operation,
            request,
            parallelism: configuration.parallelism,
            shouldStop: shouldStop
        )
        metrics.recordComputation(operation: operation, dtype: S.dtypeName)
        return result
    }

    private enum Decoded {
        case float32(GradientRequest<Float>)
        case float64(GradientRequest<Double>)
    }

    /// The body as a request in its dtype; the parsed JSON tree lives only in here.
    private func decode(
        _ operation: Operation,
        _ body: UnsafeRawBufferPointer,
        jsonLength: Int?,
        holdBody: () -> AnyObject?
    ) throws(Problem) -> Decoded {
        let root: JSONValue
        var decoder = RequestDecoder(operation: operation, limits: configuration.limits)
        decoder.parallelism = configuration.parallelism
        do throws(WireError) {
            if let jsonLength {
                // Binary body: the JSON part, then the tensor bytes it points at.
                guard jsonLength <= body.count else {
                    throw WireError.badBody(
                        "Inference-Header-Content-Length is \(jsonLength) but the body has \(body.count) bytes"
                    )
                }
                root = try JSONParser.parse(
                    UnsafeRawBufferPointer(rebasing: body[0..<jsonLength]),
                    borrowingLongStrings: true
                )
                decoder.binary = try BinarySection(
                    root: root,
                    bytes: UnsafeRawBufferPointer(rebasing: body[jsonLength..<body.count]),
                    owner: holdBody()
                )
            } else {
                // Base64 tensors stay in the body (which outlives `root`) until decoded.
                root = try JSONParser.parse(body, borrowingLongStrings: true)
            }
        } catch {
            throw Problem(error)
        }
        let options = try decoder.options(root)
        return options.dtype == "float32"
            ? .float32(try decoder.decode(root, options: options, as: Float.self))
            : .float64(try decoder.decode(root, options: options, as: Double.self))
    }

    /// The raw tensors of a binary body start right after its JSON part: the server places them on
    /// a 64-byte boundary, so they are used in place rather than copied out.
    public func alignedBodyOffset(for head: RequestHead) -> Int {
        head[header: "inference-header-content-length"].flatMap { Int($0) }.map { max(0, $0) } ?? 0
    }

    private func authorize(_ head: RequestHead) -> Problem? {
        guard let token = configuration.authToken else { return nil }
        guard let header = head[header: "authorization"] else {
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

/// A late link from the handler to the server it serves (the two are built one after the other).
private final class StatusLink: Sendable {
    private let link = Mutex<WeakServer>(WeakServer())
    private struct WeakServer: @unchecked Sendable { weak var server: Server? }
    var server: Server? {
        get { link.withLock { $0.server } }
        set { link.withLock { $0.server = newValue } }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
