import Backprop
import Dispatch
import HTTPServer
import Logging
import Synchronization
import Tracing
import WireFormat

/// The service on top of `HTTPServer`: routes each request to its front end (`/v1`, `/v2`, the
/// page, health, metrics and the spec), authorizes it, hands computations to the workers, and
/// answers every failure in its front end's form.
public final class GradientHandler: HTTPHandler {
    public struct Configuration: Sendable {
        public var limits = ServiceLimits()
        /// When set, `/v1/*` and `/v2` inference need `Authorization: Bearer <token>`.
        public var authToken: String?
        /// With a token set, require it on `/metrics` too (health and the spec always stay open).
        public var protectMetrics = false
        /// Row blocks one large batch may be split into and computed at once (the worker count).
        public var parallelism = 1
        /// Seconds clients are told to wait in `Retry-After` when the service is saturated or a
        /// request ran out of time.
        public var retryAfterSeconds = 1
        /// Where the access log goes: one line per answered request. Nil: through `logger`, at
        /// `info` (the layout is the same; `AccessLog` writes it for a fraction of the cost).
        public var accessLog: AccessLog?
        /// When set, every answered request becomes a server span (continuing the caller's W3C
        /// trace) with children for its time in the queue, decoding, computing and encoding, and
        /// its access-log line carries the span's ids. Nil: no tracing work at all.
        public var tracer: (any Tracer)?
        /// `https` when the server speaks TLS: the spans' `url.scheme`.
        public var urlScheme = "http"
        public init() {}
    }

    public let configuration: Configuration
    let logger: Logger
    /// Where spans are made and traced requests logged, in the order answered (when tracing).
    let tracing = DispatchQueue(label: "backprop.tracing")
    /// Answers waiting on `tracing`, bounded like the worker queue: past `maxPendingTraces` a
    /// request's spans are dropped (and counted) rather than held, with its headers, in memory.
    let pendingTraces = Atomic<Int>(0)
    let droppedTraces = Atomic<Int>(0)
    static let maxPendingTraces = 4096

    /// Whether an answer gets spans: every computation, and a request answered on the I/O thread
    /// (health, metrics, the spec, the page) only when its caller traces it, so probes and scrapes
    /// do not start a trace each.
    static func traces(_ route: Route?, _ head: RequestHead) -> Bool {
        guard let route, Inline(route) != nil else { return true }
        return head.headers["traceparent"] != nil
    }

    /// Waits until every answered request's spans are made and its line logged: before the
    /// exporter's last flush at shutdown.
    public func flushTracing() { tracing.sync {} }
    public let metrics: ServiceMetrics

    public init(configuration: Configuration, logger: Logger, metrics: ServiceMetrics = ServiceMetrics()) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
    }

    public func disposition(for head: RequestHead) -> Disposition {
        let form = ErrorRenderer(path: head.path)
        guard let route = Route(path: head.path) else { return .respond(render(.notFound(head.path), as: form)) }
        if let inline = Inline(route) {
            guard head.method == .get || head.method == .head else {
                return .respond(render(.methodNotAllowed(head.method.name, allow: "GET, HEAD"), as: form))
            }
            if case .metrics = inline, configuration.protectMetrics, let problem = authorize(head) {
                return .respond(render(problem))
            }
            return .inline(Accepted(context: inline))
        }
        if case .v2(.infer(let model)) = route { return v2Disposition(model: model, head: head) }
        guard case .v1(let operation) = route else {
            return .respond(render(.internalError(), as: form))  // `Inline` takes every other route
        }
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
        return .worker(Accepted(context: Call.v1(operation, format), alignedBodyOffset: format.tensorOffset))
    }

    public func handle(_ request: consuming Request) -> Response {
        switch request.context {
        case let call as Call:
            let deadline = request.deadline
            let trace =
                configuration.tracer == nil ? nil : TraceRecord(queued: request.queuedAt, bodyFormat: call.bodyFormat)
            // The body leaves the request here: after decoding, only tensors used in place hold it.
            let body = request.body
            _ = consume request
            var response = run(call, body: consume body, deadline: deadline, trace: trace)
            if let trace {
                trace.finished = DispatchTime.now().uptimeNanoseconds
                trace.problem = (response.annotation as? ProblemKind)?.kind
                response.annotation = trace
            }
            return response
        case let inline as Inline:
            return answer(inline, server: request.server)
        default:
            return render(.internalError(), as: ErrorRenderer(path: request.head.path))
        }
    }

    /// A computation on a worker, answered in its front end's form.
    private func run(_ call: Call, body: consuming RequestBody, deadline: DispatchTime, trace: TraceRecord?) -> Response
    {
        switch call {
        case .v1(let operation, let format):
            do {
                return try compute(
                    operation,
                    body: consume body,
                    format: format,
                    shouldStop: Self.stopper(deadline),
                    trace: trace
                )
                .response
            } catch {
                return render(error)
            }
        case .v2(let model, let operation, let jsonLength):
            do {
                return try infer(
                    model: model,
                    operation: operation,
                    body: consume body,
                    jsonLength: jsonLength,
                    deadline: deadline,
                    trace: trace
                )
            } catch {
                return render(error, as: .v2)
            }
        }
    }

    /// The routes answered inline: health, the spec, metrics, the page, `/v2` health and metadata.
    private func answer(_ inline: Inline, server: any ServerStatus) -> Response {
        switch inline {
        case .livez:
            return Response(status: 200, contentType: "text/plain; charset=utf-8", body: Array("ok\n".utf8))
        case .readyz:
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
            return v2Answer(v2, server: server)
        case .metrics:
            return Response(
                status: 200,
                contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: metrics.render(server: server)
            )
        }
    }

    public func response(for rejection: Rejection, head: RequestHead) -> Response {
        let problem: Problem
        switch rejection {
        case .bodyTooLarge(let limit):
            problem = .tooLarge(nil, "the body is larger than \(limit) bytes (--max-body-bytes)")
        case .overloaded:
            problem = .unavailable(
                "every worker is busy and the queue is full; retry later",
                retryAfter: configuration.retryAfterSeconds
            )
        case .draining:
            problem = .unavailable("the server is shutting down", retryAfter: configuration.retryAfterSeconds)
        }
        return render(problem, as: ErrorRenderer(path: head.path))
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
        // The path is routed once more here, only when tracing: for the span's route and for
        // whether this answer is traced at all.
        if let tracer = configuration.tracer, case let route = Route(path: head.path), Self.traces(route, head) {
            guard pendingTraces.add(1, ordering: .relaxed).newValue <= Self.maxPendingTraces else {
                // Past the bound: this request's spans are dropped, its line written here, without ids.
                pendingTraces.subtract(1, ordering: .relaxed)
                let dropped = droppedTraces.add(1, ordering: .relaxed).newValue
                if dropped == 1 || dropped % 10_000 == 0 {
                    logger.warning(
                        "tracing is behind: a request's spans were dropped",
                        metadata: [
                            "tracing.dropped_total": "\(dropped)", "tracing.pending_max": "\(Self.maxPendingTraces)",
                        ]
                    )
                }
                log(
                    head: head,
                    status: response.status,
                    bodyBytes: bodyBytes,
                    responseBytes: response.byteCount,
                    seconds: seconds,
                    trace: nil
                )
                return
            }
            // The spans, then the log line with their ids, made off microhttpd's thread (it sends
            // the answer when this returns): from the times noted so far, none is read later.
            let answered = TraceClock.now()
            let pattern = route?.pattern(for: head.path)
            let (status, byteCount, annotation) = (response.status, response.byteCount, response.annotation)
            tracing.async { [self] in
                let ids = traceSpans(
                    tracer,
                    head: head,
                    route: pattern,
                    status: status,
                    annotation: annotation,
                    seconds: seconds,
                    answered: answered
                )
                log(
                    head: head,
                    status: status,
                    bodyBytes: bodyBytes,
                    responseBytes: byteCount,
                    seconds: seconds,
                    trace: ids
                )
                pendingTraces.subtract(1, ordering: .relaxed)
            }
            return
        }
        log(
            head: head,
            status: response.status,
            bodyBytes: bodyBytes,
            responseBytes: response.byteCount,
            seconds: seconds,
            trace: nil
        )
    }

    /// The access-log line of one answered request.
    private func log(
        head: RequestHead,
        status: Int,
        bodyBytes: Int,
        responseBytes: Int,
        seconds: Double,
        trace ids: TraceIDs?
    ) {
        if let accessLog = configuration.accessLog {
            accessLog.record(
                head: head,
                status: status,
                requestBytes: bodyBytes,
                responseBytes: responseBytes,
                seconds: seconds,
                trace: ids
            )
            return
        }
        var metadata: Logger.Metadata = [
            "request.id": "\(head.requestID)", "http.method": "\(head.method)", "http.path": "\(head.path)",
            "http.status": "\(status)", "http.request_bytes": "\(bodyBytes)",
            "http.response_bytes": "\(responseBytes)",
            "http.duration_ms": "\(Double(Int(seconds * 1e6)) / 1e3)",
        ]
        if let ids {
            metadata["trace_id"] = "\(ids.traceID)"
            metadata["span_id"] = "\(ids.spanID)"
        }
        logger.info("request", metadata: metadata)
    }

    /// Every error answer goes through here, whichever front end: a 5xx other than 503 (which is
    /// backpressure, not a defect) is logged once, then written in `renderer`'s form.
    func render(_ problem: Problem, as renderer: ErrorRenderer = .problemJSON) -> Response {
        if problem.status >= 500 && problem.status != 503 {
            logger.error("internal error", metadata: ["problem.detail": "\(problem.detail)"])
        }
        var response = renderer.response(for: problem)
        if configuration.tracer != nil { response.annotation = ProblemKind(kind: problem.kind) }
        return response
    }
}
