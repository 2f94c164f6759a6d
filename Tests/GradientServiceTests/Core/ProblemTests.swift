import HTTPServer
import Testing
import WireFormat

@testable import GradientService

/// RFC 9457 problem details as bytes, the reading faults each becomes, and the two forms a
/// problem is answered in (`ErrorRenderer`).
@Suite("Problem")
struct ProblemTests {
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// A response's headers as pairs that compare.
    static func headers(_ response: Response) -> [[String]] { response.headers.map { [$0.0, $0.1] } }

    // MARK: - The JSON

    @Test("a problem with a pointer is written with type, title, status, detail and pointer, in that order")
    func jsonWithPointer() {
        let problem = Problem.invalid(
            .root / "batch" / "inputs",
            "inputs have 3 columns; the first layer's weights take 2"
        )
        #expect(
            Self.text(problem.json)
                == #"{"type":"https://backprop-server.dev/problems/invalid-request","title":"Unprocessable request","status":422,"detail":"inputs have 3 columns; the first layer's weights take 2","pointer":"/batch/inputs"}"#
        )
    }

    @Test("a problem without a pointer has no pointer member")
    func jsonWithoutPointer() {
        #expect(
            Self.text(Problem.notFound("/v3").json)
                == #"{"type":"https://backprop-server.dev/problems/not-found","title":"Not found","status":404,"detail":"no route for /v3"}"#
        )
    }

    @Test("the root pointer is written as the empty string, not left out")
    func rootPointer() {
        #expect(
            Self.text(Problem.invalid(.root, #"the body must be an "object""#).json)
                == #"{"type":"https://backprop-server.dev/problems/invalid-request","title":"Unprocessable request","status":422,"detail":"the body must be an \"object\"","pointer":""}"#
        )
    }

    @Test("problems are equal by status, kind, detail and pointer, whatever their headers and title")
    func equality() {
        let plain = Problem(status: 503, kind: "unavailable", title: "A", detail: "busy")
        let withHeader = Problem(
            status: 503,
            kind: "unavailable",
            title: "B",
            detail: "busy",
            headers: [("Retry-After", "1")]
        )
        #expect(plain == withHeader)
        #expect(plain != Problem(status: 500, kind: "unavailable", title: "A", detail: "busy"))
        #expect(plain != Problem(status: 503, kind: "timeout", title: "A", detail: "busy"))
        #expect(plain != Problem(status: 503, kind: "unavailable", title: "A", detail: "idle"))
        #expect(plain != Problem(status: 503, kind: "unavailable", title: "A", detail: "busy", pointer: ""))
    }

    @Test("a timeout is 503 with Retry-After in seconds")
    func timedOut() {
        let problem = Problem.timedOut(retryAfter: 12)
        #expect(problem.status == 503)
        #expect(problem.type == "https://backprop-server.dev/problems/timeout")
        #expect(problem.title == "Request timed out")
        #expect(problem.headers.map { [$0.0, $0.1] } == [["Retry-After", "12"]])
        #expect(problem.pointer == nil)
    }

    // MARK: - Reading faults

    /// Titles included: `==` leaves them out, so the test compares them itself.
    static let wireErrors: [(WireError, Problem)] = [
        (
            .malformed(offset: 5, reason: "invalid literal"),
            Problem(status: 400, kind: "malformed-json", title: "Malformed JSON", detail: "invalid literal at byte 5")
        ),
        (
            .invalid(pointer: .root / "loss", detail: "loss must be a string"),
            Problem(
                status: 422,
                kind: "invalid-request",
                title: "Unprocessable request",
                detail: "loss must be a string",
                pointer: "/loss"
            )
        ),
        (
            .tooLarge(pointer: .root / "batch" / "inputs" / "shape", detail: "too many elements"),
            Problem(
                status: 413,
                kind: "too-large",
                title: "Request too large",
                detail: "too many elements",
                pointer: "/batch/inputs/shape"
            )
        ),
        (
            .badBody("the binary part is 3 bytes short"),
            Problem(status: 400, kind: "bad-request", title: "Bad request", detail: "the binary part is 3 bytes short")
        ),
    ]

    @Test("each reading fault becomes its problem", arguments: wireErrors)
    func wireError(_ error: WireError, _ expected: Problem) {
        let problem = Problem(error)
        #expect(problem == expected)
        #expect(problem.title == expected.title)
    }

    @Test("a malformed body says the line and column of the fault, with its byte")
    func malformedLineAndColumn() throws {
        let bytes = Array("{\"a\": 1,\n  \"b\": x}".utf8)
        let problem = try bytes.withUnsafeBytes { buffer in
            let error = #expect(throws: WireError.self) { try JSONParser.parse(buffer) }
            return try #require(error.map { Problem($0, in: buffer) })
        }
        #expect(problem.status == 400)
        #expect(problem.kind == "malformed-json")
        #expect(problem.detail == "unexpected character 'x' at line 2, column 8 (byte 16)")
        // The same place as members, for programs (the page's editor) that should not read English.
        #expect(problem.position == Problem.Position(line: 2, column: 8, offset: 16))
        let members = try JSONParser.parse(problem.json)
        #expect(members["line"] == .number(2) && members["column"] == .number(8) && members["offset"] == .number(16))
        #expect(members["pointer"] == nil)
    }

    @Test("only a malformed body's problem has a position")
    func positionOnlyForMalformed() throws {
        for (error, _) in Self.wireErrors {
            if case .malformed = error { continue }
            let bytes: [UInt8] = Array("{\n}".utf8)
            let json = try bytes.withUnsafeBytes { try JSONParser.parse(Problem(error, in: $0).json) }
            #expect(json["line"] == nil && json["column"] == nil && json["offset"] == nil, "\(error)")
        }
    }

    @Test("the other reading faults read the same with or without the body")
    func otherFaultsIgnoreTheBody() {
        let bytes: [UInt8] = Array("{\n}".utf8)
        for (error, expected) in Self.wireErrors {
            if case .malformed = error { continue }
            bytes.withUnsafeBytes { #expect(Problem(error, in: $0) == expected) }
        }
    }

    // MARK: - The two forms

    static let withHeaders: [Problem] = [
        .methodNotAllowed("PUT", allow: "POST"),
        .timedOut(retryAfter: 7),
        .unavailable("the server is busy", retryAfter: 2),
        .unauthorized("a bearer token is required"),
        .invalid(.root / "loss", "loss is required"),
    ]

    @Test("problem+json keeps the status and headers and writes the problem", arguments: withHeaders)
    func problemJSON(_ problem: Problem) {
        let response = ErrorRenderer.problemJSON.response(for: problem)
        #expect(response.status == problem.status)
        #expect(
            Self.headers(response)
                == [["Content-Type", "application/problem+json"]] + problem.headers.map { [$0.0, $0.1] }
        )
        #expect(response.body == problem.json)
    }

    @Test("/v2 keeps the status and headers and writes only the detail as error", arguments: withHeaders)
    func v2(_ problem: Problem) {
        let response = ErrorRenderer.v2.response(for: problem)
        #expect(response.status == problem.status)
        #expect(
            Self.headers(response) == [["Content-Type", "application/json"]] + problem.headers.map { [$0.0, $0.1] }
        )
        var w = JSONWriter()
        w.beginObject()
        w.key("error")
        w.string(problem.detail)
        w.endObject()
        #expect(response.body == w.bytes)
    }

    @Test("the headers each kept are the ones the problem carries")
    func headersKept() {
        #expect(
            Self.headers(ErrorRenderer.v2.response(for: .methodNotAllowed("GET", allow: "POST")))
                == [["Content-Type", "application/json"], ["Allow", "POST"]]
        )
        #expect(
            Self.headers(ErrorRenderer.problemJSON.response(for: .timedOut(retryAfter: 3)))
                == [["Content-Type", "application/problem+json"], ["Retry-After", "3"]]
        )
        #expect(
            Self.headers(ErrorRenderer.v2.response(for: .unauthorized("no token")))
                == [["Content-Type", "application/json"], ["WWW-Authenticate", #"Bearer realm="backprop-server""#]]
        )
        #expect(
            Self.text(ErrorRenderer.v2.response(for: .unauthorized(#"token "x" unknown"#)).body)
                == #"{"error":"token \"x\" unknown"}"#
        )
    }

    @Test(
        "the /v2 form is chosen for /v2 and below only",
        arguments: [
            ("/v2", true), ("/v2/", true), ("/v2/x", true), ("/v2/models/gradients/infer", true), ("/v2x", false),
            ("/v1/gradients", false), ("/", false), ("/V2", false), ("/api/v2", false),
        ]
    )
    func choice(path: String, isV2: Bool) {
        let renderer = ErrorRenderer(path: path)
        #expect(renderer == (isV2 ? .v2 : .problemJSON))
    }
}
