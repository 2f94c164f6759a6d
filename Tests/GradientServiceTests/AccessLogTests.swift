import Foundation
import HTTPServer
import Testing

@testable import GradientService

@Suite("Access log")
struct AccessLogTests {
    /// The lines `AccessLog` writes for `requests`, read back from a pipe.
    func lines(_ requests: [(RequestHead, Int, Int, Int, Double)]) throws -> [String] {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let log = AccessLog(label: "backprop-server", fileDescriptor: fds[1])
        for (head, status, inBytes, outBytes, seconds) in requests {
            log.record(head: head, status: status, requestBytes: inBytes, responseBytes: outBytes, seconds: seconds)
        }
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test("a line is laid out as swift-log's StreamLogHandler writes the same event, members sorted")
    func layout() throws {
        var head = RequestHead(method: .post, path: "/v1/gradients", headers: ["X-Request-ID": "abc-123"])
        head.requestID = "abc-123"
        let seconds = 0.002_794_4
        let line = try #require(try lines([(head, 200, 2988, 16527, seconds)]).first)
        // What `Logger.info("request", metadata: …)` printed through StreamLogHandler.
        let expected =
            " info backprop-server: http.duration_ms=\(Double(Int(seconds * 1e6)) / 1e3) http.method=POST"
            + " http.path=/v1/gradients http.request_bytes=2988 http.response_bytes=16527 http.status=200"
            + " request.id=abc-123 [GradientService] request"
        #expect(line.hasSuffix(expected), "\(line)")
        let timestamp = String(line.dropLast(expected.count))
        #expect(timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}/) != nil, "\(timestamp)")
    }

    @Test("durations print as Double(Int(seconds * 1e6)) / 1e3 did, for every shape of the number")
    func durations() throws {
        let head = RequestHead(method: .other("PURGE"), path: "/x y")
        let microseconds = [
            0, 1, 5, 10, 45, 50, 100, 450, 500, 999, 1000, 1001, 2790, 2794, 12000, 123_456_789, 7_000_000_000,
        ]
        let seconds = microseconds.map { Double($0) / 1e6 } + [0.000_000_4, 0.123_456_7, 3.0, 29.999_999]
        let got = try lines(seconds.map { (head, 404, 0, 0, $0) })
        #expect(got.count == seconds.count)
        for (line, s) in zip(got, seconds) {
            #expect(
                line.contains(" http.duration_ms=\(Double(Int(s * 1e6)) / 1e3) http.method=PURGE http.path=/x y "),
                "\(s): \(line)"
            )
        }
    }
}
