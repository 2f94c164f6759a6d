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
        let given = head.headers[jsonLengthHeader]
        let jsonLength = given.flatMap { Int($0) }
        if given != nil, (jsonLength ?? -1) < 0 {
            throw .badRequest("Inference-Header-Content-Length must be a non-negative integer, got \"\(given ?? "")\"")
        }
        let contentType = head.headers["content-type"]
        switch contentType?.split(separator: ";").first.map({ $0.trimmingSpaces.lowercased() }) {
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
