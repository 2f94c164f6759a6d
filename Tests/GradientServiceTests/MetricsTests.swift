import TestSupport
import Testing

@Suite("Prometheus metrics", .serialized)
struct MetricsTests {
    /// The value of the sample line `name{labels} value`, if present.
    func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("counters move with the requests sent, and the text is Prometheus exposition format")
    func countersMove() throws {
        let server = try LiveServer()
        let client = try server.client()
        var responseBytes = 0
        for _ in 0..<3 {
            let reply = try client.post("/v1/gradients", json: apiExample)
            #expect(reply.status == 200)
            responseBytes += reply.body.count
        }
        let bad = try client.post("/v1/gradients", json: "{")
        #expect(bad.status == 400)
        responseBytes += bad.body.count
        #expect(try client.request("GET", "/nope").status == 404)
        let scrape = try client.request("GET", "/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = scrape.text
        #expect(sample(text, #"backprop_http_requests_total{route="/v1/gradients",method="POST",status="200"}"#) == 3)
        #expect(sample(text, #"backprop_http_requests_total{route="/v1/gradients",method="POST",status="400"}"#) == 1)
        #expect(sample(text, #"backprop_http_requests_total{route="other",method="GET",status="404"}"#) == 1)
        #expect(sample(text, #"backprop_computations_total{operation="gradients",dtype="float64"}"#) == 3)
        #expect(sample(text, #"backprop_http_request_duration_seconds_count{route="/v1/gradients"}"#) == 4)
        #expect(sample(text, #"backprop_workers"#) == 2)
        #expect(sample(text, #"backprop_worker_queue_depth"#) == 0)
        #expect(sample(text, #"backprop_http_response_bytes_total{route="/v1/gradients"}"#) == Double(responseBytes))
        #expect(
            sample(text, #"backprop_http_request_bytes_total{route="/v1/gradients"}"#)
                == Double(3 * apiExample.utf8.count + 1)
        )
        #expect(text.contains("# TYPE backprop_http_request_duration_seconds histogram"))
        #expect(sample(text, #"backprop_build_info{version="0.1.0"}"#) == 1)
        #expect(sample(text, #"backprop_workers_busy"#) == 0)
        // Prometheus conventions: every family has HELP and TYPE, and carries the service's prefix.
        let families = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map {
            $0.split(separator: " ")[2]
        }
        #expect(families.count == 9)
        for family in families {
            #expect(family.hasPrefix("backprop_"), "\(family)")
            #expect(text.contains("# HELP \(family) "), "\(family) has no HELP")
        }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.hasPrefix("backprop_"), "\(line)")
        }
    }

    @Test("every response carries X-Request-ID: the client's, or a generated one")
    func requestID() throws {
        let server = try LiveServer()
        let client = try server.client()
        let echoed = try client.request("GET", "/livez", headers: [("X-Request-ID", "abc-123")])
        #expect(echoed.headers["x-request-id"] == "abc-123")
        let made = try client.request("GET", "/nope")
        #expect(made.headers["x-request-id"]?.count == 16)
        let refused = try client.post("/v1/gradients", json: "{", headers: [("X-Request-ID", "bad id with spaces")])
        #expect(refused.headers["x-request-id"]?.count == 16)
    }
}
