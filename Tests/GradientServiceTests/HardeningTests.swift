import Dispatch
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Timeouts, limits and hostile inputs", .serialized)
struct HardeningTests {
    /// A gradcheck big enough to take well over 50 ms in any build (≈ 3 300 parameters × 2 passes);
    /// also the in-flight request of the SIGTERM test.
    static let slowGradcheck: String = {
        let n = 40
        func matrix(_ rows: Int, _ value: (Int, Int) -> Double) -> String {
            var rowTexts: [String] = []
            for i in 0..<rows {
                let cells: [String] = (0..<n).map { (j: Int) -> String in String(value(i, j)) }
                rowTexts.append("[" + cells.joined(separator: ",") + "]")
            }
            return "[" + rowTexts.joined(separator: ",") + "]"
        }
        let w = matrix(n) { i, j in Double((i * 7 + j * 3) % 11) / 50 - 0.1 }
        return """
            {"network": {"layers": [{"weights": \(w), "activation": "tanh"}, {"weights": \(w)}]},
             "batch": {"inputs": \(matrix(64) { k, j in Double((k + j) % 5) / 5 }), "targets": \(matrix(64) { _, _ in 0.5 })},
             "loss": "mse"}
            """
    }()

    @Test("a request past --request-timeout is abandoned with 503, and the worker is free again")
    func requestTimeout() throws {
        let server = try LiveServer { _, http in
            http.requestTimeout = 0.05
            http.workers = 1
        }
        let reply = try server.post("/v1/gradcheck", Self.slowGradcheck)
        #expect(reply.status == 503)
        #expect(reply.json["type"]?.stringValue?.hasSuffix("/timeout") == true)
        #expect(reply.headers["retry-after"] != nil)
        // The worker marks itself idle just after handing the answer over; give it that moment.
        for _ in 0..<200 where server.server.busyWorkers > 0 { usleep(10_000) }
        #expect(server.server.busyWorkers == 0)
        #expect(try server.post("/v1/gradients", apiExample).status == 200)
    }

    @Test("while every worker is busy and the queue is full, /readyz is 503 and work gets 503 + Retry-After")
    func saturatedReadiness() throws {
        let server = try LiveServer { _, http in
            http.workers = 1
            http.queueCapacity = 0
        }
        let busy = try server.client()
        let body = Array(Self.slowGradcheck.utf8)
        try busy.send(
            jsonHead("/v1/gradcheck", bodyBytes: body.count)
                + body
        )
        for _ in 0..<500 where server.server.busyWorkers == 0 { usleep(2_000) }
        let ready = try server.client().request("GET", "/readyz")
        #expect(ready.status == 503)
        #expect(ready.text == "saturated\n")
        let refused = try server.post("/v1/gradients", apiExample)
        #expect(refused.status == 503)
        #expect(refused.headers["retry-after"] == "1")
        #expect(refused.headers["content-type"] == "application/problem+json")
        #expect(try busy.readReply().status == 200)
        // The worker frees its slot just after handing the answer over.
        for _ in 0..<200 where server.server.isSaturated { usleep(10_000) }
        #expect(try server.client().request("GET", "/readyz").status == 200)
    }

    @Test("a client sending its body too slowly is disconnected; others are served meanwhile")
    func slowBody() throws {
        let server = try LiveServer { _, http in http.bodyTimeout = 0.3 }
        let slow = try server.client()
        let body = Array(apiExample.utf8)
        try slow.send(
            jsonHead("/v1/gradients", bodyBytes: body.count) + body[0..<10]
        )
        usleep(100_000)
        try slow.send(Array(body[10..<20]))
        // Meanwhile a normal client is answered.
        #expect(try server.post("/v1/gradients", apiExample).status == 200)
        usleep(400_000)
        // Past the deadline, the next chunk makes the server drop the connection.
        try? slow.send(Array(body[20..<30]))
        #expect(throws: (any Error).self) { _ = try slow.readReply() }
    }

    @Test("a client trickling its body falls below --min-body-rate after the grace period and is dropped")
    func trickledBody() throws {
        let server = try LiveServer { _, http in
            http.minBodyRate = 240
            http.minRateGrace = 1
        }
        let slow = try server.client()
        let body = Array(apiExample.utf8)
        try slow.send(
            jsonHead("/v1/gradients", bodyBytes: body.count)
        )
        let start = DispatchTime.now().uptimeNanoseconds
        var droppedAfter: Double?
        for k in 0..<40 {
            do {
                try slow.send([body[k]])
            } catch {
                droppedAfter = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                break
            }
            if k == 2 { #expect(try server.post("/v1/gradients", apiExample).status == 200, "others are served") }
            usleep(250_000)
        }
        let seconds = try #require(droppedAfter, "a client sending 4 bytes a second was never dropped")
        #expect(seconds < 3.5, "dropped \(seconds) s in, with a 1 s grace")
    }

    @Test("at the default settings, a trickled head and a trickled body are both dropped within seconds")
    func tricklersAtDefaults() throws {
        let server = try LiveServer()
        #expect(server.server.configuration.headTimeout == 10)
        #expect(server.server.configuration.minBodyRate == 240 && server.server.configuration.minRateGrace == 5)
        let body = Array(apiExample.utf8)
        let head = Array("POST /v1/gradients HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n".utf8)
        let bodyHead = jsonHead("/v1/gradients", bodyBytes: body.count)
        // Two clients at once, a byte every 250 ms: one still in its head, one in its body.
        let headClient = try server.client()
        let bodyClient = try server.client()
        try bodyClient.send(bodyHead)
        let start = DispatchTime.now().uptimeNanoseconds
        var headDropped: Double?
        var bodyDropped: Double?
        for k in 0..<60 where headDropped == nil || bodyDropped == nil {
            let now = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if headDropped == nil {
                do { try headClient.send([head[k % head.count]]) } catch { headDropped = now }
            }
            if bodyDropped == nil {
                do { try bodyClient.send([body[k]]) } catch { bodyDropped = now }
            }
            usleep(250_000)
        }
        let h = try #require(headDropped, "a head trickled for 15 s was never dropped")
        let b = try #require(bodyDropped, "a body trickled for 15 s was never dropped")
        #expect(h < 10 + 3, "head dropped \(h) s in")
        #expect(b < 5 + 3, "body dropped \(b) s in")
    }

    @Test("a steady upload of megabytes is never cut by the minimum rate")
    func steadyUpload() throws {
        let server = try LiveServer { _, http in
            http.minBodyRate = 240
            http.minRateGrace = 0.5
        }
        let client = try server.client()
        // 2 MB of leading white space, then the example: valid JSON, sent at about 1.3 MB/s.
        let body = Array(String(repeating: " ", count: 2 << 20).utf8) + Array(apiExample.utf8)
        try client.send(
            jsonHead("/v1/gradients", bodyBytes: body.count)
        )
        var sent = 0
        while sent < body.count {
            let end = min(body.count, sent + (64 << 10))
            try client.send(Array(body[sent..<end]))
            sent = end
            usleep(50_000)
        }
        let reply = try client.readReply()
        #expect(reply.status == 200, "\(reply.text.prefix(200))")
        #expect(reply.json["loss"]?.double == 1.3107817592624795)
    }

    @Test("a client sending its request head a byte at a time is dropped after --head-timeout")
    func slowHead() throws {
        let server = try LiveServer { _, http in http.headTimeout = 1 }
        let slow = try server.client()
        var dropped = false
        // One byte every 200 ms keeps microhttpd's idle timer happy forever; the head deadline does not.
        for byte in Array("POST /v1/gradients HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8) {
            do { try slow.send([byte]) } catch {
                dropped = true
                break
            }
            usleep(200_000)
            // Others are served meanwhile.
            if byte == UInt8(ascii: "v") { #expect(try server.post("/v1/gradients", apiExample).status == 200) }
        }
        #expect(dropped, "a client dribbling its head for 10 s was never dropped")
    }

    @Test("deep nesting, huge exponents and truncated bodies are 400, fast and harmless")
    func hostileBodies() throws {
        let server = try LiveServer()
        let client = try server.client()
        let deep = String(repeating: "[", count: 100_000)
        let cases = [deep, "{\"network\": 1e999999}", String(apiExample.dropLast(40)), "\u{0}", "nul"]
        for body in cases {
            let reply = try client.post("/v1/gradients", json: body)
            // A huge exponent is valid JSON: refused where it stands (here: network is not an object).
            #expect(reply.status == (body.hasPrefix("{\"network\": 1e") ? 422 : 400), "\(body.prefix(30))")
            #expect(reply.headers["content-type"] == "application/problem+json")
            #expect(!reply.text.contains("/work/") && !reply.text.contains("Swift"), "no internals in errors")
        }
        #expect(try client.post("/v1/gradients", json: apiExample).status == 200)
    }

    @Test("a network over the work budget is refused with 413 before computing")
    func workBudget() throws {
        let server = try LiveServer { service, _ in service.limits.maxWork = 50 }  // the example costs 3·(6 + 3)·2 = 54
        let reply = try server.post("/v1/gradients", apiExample)
        #expect(reply.status == 413)
        #expect(reply.json["pointer"]?.stringValue == "/batch/inputs")
    }

    @Test("layer, unit, batch and parameter limits answer 413 with the pointer at fault")
    func shapeLimits() throws {
        let server = try LiveServer { service, _ in
            service.limits.maxLayers = 1
            service.limits.maxBatch = 1
        }
        let layers = try server.post("/v1/gradients", apiExample)
        #expect(layers.status == 413)
        #expect(layers.json["pointer"]?.stringValue == "/network/layers")
        let batch = try server.post(
            "/v1/gradients",
            #"{"network": {"layers": [{"weights": [[1]]}]}, "batch": {"inputs": [[1], [2]], "targets": [[1], [2]]}, "loss": "mse"}"#
        )
        #expect(batch.status == 413)
        #expect(batch.json["pointer"]?.stringValue == "/batch/inputs")
    }
}
