import Dispatch
import HTTPServer
import Tracing

#if canImport(Glibc)
import Glibc
#endif

/// What a worker measured of one request, for its spans: when it waited in the queue, read its
/// body, computed and wrote the answer, and what it was (operation, layers, batch, dtype, format,
/// multiply-adds). Made only when tracing is on, filled by the one worker that runs the request,
/// then handed to the I/O thread with the response (`Response.annotation`), which microhttpd's
/// resume orders after every write here.
final class TraceRecord: @unchecked Sendable {
    /// Uptime instants (`DispatchTime.uptimeNanoseconds`); 0 when the phase did not happen.
    var queued: UInt64 = 0
    var started: UInt64 = 0
    var computeStarted: UInt64 = 0
    var computeEnded: UInt64 = 0
    var finished: UInt64 = 0
    var operation: String?
    var bodyFormat: String?
    var layers: Int?
    var batchSize: Int?
    var dtype: String?
    var multiplyAdds: Int?
    /// The answer's problem kind (`Problem.kind`), when it is an error.
    var problem: String?

    init(queued: DispatchTime?, bodyFormat: String?) {
        started = DispatchTime.now().uptimeNanoseconds
        self.queued = queued?.uptimeNanoseconds ?? started
        self.bodyFormat = bodyFormat
    }
}

/// An error answer's problem kind, carried to `didRespond` for the span's status and event.
struct ProblemKind: Sendable {
    var kind: String
}

/// The trace and span ids of a request's server span, for its access-log line.
public struct TraceIDs: Sendable, Equatable {
    public var traceID: String
    public var spanID: String
}

/// W3C Trace Context's `traceparent`, read strictly: `version-traceid-parentid-flags` in lower-case
/// hex, neither id all zeros, version `ff` refused; a later version may append fields after a `-`.
/// A header that is not one starts a new trace (it is not an error of the request).
struct TraceParent: Equatable {
    var traceID: Substring
    var parentID: Substring
    var sampled: Bool

    init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 55, utf8[2] == 0x2D, utf8[35] == 0x2D, utf8[52] == 0x2D else { return nil }
        func hex(_ range: Range<Int>) -> Bool {
            utf8[range].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
        func zeros(_ range: Range<Int>) -> Bool { utf8[range].allSatisfy { $0 == 0x30 } }
        guard hex(0..<2), !(utf8[0] == 0x66 && utf8[1] == 0x66), hex(3..<35), hex(36..<52), hex(53..<55) else {
            return nil
        }
        guard !zeros(3..<35), !zeros(36..<52) else { return nil }
        let version00 = utf8[0] == 0x30 && utf8[1] == 0x30
        if version00 ? utf8.count != 55 : (utf8.count > 55 && utf8[55] != 0x2D) { return nil }
        let s = Substring(text)
        traceID = s.dropFirst(3).prefix(32)
        parentID = s.dropFirst(36).prefix(16)
        sampled = (Self.nibble(utf8[54]) & 1) == 1
    }

    private static func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x61 + 10 }
}

/// The carrier a tracer extracts the caller's context from: only `traceparent` (when valid, as
/// version 00, which is what a later version's first fields are) and `tracestate` (when valid by
/// the W3C grammar; an invalid one is dropped and the parent kept, as the specification says),
/// never the request's other headers. So nothing else (a token), and no text the tracer would
/// refuse (and log), reaches it.
struct TraceHeaders: Sendable {
    var traceparent: String?
    var tracestate: String?

    init(_ head: RequestHead) {
        guard let value = head.headers["traceparent"], TraceParent(value) != nil else { return }
        traceparent = "00" + value.dropFirst(2).prefix(53)  // validated: ASCII, one byte a character
        if let state = head.headers["tracestate"], Self.isValid(tracestate: state) { tracestate = state }
    }

    /// W3C `tracestate`: at most 32 comma-separated members (empty ones allowed), each
    /// `key=value`; a key is `[a-z][a-z0-9_*/-]{0,255}` or `tenant@system`; a value is 1 to 256
    /// printable ASCII characters other than `,` and `=`, not ending in a space.
    static func isValid(tracestate: String) -> Bool {
        let bytes = Array(tracestate.utf8)
        guard bytes.count <= 8192 else { return false }
        var members = 0
        for raw in bytes.split(separator: 0x2C, omittingEmptySubsequences: false) {
            var member = raw[...]
            while let c = member.first, c == 0x20 || c == 0x09 { member = member.dropFirst() }
            while let c = member.last, c == 0x20 || c == 0x09 { member = member.dropLast() }
            if member.isEmpty { continue }
            members += 1
            guard members <= 32, let eq = member.firstIndex(of: 0x3D) else { return false }
            let key = member[..<eq]
            let value = member[member.index(after: eq)...]
            guard isKey(key), (1...256).contains(value.count), value.last != 0x20,
                value.allSatisfy({ (0x20...0x7E).contains($0) && $0 != 0x2C && $0 != 0x3D })
            else { return false }
        }
        return true
    }

    private static func isKey(_ key: ArraySlice<UInt8>) -> Bool {
        func keyByte(_ c: UInt8) -> Bool {
            (0x61...0x7A).contains(c) || (0x30...0x39).contains(c) || c == 0x5F || c == 0x2D || c == 0x2A
                || c == 0x2F
        }
        if let at = key.firstIndex(of: 0x40) {
            let tenant = key[..<at]
            let system = key[key.index(after: at)...]
            guard (1...241).contains(tenant.count), (1...14).contains(system.count),
                let t = tenant.first, (0x61...0x7A).contains(t) || (0x30...0x39).contains(t),
                let s = system.first, (0x61...0x7A).contains(s)
            else { return false }
            return tenant.allSatisfy(keyByte) && system.allSatisfy(keyByte)
        }
        guard (1...256).contains(key.count), let first = key.first, (0x61...0x7A).contains(first) else { return false }
        return key.allSatisfy(keyByte)
    }

    struct Extractor: Tracing.Extractor {
        func extract(key: String, from carrier: TraceHeaders) -> String? {
            switch key.lowercased() {
            case "traceparent": carrier.traceparent
            case "tracestate": carrier.tracestate
            default: nil
            }
        }
    }
}

/// Collects what a tracer injects: the server span's ids, for the access log.
private struct Injected: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key.lowercased()] = value
    }
}

/// The moment a request was answered, on both clocks: spans are placed on the wall clock from
/// the uptime instants the worker noted.
struct TraceClock: Sendable {
    var uptime: UInt64
    var wall: UInt64

    static func now() -> TraceClock {
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        return TraceClock(
            uptime: DispatchTime.now().uptimeNanoseconds,
            wall: UInt64(wall.tv_sec) * 1_000_000_000 + UInt64(wall.tv_nsec)
        )
    }
}

/// A span's start or end: wall-clock nanoseconds.
private struct WallInstant: TracerInstant {
    var nanosecondsSinceEpoch: UInt64
    static func < (a: WallInstant, b: WallInstant) -> Bool { a.nanosecondsSinceEpoch < b.nanosecondsSinceEpoch }
}

extension GradientHandler {
    /// The request's spans, made once it is answered, from the times its worker noted: a server
    /// span continuing the caller's trace (W3C `traceparent`, `tracestate`), named and attributed
    /// by OpenTelemetry's HTTP conventions, and its children `queue`, `decode`, `compute` and
    /// `encode`. Made on the tracing queue after the answer is queued, nothing of it is on the
    /// request's path; a tracer's export is its own (batched, in the background). Returns the
    /// server span's ids for the log line.
    func traceSpans(
        _ tracer: any Tracer,
        head: RequestHead,
        route: String?,
        status: Int,
        annotation: (any Sendable)?,
        seconds: Double,
        answered: TraceClock
    ) -> TraceIDs? {
        let nowUptime = answered.uptime
        let nowWall = answered.wall
        func at(_ uptime: UInt64) -> WallInstant {
            WallInstant(
                nanosecondsSinceEpoch: uptime <= nowUptime
                    ? nowWall &- (nowUptime &- uptime) : nowWall &+ (uptime &- nowUptime)
            )
        }
        let record = annotation as? TraceRecord
        // `seconds` was measured a moment before `answered`: the span holds its children anyway.
        let startUptime = min(nowUptime &- UInt64(max(0, seconds) * 1e9), record?.queued ?? .max)
        let endUptime = max(nowUptime, record?.finished ?? 0)
        var context = ServiceContext.topLevel
        tracer.extract(TraceHeaders(head), into: &context, using: TraceHeaders.Extractor())
        // The conventions' known methods by name; any other is `_OTHER` (and the span `HTTP`),
        // so a client cannot mint span names.
        let known = Self.knownMethods.contains(head.method.name)
        let method = known ? head.method.name : "_OTHER"
        let span = tracer.startSpan(
            known ? (route.map { "\(method) \($0)" } ?? method) : "HTTP",
            context: context,
            ofKind: .server,
            at: at(startUptime)
        )
        let problem = record?.problem ?? (annotation as? ProblemKind)?.kind
        span.updateAttributes { a in
            a["http.request.method"] = method
            if !known { a["http.request.method_original"] = head.method.name }
            if let route { a["http.route"] = route }
            a["http.response.status_code"] = status
            a["url.scheme"] = configuration.urlScheme
            a["url.path"] = head.path
            if let host = head.headers["host"] {
                let (address, port) = Self.split(host: host)
                a["server.address"] = address
                if let port { a["server.port"] = port }
            }
            if let agent = head.headers["user-agent"] { a["user_agent.original"] = agent }
            if let record {
                if let v = record.operation { a["backprop.operation"] = v }
                if let v = record.bodyFormat { a["backprop.body_format"] = v }
                if let v = record.layers { a["backprop.layers"] = v }
                if let v = record.batchSize { a["backprop.batch_size"] = v }
                if let v = record.dtype { a["backprop.dtype"] = v }
                if let v = record.multiplyAdds { a["backprop.multiply_adds"] = v }
            }
        }
        // 413, 422, 503 (saturated, draining, out of time) and any 5xx: the span's status, and an
        // event naming the problem's kind (never its detail, which may quote the request).
        if [413, 422].contains(status) || status >= 500 {
            let kind = problem ?? "http-\(status)"
            span.attributes["error.type"] = String(status)
            span.addEvent(
                SpanEvent(name: "request.\(kind)", at: at(endUptime), attributes: ["problem.kind": "\(kind)"])
            )
            span.setStatus(SpanStatus(code: .error, message: kind))
        }
        if let record {
            let phases: [(String, UInt64, UInt64)] = [
                ("queue", record.queued, record.started),
                ("decode", record.started, record.computeStarted == 0 ? record.finished : record.computeStarted),
                ("compute", record.computeStarted, record.computeEnded),
                ("encode", record.computeEnded, record.finished),
            ]
            for (name, start, end) in phases where start != 0 && end != 0 && end >= start {
                let child = tracer.startSpan(name, context: span.context, ofKind: .internal, at: at(start))
                child.end(at: at(end))
            }
        }
        var injected: [String: String] = [:]
        tracer.inject(span.context, into: &injected, using: Injected())
        span.end(at: at(endUptime))
        if let parent = injected["traceparent"], let ids = TraceParent(parent) {
            return TraceIDs(traceID: String(ids.traceID), spanID: String(ids.parentID))
        }
        // The in-memory test tracer propagates its own keys.
        if let trace = injected["in-memory-trace-id"], let span = injected["in-memory-span-id"] {
            return TraceIDs(traceID: trace, spanID: span)
        }
        return nil
    }

    /// The methods OpenTelemetry's HTTP conventions name.
    static let knownMethods: Set<String> = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ]

    /// `host[:port]` or `[v6]:port` from a Host header.
    static func split(host: String) -> (String, Int?) {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let address = String(host[host.index(after: host.startIndex)..<close])
            let rest = host[host.index(after: close)...]
            return (address, rest.hasPrefix(":") ? Int(rest.dropFirst()) : nil)
        }
        if let colon = host.lastIndex(of: ":"), let port = Int(host[host.index(after: colon)...]) {
            return (String(host[..<colon]), port)
        }
        return (host, nil)
    }
}
