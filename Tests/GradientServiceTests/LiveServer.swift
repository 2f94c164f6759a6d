import Foundation
import GradientService
import HTTPServer
import Logging
import TestSupport
import WireFormat

/// The real service on a real microhttpd socket, on an ephemeral port.
final class LiveServer {
    let server: Server
    var port: UInt16 { server.port }

    init(configure: (inout GradientHandler.Configuration, inout ServerConfiguration) -> Void = { _, _ in }) throws {
        var service = GradientHandler.Configuration()
        var http = ServerConfiguration()
        http.port = 0
        http.workers = 2
        // Two polling threads, as the executable runs on two cores (the sanitizers see the pool).
        http.ioThreads = 2
        http.drainTimeout = 10
        configure(&service, &http)
        let handler = GradientHandler(
            configuration: service,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        server = Server(
            configuration: http,
            handler: handler,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        try server.start()
    }

    deinit { server.stop() }

    func client() throws -> HTTPClient { try HTTPClient(port: port) }

    func post(_ path: String, _ json: String, headers: [(String, String)] = []) throws -> HTTPClient.Reply {
        try client().post(path, json: json, headers: headers)
    }
}

extension HTTPClient.Reply {
    var json: JSONValue { (try? JSONParser.parse(body)) ?? .null }
}

extension JSONValue {
    /// Numbers of a nested or flat numeric JSON value, row-major.
    var flatNumbers: [Double] {
        switch self {
        case .number(let v): [v]
        case .numbers(let v): v
        case .array(let items): items.flatMap(\.flatNumbers)
        default: []
        }
    }

    subscript(index: Int) -> JSONValue? { arrayElements.flatMap { index < $0.count ? $0[index] : nil } }

    var double: Double? { if case .number(let v) = self { v } else { nil } }
}

/// The head of a JSON POST to `path` with a body of `bodyBytes`, for tests that send the body
/// themselves (slowly, in pieces, or after a pause).
func jsonHead(_ path: String, bodyBytes: Int) -> [UInt8] {
    Array(
        "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(bodyBytes)\r\n\r\n"
            .utf8
    )
}

/// The README's example request (docs/api.md).
let apiExample = """
    {
      "network": {"layers": [
          {"weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "biases": [0, 0, 0], "activation": "sigmoid"},
          {"weights": [[0.7, 0.8, 0.9]], "activation": "identity"}]},
      "batch": {"inputs": [[1, 2], [3, 4]], "targets": [[1], [0]]},
      "loss": "quadratic"
    }
    """

func fixtureURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        .appendingPathComponent(name)
}
