import Foundation
import HTTPServer
import InMemoryTracing
import Testing
import Tracing

@testable import GradientService

/// Traces: the W3C `traceparent` reader, and the spans a real server makes for real requests,
/// recorded by swift-distributed-tracing's in-memory tracer (the OTLP export itself is checked
/// against a real receiver by scripts/otel-check.py).
@Suite("Tracing")
struct TracingTests {
    static let valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    @Test("a traceparent is read strictly")
    func traceparent() throws {
        let parsed = try #require(TraceParent(Self.valid))
        #expect(parsed.traceID == "0af7651916cd43dd8448eb211c80319c")
        #expect(parsed.parentID == "b7ad6b7169203331")
        #expect(parsed.sampled)
        #expect(TraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")?.sampled == false)
        // A later version may add fields after a dash; version 00 may not.
        #expect(TraceParent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra") != nil)
        for bad in [
            "", "00", Self.valid.uppercased(), Self.valid + "-x", String(Self.valid.dropLast()),
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g",
            "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",
        ] {
            #expect(TraceParent(bad) == nil, "\(bad)")
        }
    }

    @Test("tracestate is checked by the W3C grammar; a later traceparent version reaches the tracer as 00")
    func tracestate() {
        for good in ["", "a=1", "vendor=abc, b@c=x y,,", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "k_-*/=v"] {
            #expect(TraceHeaders.isValid(tracestate: good), "\(good)")
        }
        let tooMany = (0..<33).map { "k\($0)=v" }.joined(separator: ",")
        for bad in [
            "a", "=1", "A=1", "a=", "a=1=2", "1a=b", "a@=b", "a=\u{7f}", tooMany,
            "2026-12-02T09:44:34+0000 info backprop-server: forged",
        ] {
            #expect(!TraceHeaders.isValid(tracestate: bad), "\(bad)")
        }
        var head = RequestHead(method: .get, path: "/livez")
        head.headers.append(name: "traceparent", value: "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x")
        head.headers.append(name: "tracestate", value: "a=1,B=2")
        let carrier = TraceHeaders(head)
        #expect(carrier.traceparent == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        #expect(carrier.tracestate == nil)
    }

    @Test("a host header splits into address and port")
    func host() {
        #expect(GradientHandler.split(host: "example.com:8080") == ("example.com", 8080))
        #expect(GradientHandler.split(host: "example.com") == ("example.com", nil))
        #expect(GradientHandler.split(host: "[::1]:9") == ("::1", 9))
    }

    @Test("route patterns, never raw paths")
    func routes() {
        #expect(Route.pattern(of: "/v1/gradients") == "/v1/gradients")
        #expect(Route.pattern(of: "/v2/models/gradients/infer") == "/v2/models/{model}/infer")
        #expect(Route.pattern(of: "/ui/js/main.js") == "/ui/js/{module}")
        #expect(Route.pattern(of: "/nope") == nil)
    }

    /// The finished spans once `count` have arrived (they are made after the answer is sent).
    static func spans(_ tracer: InMemoryTracer, count: Int) -> [FinishedInMemorySpan] {
        for _ in 0..<400 {
            let spans = tracer.finishedSpans
            if spans.count >= count { return spans }
            usleep(5000)
        }
        return tracer.finishedSpans
    }

    static let tiny = """
        {"network":{"layers":[{"weights":[[0.1,0.2],[0.3,0.4],[0.5,0.6]],"activation":"sigmoid"},{"weights":[[0.7,0.8,0.9]]}]},
         "batch":{"inputs":[[1,2],[3,4]],"targets":[[1],[0]]},"loss":"quadratic"}
        """

    @Test("a computation's server span has the HTTP conventions' attributes and four children in order")
    func computation() throws {
        let tracer = InMemoryTracer()
        let server = try LiveServer { service, _ in service.tracer = tracer }
        let reply = try server.post(
            "/v1/gradients",
            Self.tiny,
            headers: [("User-Agent", "tests/1"), ("Authorization", "Bearer s3cret"), ("traceparent", Self.valid)]
        )
        #expect(reply.status == 200)
        let spans = Self.spans(tracer, count: 5)
        #expect(spans.map(\.operationName) == ["queue", "decode", "compute", "encode", "POST /v1/gradients"])
        let root = try #require(spans.last)
        #expect(root.kind == .server)
        for child in spans.dropLast() {
            #expect(child.parentSpanID == root.spanID && child.traceID == root.traceID)
            #expect(child.kind == .internal)
            #expect(child.startInstant.nanosecondsSinceEpoch >= root.startInstant.nanosecondsSinceEpoch)
            #expect(child.endInstant.nanosecondsSinceEpoch <= root.endInstant.nanosecondsSinceEpoch)
        }
        // In order, each starting where the one before ended.
        for (a, b) in zip(spans.dropLast(), spans.dropLast().dropFirst()) {
            #expect(a.endInstant.nanosecondsSinceEpoch == b.startInstant.nanosecondsSinceEpoch)
        }
        let a = root.attributes
        #expect(a["http.request.method"]?.toSpanAttribute() == "POST")
        #expect(a["http.route"]?.toSpanAttribute() == "/v1/gradients")
        #expect(a["http.response.status_code"]?.toSpanAttribute() == 200)
        #expect(a["url.scheme"]?.toSpanAttribute() == "http")
        #expect(a["server.address"]?.toSpanAttribute() == "127.0.0.1")
        // The test client's Host header names no port: none is made up.
        #expect(a["server.port"] == nil)
        #expect(a["user_agent.original"]?.toSpanAttribute() == "tests/1")
        #expect(a["backprop.operation"]?.toSpanAttribute() == "gradients")
        #expect(a["backprop.layers"]?.toSpanAttribute() == 2)
        #expect(a["backprop.batch_size"]?.toSpanAttribute() == 2)
        #expect(a["backprop.dtype"]?.toSpanAttribute() == "float64")
        #expect(a["backprop.body_format"]?.toSpanAttribute() == "json")
        #expect(a["backprop.multiply_adds"]?.toSpanAttribute() == .int64(Int64(3 * (6 + 3) * 2)))
        #expect(a["error.type"] == nil && root.status == nil && root.events.isEmpty)
        // Nothing of the token or the tensors.
        let text = String(describing: a)
        #expect(text.contains("backprop.layers") && !text.contains("s3cret") && !text.contains("0.7"))
    }

    @Test("a 422 and a 413 carry error status and an event naming the problem; a 404 neither")
    func failures() throws {
        let tracer = InMemoryTracer()
        let server = try LiveServer { service, http in
            service.tracer = tracer
            http.maxBodyBytes = 4096
        }
        let typo = Self.tiny.replacingOccurrences(of: "\"loss\"", with: "\"los\"")
        #expect(try server.post("/v1/gradients", typo).status == 422)
        var spans = Self.spans(tracer, count: 5)
        var root = try #require(spans.first { $0.kind == .server })
        #expect(root.status?.code == .error)
        #expect(root.events.map(\.name) == ["request.invalid-request"])
        #expect(root.attributes["error.type"]?.toSpanAttribute() == "422")
        tracer.clearFinishedSpans()
        #expect(try server.post("/v1/gradients", String(repeating: " ", count: 5000)).status == 413)
        spans = Self.spans(tracer, count: 1)
        root = try #require(spans.first { $0.kind == .server })
        #expect(root.status?.code == .error && root.events.map(\.name) == ["request.too-large"])
        tracer.clearFinishedSpans()
        // A 404 is no error of the server's: no status, no route.
        #expect(try server.client().request("GET", "/nope").status == 404)
        spans = Self.spans(tracer, count: 1)
        root = try #require(spans.first { $0.kind == .server })
        #expect(root.status == nil && root.attributes["http.route"] == nil && root.attributes["error.type"] == nil)
        #expect(root.operationName == "GET")
        tracer.clearFinishedSpans()
        // A method the conventions do not name: `_OTHER`, and a span named `HTTP`.
        #expect(try server.client().request("BREW", "/v1/gradients").status == 405)
        root = try #require(Self.spans(tracer, count: 1).first { $0.kind == .server })
        #expect(root.operationName == "HTTP")
        #expect(root.attributes["http.request.method"]?.toSpanAttribute() == "_OTHER")
        #expect(root.attributes["http.request.method_original"]?.toSpanAttribute() == "BREW")
    }

    @Test("probes and scrapes get spans only when their caller traces them")
    func probes() throws {
        let tracer = InMemoryTracer()
        let server = try LiveServer { service, _ in service.tracer = tracer }
        let client = try server.client()
        #expect(try client.request("GET", "/livez").status == 200)
        #expect(try client.request("GET", "/metrics").status == 200)
        #expect(try client.request("GET", "/readyz", headers: [("traceparent", Self.valid)]).status == 200)
        let spans = Self.spans(tracer, count: 1)
        usleep(100_000)
        #expect(tracer.finishedSpans.map(\.operationName) == ["GET /readyz"])
        #expect(spans.count == 1)
    }

    @Test("the access log line of a traced request carries its span's ids")
    func accessLog() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let tracer = InMemoryTracer()
        let server = try LiveServer { service, _ in
            service.tracer = tracer
            service.accessLog = AccessLog(label: "test", fileDescriptor: fds[1])
        }
        #expect(try server.post("/v1/gradients", Self.tiny).status == 200)
        let root = try #require(Self.spans(tracer, count: 5).last)
        // Written after the spans; the pipe is read without blocking, so a missing line fails.
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 4096)
        var n = -1
        for _ in 0..<400 where n <= 0 {
            n = read(fds[0], &buffer, buffer.count)
            if n <= 0 { usleep(5000) }
        }
        close(fds[1])
        let line = String(decoding: buffer[0..<max(0, n)], as: UTF8.self)
        #expect(line.contains(" span_id=\(root.spanID) trace_id=\(root.traceID) [GradientService] request"), "\(line)")
    }
}
