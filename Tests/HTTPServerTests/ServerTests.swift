import Dispatch
import HTTPServer
import Logging
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A handler that knows nothing of gradients: echoes bodies, sleeps on demand.
final class EchoHandler: HTTPHandler {
    let gate = Mutex<Int>(0)

    func disposition(for head: RequestHead) -> Disposition {
        switch head.path {
        case "/echo", "/sleep", "/aligned":
            guard head.method == .post else {
                return .respond(Response(status: 405, headers: [("Allow", "POST")]))
            }
            // `/aligned` asks for the body offset in its X-Align header to be on a 64-byte boundary.
            let offset = head.path == "/aligned" ? head.headers["x-align"].flatMap { Int($0) } ?? 0 : 0
            return .worker(Accepted(context: head.path, alignedBodyOffset: offset))
        case "/ping": return .inline(Accepted(context: head.path))
        default: return .respond(Response(status: 404, contentType: "text/plain", body: Array("no\n".utf8)))
        }
    }

    func handle(_ request: consuming Request) -> Response {
        let path = request.context as? String
        #expect(path == request.head.path, "the context chosen at the head comes back with the request")
        switch request.head.path {
        case "/aligned":
            let offset = request.head.headers["x-align"].flatMap { Int($0) } ?? 0
            var body: RequestBody? = request.body
            let aligned = (Int(bitPattern: body!.bytes.baseAddress) &+ offset) & 63 == 0
            weak let probe = body
            // Let go of the request as a handler does after decoding, keeping the body: the bytes
            // must stay valid (AddressSanitizer runs this suite in scripts/sanitize.sh).
            _ = consume request
            let echoed = Array(body!.bytes)
            // With the last holder gone the bytes are freed at once (the server kept no reference).
            body = nil
            return Response(
                status: 200,
                contentType: "application/octet-stream",
                body: echoed,
                headers: [("X-Aligned", aligned ? "yes" : "no"), ("X-Freed", probe == nil ? "yes" : "no")]
            )
        case "/ping": return Response(status: 200, contentType: "text/plain", body: Array("pong".utf8))
        case "/sleep":
            usleep(UInt32(Int(String(decoding: request.body.bytes, as: UTF8.self)) ?? 100_000))
            return Response(status: 200, contentType: "text/plain", body: Array("slept".utf8))
        default:
            return Response(
                status: 200,
                contentType: "application/octet-stream",
                body: Array(request.body.bytes),
                headers: [("X-Method", request.head.method.name)]
            )
        }
    }

    func response(for rejection: Rejection, head: RequestHead) -> Response {
        switch rejection {
        case .bodyTooLarge: Response(status: 413, body: Array("too large".utf8))
        case .overloaded: Response(status: 503, headers: [("Retry-After", "1")], body: Array("busy".utf8))
        case .draining: Response(status: 503, body: Array("draining".utf8))
        }
    }
}

func startServer(workers: Int = 2, queue: Int = 8, maxBody: Int = 1 << 20) throws -> Server {
    var config = ServerConfiguration()
    config.port = 0
    config.workers = workers
    config.queueCapacity = queue
    config.maxBodyBytes = maxBody
    config.drainTimeout = 10
    let server = Server(
        configuration: config,
        handler: EchoHandler(),
        logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    )
    try server.start()
    return server
}

@Suite("HTTP server over microhttpd", .serialized)
struct ServerTests {
    @Test("bodies of many sizes come back byte for byte, on one keep-alive connection")
    func echoesBodies() throws {
        let server = try startServer()
        defer { server.stop() }
        #expect(server.port != 0)
        let client = try HTTPClient(port: server.port)
        var g = SeededGenerator(seed: 5)
        for size in [0, 1, 100, 16_384, 200_000, 1 << 20] {
            let body = (0..<size).map { _ in UInt8.random(in: 0...255, using: &g) }
            let reply = try client.request("POST", "/echo", body: body)
            #expect(reply.status == 200)
            #expect(reply.body == body, "size \(size)")
            #expect(reply.headers["x-method"] == "POST")
        }
    }

    @Test("the body offset a handler names lands on a 64-byte boundary; a hold keeps it after release, no more")
    func alignedBodies() throws {
        let server = try startServer()
        defer { server.stop() }
        let client = try HTTPClient(port: server.port)
        var g = SeededGenerator(seed: 6)
        // The offset comes from a header: any integer, even one far past the body, must be safe.
        for (size, offset) in [
            (100, 0), (100, 1), (2000, 13), (2000, 63), (2000, 64), (70_000, 1000), (10, Int.max), (10, Int.min),
            (10, -5),
        ] {
            let body = (0..<size).map { _ in UInt8.random(in: 0...255, using: &g) }
            let reply = try client.request("POST", "/aligned", body: body, headers: [("X-Align", String(offset))])
            #expect(reply.status == 200)
            #expect(reply.headers["x-aligned"] == "yes", "offset \(offset)")
            #expect(reply.headers["x-freed"] == "yes", "released and no hold left")
            #expect(reply.body == body, "size \(size)")
        }
    }

    @Test("routing refusals answer without running the handler; inline routes run on the I/O thread")
    func refusalsAndInline() throws {
        let server = try startServer()
        defer { server.stop() }
        let client = try HTTPClient(port: server.port)
        #expect(try client.request("GET", "/missing").status == 404)
        let notAllowed = try client.request("GET", "/echo")
        #expect(notAllowed.status == 405)
        #expect(notAllowed.headers["allow"] == "POST")
        // A refused request's body is read and dropped; the connection stays usable.
        #expect(try client.request("POST", "/missing", body: Array(repeating: 7, count: 50_000)).status == 404)
        let ping = try client.request("GET", "/ping")
        #expect(ping.status == 200 && ping.text == "pong")
    }

    @Test("a body over the limit is 413: declared (before reading) or chunked (after)")
    func bodyLimit() throws {
        let server = try startServer(maxBody: 1000)
        defer { server.stop() }
        let declared = try HTTPClient(port: server.port).request(
            "POST",
            "/echo",
            body: Array(repeating: 1, count: 1001)
        )
        #expect(declared.status == 413)
        let chunked = try HTTPClient(port: server.port)
        let chunk = String(repeating: "a", count: 800)
        try chunked.send(
            Array(
                ("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n").utf8
            )
        )
        #expect(try chunked.readReply().status == 413)
        #expect(
            try HTTPClient(port: server.port).request("POST", "/echo", body: Array(repeating: 1, count: 1000)).status
                == 200
        )
    }

    @Test("with every worker busy and the queue full, the next request is 503 at once")
    func backpressure() throws {
        let server = try startServer(workers: 1, queue: 1)
        defer { server.stop() }
        // Occupy the worker and the one queue slot with 1 s sleeps.
        let clients = try (0..<2).map { _ in try HTTPClient(port: server.port) }
        for c in clients {
            try c.send(Array("POST /sleep HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n1000000".utf8))
        }
        var waited = 0
        while server.busyWorkers < 1 || server.queueDepth < 1 {
            usleep(5000)
            waited += 1
            if waited > 400 { break }
        }
        #expect(server.isSaturated)
        let refused = try HTTPClient(port: server.port).request("POST", "/echo", body: Array("x".utf8))
        #expect(refused.status == 503)
        #expect(refused.headers["retry-after"] == "1")
        // The refusal came while the worker was still asleep: it did not wait for a slot.
        #expect(server.busyWorkers == 1 && server.queueDepth == 1)
        for c in clients { #expect(try c.readReply().status == 200) }
        #expect(try HTTPClient(port: server.port).request("POST", "/echo", body: Array("x".utf8)).status == 200)
    }

    @Test("stop() lets a request in flight finish, then refuses new connections")
    func gracefulStop() throws {
        let server = try startServer()
        let client = try HTTPClient(port: server.port)
        try client.send(Array("POST /sleep HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n300000".utf8))
        while server.busyWorkers < 1 { usleep(2000) }
        let stopped = Mutex(false)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let clean = server.stop()
            stopped.withLock { $0 = clean }
            done.signal()
        }
        let reply = try client.readReply()
        #expect(reply.status == 200)
        #expect(reply.text == "slept")
        done.wait()
        #expect(stopped.withLock { $0 })
        #expect(throws: (any Error).self) { _ = try HTTPClient(port: server.port).request("GET", "/ping") }
    }
}
