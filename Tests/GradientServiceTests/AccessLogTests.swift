import Foundation
import HTTPServer
import Logging
import Testing

@testable import GradientService

@Suite("Access log")
struct AccessLogTests {
    /// The lines `AccessLog` writes for `requests`, read back from a pipe.
    func lines(_ requests: [(RequestHead, Int, Int, Int, Double)]) throws -> [String] {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let log = AccessLog(label: "backprop-server", fileDescriptor: fds[1])
        for (head, status, inBytes, outBytes, seconds) in requests {
            log.record(head: head, status: status, requestBytes: inBytes, responseBytes: outBytes, seconds: seconds)
        }
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test("a line is what GradientHandler logged through swift-log's StreamLogHandler, timestamp aside")
    func layout() throws {
        var head = RequestHead(method: .post, path: "/v1/gradients", headers: ["X-Request-ID": "abc-123"])
        head.requestID = "abc-123"
        let response = Response(status: 200, body: Array(repeating: 0x20, count: 16527))
        let seconds = 0.002_794_4
        // The line as the handler logs it without an AccessLog: through a Logger at info.
        let stream = CapturedStream()
        let handler = GradientHandler.inProcess(
            logTo: StreamLogHandler(label: "backprop-server", stream: stream, metadataProvider: nil)
        )
        handler.didRespond(to: head, with: response, bodyBytes: 2988, seconds: seconds)
        let logged = try #require(stream.text.split(separator: "\n").first.map(String.init))
        let line = try #require(try lines([(head, 200, 2988, 16527, seconds)]).first)
        // Both start with a timestamp of the same layout, then agree byte for byte.
        let stamp = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}/
        let (a, b) = (try #require(line.prefixMatch(of: stamp)), try #require(logged.prefixMatch(of: stamp)))
        #expect(line[a.range.upperBound...] == logged[b.range.upperBound...], "\(line)\n\(logged)")
        #expect(line.hasSuffix(" http.status=200 request.id=abc-123 [GradientService] request"), "\(line)")
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

/// A text stream a `StreamLogHandler` writes into, read back by the test.
private final class CapturedStream: TextOutputStream, @unchecked Sendable {
    private let lock = NSLock()
    private var written = ""
    var text: String { lock.withLock { written } }
    func write(_ string: String) { lock.withLock { written += string } }
}
