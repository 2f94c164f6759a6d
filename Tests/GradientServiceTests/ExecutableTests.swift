import Foundation
import GradientService
import TestSupport
import Testing

@testable import backprop_server

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

    /// Every flag that has a variable, with a value its parser or validation refuses.
    static let badValues: [(flag: String, value: String)] = [
        ("--port", "abc"), ("--port", "70000"), ("--workers", "two"), ("--workers", "0"), ("--queue-capacity", "-1"),
        ("--io-threads", "1.5"), ("--max-body-bytes", "64MB"), ("--max-layers", "0"), ("--max-units", "x"),
        ("--max-parameters", "5e7"), ("--max-batch", ""), ("--max-work", "1e3"), ("--max-gradcheck-parameters", "-5"),
        ("--connection-timeout", "-1"), ("--connection-memory-limit", "1024"), ("--connection-limit", "0"),
        ("--request-timeout", "soon"), ("--body-timeout", "0"), ("--min-body-rate", "-1"),
        ("--min-rate-grace", "later"), ("--head-timeout", "-3"),
        ("--per-ip-connection-limit", "-2"),
        ("--drain-timeout", "-1"), ("--protect-metrics", "maybe"), ("--log-level", "loud"), ("--blas-core", "fast"),
        ("--tls-cert", "/no/such/cert.pem"), ("--tls-key", "/no/such/key.pem"),
    ]

    /// The flags with a variable but no value the parser or validation refuses, and why.
    static let anyValue: [(flag: String, why: String)] = [
        ("--host", "any text parses; an address that cannot be bound fails at start, exit 1"),
        ("--auth-token", "any text is a token"),
    ]

    static func variable(_ flag: String) -> String {
        "BACKPROP_" + String(flag.dropFirst(2).uppercased().map { $0 == "-" ? "_" : $0 })
    }

    @Test("a variable is read as its flag: a bad value stops the server, naming the variable and value")
    func badVariables() throws {
        for (flag, value) in Self.badValues where !value.isEmpty {
            let setting = "\(Self.variable(flag))=\(value)"
            let (status, output) = try Self.run([], environment: [Self.variable(flag): value])
            #expect(status == 64, "\(setting): exit \(status)")
            #expect(output.contains("\(flag) was set by \(setting)"), "\(setting): \(output)")
        }
        // A value that cannot be read at all also says what the flag takes.
        let unreadable = try Self.run([], environment: ["BACKPROP_PORT": "abc"]).output
        #expect(unreadable.contains("--port was set by BACKPROP_PORT=abc (expected a whole number)"), "\(unreadable)")
        let grace = try Self.run([], environment: ["BACKPROP_MIN_RATE_GRACE": "later"]).output
        #expect(grace.contains("(expected a number of seconds)"), "\(grace)")
        // An empty variable counts as unset; a flag on the command line wins over its variable.
        #expect(try Self.run(["--version"], environment: ["BACKPROP_PORT": ""]).status == 0)
        let (status, output) = try Self.run(["--port", "70000"], environment: ["BACKPROP_PORT": "80"])
        #expect(status == 64)
        #expect(output.contains("got 70000") && !output.contains("BACKPROP_PORT"), "\(output)")
    }

    @Test("every flag in --help names its variable")
    func everyFlagHasAVariable() throws {
        // Help wraps its lines: compare with every run of white space as one space.
        let output = try Self.run(["--help"]).output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let words = output.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "/" })
        let isFlag = { (word: Substring) -> Bool in
            word.hasPrefix("--") && word.count > 2 && word.allSatisfy { $0 == "-" || $0.isLowercase }
        }
        let flags = Set(words.filter(isFlag).map(String.init))
        #expect(flags.count > 20)
        for flag in flags.subtracting(["--help", "--version", "--healthcheck"]) {
            #expect(output.contains("env \(Self.variable(flag))"), "\(flag) has no variable in --help")
        }
        for (flag, _) in Self.badValues { #expect(flags.contains(flag), "\(flag)") }
    }

    /// The flags that are actions, not settings: they have no variable and no bad value.
    static let actions: Set = ["--help", "--version", "--healthcheck"]

    /// Every long name the command defines, read from ArgumentParser's own description of it
    /// (the JSON that `--experimental-dump-help` prints), not from a list kept by hand.
    static func definedFlags() throws -> Set<String> {
        struct Dump: Decodable {
            struct Command: Decodable { var arguments: [Argument]? }
            struct Argument: Decodable { var names: [Name]? }
            struct Name: Decodable {
                var kind: String
                var name: String
            }
            var command: Command
        }
        let dump = try JSONDecoder().decode(Dump.self, from: Data(BackpropServerCommand._dumpHelp().utf8))
        let names = (dump.command.arguments ?? []).flatMap { $0.names ?? [] }
        return Set(names.filter { $0.kind == "long" }.map { "--" + $0.name })
    }

    @Test("every flag the command defines has its variable in Environment's table and a bad value here")
    func everyDefinedFlagIsWired() throws {
        let defined = try Self.definedFlags()
        #expect(defined.count > 20 && defined.contains("--max-work"), "\(defined)")
        let settings = defined.subtracting(Self.actions)
        let table = Set(Environment.flags.map(\.flag))
        let tested = Set(Self.badValues.map(\.flag) + Self.anyValue.map(\.flag))
        for flag in settings.sorted() {
            #expect(table.contains(flag), "\(flag) has no variable in Environment.flags")
            #expect(tested.contains(flag), "\(flag) has no case in ExecutableTests.badValues (or anyValue)")
            #expect(Environment.variable(for: flag) == Self.variable(flag))
        }
        #expect(table.subtracting(settings).isEmpty, "Environment.flags names flags the command lacks")
        #expect(tested.subtracting(settings).isEmpty, "badValues or anyValue names flags the command lacks")
    }

    @Test("--version prints the version /metrics reports")
    func version() throws {
        let (status, output) = try Self.run(["--version"])
        #expect(status == 0)
        #expect(output == BuildInfo.version + "\n")
    }

    @Test("--healthcheck says why it failed")
    func healthcheckReason() throws {
        let (status, output) = try Self.run(["--healthcheck", "--port", String(Self.freePort())])
        #expect(status == 1)
        #expect(output.contains("healthcheck failed: cannot connect to 127.0.0.1:"), "\(output)")
        // BACKPROP_HOST has no value to refuse (anyValue); the probe shows it is read.
        let (_, other) = try Self.run(
            ["--healthcheck", "--port", String(Self.freePort())],
            environment: ["BACKPROP_HOST": "127.0.0.2"]
        )
        #expect(other.contains("healthcheck failed: cannot connect to 127.0.0.2:"), "\(other)")
    }

    /// Starts the binary on a free port and waits until it is ready.
    static func serve(
        _ arguments: [String],
        environment: [String: String] = [:],
        unsetting: Set<String> = []
    ) throws -> (Process, UInt16) {
        let port = freePort()
        let p = Process()
        p.executableURL = binary
        p.arguments = ["--port", String(port), "--log-level", "error"] + arguments
        p.environment = ProcessInfo.processInfo.environment.filter { !unsetting.contains($0.key) }
            .merging(environment) { $1 }
        try p.run()
        for _ in 0..<200 {
            if let c = try? HTTPClient(port: port), (try? c.request("GET", "/readyz"))?.status == 200 { break }
            usleep(20_000)
        }
        return (p, port)
    }

    @Test("BACKPROP_PROTECT_METRICS=1 with a token protects /metrics, and the process keeps its name")
    func protectMetricsFromTheEnvironment() throws {
        let (p, port) = try Self.serve(
            [],
            environment: ["BACKPROP_AUTH_TOKEN": "s3cret", "BACKPROP_PROTECT_METRICS": "1"],
            unsetting: ["MALLOC_ARENA_MAX"]
        )
        defer {
            p.terminate()
            p.waitUntilExit()
        }
        #expect(try HTTPClient(port: port).request("GET", "/metrics").status == 401)
        let ok = try HTTPClient(port: port).request("GET", "/metrics", headers: [("Authorization", "Bearer s3cret")])
        #expect(ok.status == 200)
        #expect(ok.text.contains("backprop_build_info{version=\"\(BuildInfo.version)\"}"))
        // The server restarted itself once (MALLOC_ARENA_MAX was unset) and is still backprop-server.
        let comm = try String(contentsOfFile: "/proc/\(p.processIdentifier)/comm", encoding: .utf8)
        #expect(comm == "backprop-server\n")
        let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(p.processIdentifier)/environ"))
        #expect(String(decoding: environ, as: UTF8.self).contains("MALLOC_ARENA_MAX=2"), "restarted")
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
            jsonHead("/v1/gradcheck", bodyBytes: body.utf8.count) + Array(body.utf8)
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
