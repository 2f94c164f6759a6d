import HTTPServer
import Testing

@testable import GradientService

/// How a body is laid out, from its head: the media type decides, a binary body needs its JSON
/// length, and the length header is read by one rule for every front end.
@Suite("BodyFormat")
struct BodyFormatTests {
    func head(_ headers: HTTPHeadersLiteral) -> RequestHead {
        var h = HTTPHeaders()
        for (name, value) in headers { h.append(name: name, value: value) }
        return RequestHead(method: .post, path: "/v1/gradients", headers: h)
    }

    @Test("a binary body without its length header is a bad request, not malformed JSON")
    func badRequestTitle() {
        do {
            _ = try BodyFormat.of(head([("Content-Type", "application/octet-stream")]))
            Issue.record("accepted")
        } catch {
            #expect(error.status == 400)
            #expect(error.kind == "bad-request")
            #expect(error.title == "Bad request")
        }
    }

    @Test("the media type decides; a binary body needs its JSON length")
    func decided() throws {
        #expect(try BodyFormat.of(head([("Content-Type", "application/json; charset=utf-8")])) == .json)
        #expect(
            try BodyFormat.of(head([("Content-Type", "application/json"), ("Inference-Header-Content-Length", "10")]))
                == .json,
            "a JSON body stays JSON when the length header comes with it"
        )
        #expect(
            try BodyFormat.of(
                head([("Content-Type", "application/octet-stream"), ("Inference-Header-Content-Length", "12")])
            ) == .binary(jsonLength: 12)
        )
        #expect(throws: Problem.self) { try BodyFormat.of(head([("Content-Type", "application/octet-stream")])) }
        #expect(throws: Problem.self) {
            try BodyFormat.of(head([("Content-Type", "application/json"), ("Inference-Header-Content-Length", "-1")]))
        }
        do {
            _ = try BodyFormat.of(head([("Content-Type", "text/plain")]))
            Issue.record("text/plain accepted")
        } catch {
            #expect(error.status == 415)
        }
    }
}

typealias HTTPHeadersLiteral = [(String, String)]

@Suite("BodyFormat.mediaType")
struct MediaTypeTests {
    /// The rule as it was written with `String`: the first non-empty `;` part, spaces trimmed,
    /// lower-cased.
    func reference(_ value: String) -> String {
        String(value.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? "")
    }

    @Test("the byte reader gives what splitting, trimming and lower-casing the String gave")
    func sameAsStrings() {
        let values = [
            "application/json", "Application/JSON", "application/json; charset=utf-8", "  application/json  ;x",
            ";application/json", ";;application/octet-stream", " ;application/json", "", ";", ";;", "   ",
            "application/json;", "APPLICATION/OCTET-STREAM", "text/plain", "application/json\t", "\tapplication/json",
            "application/jsön", "application/json;\u{301}", "\u{212A}", "Ä/json", "application/json\u{301}; x",
        ]
        for value in values { #expect(BodyFormat.mediaType(value) == reference(value), "\(value.debugDescription)") }
    }
}
