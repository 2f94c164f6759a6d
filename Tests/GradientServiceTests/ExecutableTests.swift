import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `backprop-server` binary as a child process.
@Suite("The backprop-server executable", .serialized)
struct ExecutableTests {
    /// The binary sits beside the test bundle in the build directory.
    static var binary: URL {
        let dir = Bundle.main.bundleURL.deletingLastPathComponent()
        let beside = dir.appendingPathComponent("backprop-server")
        if FileManager.default.fileExists(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../.build/debug/backprop-server").standardizedFileURL
    }

    static func run(
        _ arguments: [String],
        environment: [String: String] = [:]
    ) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A port that was free a moment ago.
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                _ = bind(fd, p, len)
                _ = getsockname(fd, p, &len)
            }
        }
        return UInt16(bigEndian: addr.sin_port)
    }

    @Test("--help lists every flag with its environment variable")
    func help() throws {
        let (status, output) = try Self.run(["--help"])
        #expect(status == 0)
        for flag in [
            "--host", "--port", "--workers", "--queue-capacity", "--max-body-bytes", "--auth-token", "--drain-timeout",
            "--log-level",
        ] {
            #expect(output.contains(flag), "\(flag) missing from --help")
        }
        for variable in [
            "BACKPROP_HOST", "BACKPROP_PORT", "BACKPROP_WORKERS", "BACKPROP_MAX_BODY_BYTES", "BACKPROP_AUTH_TOKEN",
            "BACKPROP_IO_THREADS", "BACKPROP_CONNECTION_MEMORY_LIMIT",
        ] {
            #expect(output.contains(variable), "\(variable) missing from --help")
        }
    }

    @Test("a bad flag value exits with a usage error")
    func badFlag() throws {
        let (status, output) = try Self.run(["--port", "70000"])
        #expect(status == 64)
        #expect(output.contains("--port must be in 0...65535"))
        let (status2, _) = try Self.run(["--no-such-flag"])
        #expect(status2 == 64)
        let (status3, output3) = try Self.run([], environment: ["BACKPROP_WORKERS": "0"])
        #expect(status3 == 64)
        #expect(output3.contains("--workers must be at least 1"))
        let (status4, output4) = try Self.run(["--connection-memory-limit", "1024"])
        #expect(status4 == 64)
        #expect(output4.contains("--connection-memory-limit must be at least 16384"))
    }

    @Test("SIGTERM during a request: the request completes, then the process exits 0")
    func sigtermDrains() throws {
        let port = Self.freePort()
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = ["--port", String(port), "--workers", "1", "--log-level", "error"]
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        var ready = false
        for _ in 0..<200 {
            if let c = try? HTTPClient(port: port), (try? c.request("GET", "/readyz"))?.status == 200 {
                ready = true
                break
            }
            usleep(20_000)
        }
        try #require(ready)
        #expect(try Self.run(["--healthcheck"], environment: ["BACKPROP_PORT": String(port)]).status == 0)
        // A request heavy enough to still be running when the signal lands (a ~3,300-parameter gradcheck).
        let body = HardeningTests.slowGradcheck
        let client = try HTTPClient(port: port)
        try client.send(
            Array(
                "POST /v1/gradcheck HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                    .utf8
            )
        )
        usleep(150_000)
        kill(p.processIdentifier, SIGTERM)
        let reply = try client.readReply()
        #expect(reply.status == 200, "\(reply.text.prefix(300))")
        #expect(reply.json["passed"] == .bool(true))
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(throws: (any Error).self) { _ = try HTTPClient(port: port).request("GET", "/livez") }
        // Docker's HEALTHCHECK probe fails now that nothing listens.
        #expect(try Self.run(["--healthcheck", "--port", String(port)]).status == 1)
    }
}
