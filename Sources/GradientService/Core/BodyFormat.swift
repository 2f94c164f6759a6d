import HTTPServer

/// How a request body is laid out, decided once from the request's head and carried with it.
public enum BodyFormat: Sendable, Equatable {
    /// The whole body is one JSON document (`Content-Type: application/json`).
    case json
    /// The first `jsonLength` bytes are the JSON document, the rest the raw tensor bytes its
    /// `binaryDataSize` tensors take in order (`Content-Type: application/octet-stream` with
    /// `Inference-Header-Content-Length`, Triton/KServe's binary tensor extension).
    case binary(jsonLength: Int)

    /// The header that gives a binary body's JSON length.
    static let jsonLengthHeader = "inference-header-content-length"

    /// The format the head declares. The media type decides: JSON is JSON even when the length
    /// header is sent too; a binary body needs the header. A length header that is not a
    /// non-negative integer is refused whatever the media type.
    static func of(_ head: RequestHead) throws(Problem) -> BodyFormat {
        let jsonLength = try Self.jsonLength(head)
        let contentType = head.headers["content-type"]
        switch contentType.map(mediaType) {
        case "application/json":
            return .json
        case "application/octet-stream":
            guard let jsonLength else {
                throw .badRequest(
                    "a binary body (application/octet-stream) needs the header Inference-Header-Content-Length: <bytes of its JSON part>"
                )
            }
            return .binary(jsonLength: jsonLength)
        default:
            throw .unsupportedMediaType(contentType)
        }
    }

    /// The media type of a Content-Type value, lower-cased: its first non-empty `;`-separated
    /// part without surrounding spaces. Read from the bytes when they are ASCII (every header a
    /// client sends in practice): one small string, where splitting and lower-casing a `String`
    /// cost more than the rest of routing a request. Other values take the `String` way, which
    /// the ASCII one equals wherever both apply (`Character`s are bytes there).
    static func mediaType(_ value: String) -> String {
        var text = value
        return text.withUTF8 { bytes -> String in
            guard bytes.allSatisfy({ $0 < 0x80 }) else {
                return String(value.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? "")
            }
            let semicolon = UInt8(ascii: ";")
            var start = 0
            while start < bytes.count && bytes[start] == semicolon { start += 1 }  // empty parts are skipped
            var end = start
            while end < bytes.count && bytes[end] != semicolon { end += 1 }
            while start < end && bytes[start] == UInt8(ascii: " ") { start += 1 }
            while end > start && bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
            return String(unsafeUninitializedCapacity: end - start) { out in
                for i in start..<end { out[i - start] = bytes[i] &- 0x41 < 26 ? bytes[i] | 0x20 : bytes[i] }
                return end - start
            }
        }
    }

    /// The length header's value, nil when absent, refused when not a non-negative integer
    /// (every front end reads it here).
    static func jsonLength(_ head: RequestHead) throws(Problem) -> Int? {
        guard let given = head.headers[jsonLengthHeader] else { return nil }
        guard let n = Int(given), n >= 0 else {
            throw .badRequest("Inference-Header-Content-Length must be a non-negative integer, got \"\(given)\"")
        }
        return n
    }

    /// Why a body cannot hold the JSON part its header declares.
    static func pastTheBody(_ jsonLength: Int, _ bodyBytes: Int) -> String {
        "Inference-Header-Content-Length is \(jsonLength) but the body has \(bodyBytes) bytes"
    }

    /// Where the raw tensors start, for the server to place on a 64-byte boundary so they can be
    /// used in place.
    var tensorOffset: Int {
        if case .binary(let jsonLength) = self { return jsonLength }
        return 0
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
