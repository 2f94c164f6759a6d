import WireFormat

/// An RFC 9457 problem detail: what every error answer carries, as `application/problem+json`.
public struct Problem: Error, Sendable, Equatable {
    public var status: Int
    /// A short slug naming the kind of problem; becomes the `type` URI.
    public var kind: String
    public var title: String
    public var detail: String
    /// The JSON Pointer of the field at fault, when there is one.
    public var pointer: String?
    /// Where a body that is not JSON stopped being JSON: the 1-based line and column (in bytes)
    /// and the 0-based byte offset, also written into `detail` for people; members of their own
    /// so that a client (the page's editor) finds the place without reading the sentence.
    public var position: Position?
    /// Extra response headers (`Allow`, `Retry-After`, `WWW-Authenticate`).
    public var headers: [(String, String)] = []

    public init(
        status: Int,
        kind: String,
        title: String,
        detail: String,
        pointer: String? = nil,
        headers: [(String, String)] = []
    ) {
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.pointer = pointer
        self.headers = headers
    }

    /// A place in the body, for `malformed-json`.
    public struct Position: Sendable, Equatable {
        public var line: Int
        public var column: Int
        public var offset: Int

        public init(line: Int, column: Int, offset: Int) {
            self.line = line
            self.column = column
            self.offset = offset
        }
    }

    public static func == (a: Problem, b: Problem) -> Bool {
        a.status == b.status && a.kind == b.kind && a.detail == b.detail && a.pointer == b.pointer
            && a.position == b.position
    }

    /// The `type` member: a URI under the project's problem namespace.
    public var type: String { "https://backprop-server.dev/problems/\(kind)" }

    public var json: [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.beginObject()
        w.key("type")
        w.string(type)
        w.key("title")
        w.string(title)
        w.key("status")
        w.integer(status)
        w.key("detail")
        w.string(detail)
        if let pointer {
            w.key("pointer")
            w.string(pointer)
        }
        if let position {
            w.key("line")
            w.integer(position.line)
            w.key("column")
            w.integer(position.column)
            w.key("offset")
            w.integer(position.offset)
        }
        w.endObject()
        return w.bytes
    }
}

extension Problem {
    static func malformed(_ detail: String) -> Problem {
        Problem(status: 400, kind: "malformed-json", title: "Malformed JSON", detail: detail)
    }
    /// A body that cannot be read for a reason other than its JSON: a binary body's framing.
    static func badRequest(_ detail: String) -> Problem {
        Problem(status: 400, kind: "bad-request", title: "Bad request", detail: detail)
    }
    static func invalid(_ pointer: JSONPointer, _ detail: String) -> Problem {
        Problem(
            status: 422,
            kind: "invalid-request",
            title: "Unprocessable request",
            detail: detail,
            pointer: pointer.description
        )
    }
    static func tooLarge(_ pointer: JSONPointer?, _ detail: String) -> Problem {
        Problem(
            status: 413,
            kind: "too-large",
            title: "Request too large",
            detail: detail,
            pointer: pointer?.description
        )
    }
    static func notFound(_ path: String) -> Problem {
        Problem(status: 404, kind: "not-found", title: "Not found", detail: "no route for \(path)")
    }
    static func methodNotAllowed(_ method: String, allow: String) -> Problem {
        Problem(
            status: 405,
            kind: "method-not-allowed",
            title: "Method not allowed",
            detail: "\(method) is not allowed here; allowed: \(allow)",
            headers: [("Allow", allow)]
        )
    }
    static func unsupportedMediaType(_ got: String?) -> Problem {
        Problem(
            status: 415,
            kind: "unsupported-media-type",
            title: "Unsupported media type",
            detail: "Content-Type must be application/json (or application/octet-stream for binary tensors); got "
                + (got.map { "\"\($0)\"" } ?? "none")
        )
    }
    static func unauthorized(_ detail: String) -> Problem {
        Problem(
            status: 401,
            kind: "unauthorized",
            title: "Unauthorized",
            detail: detail,
            headers: [("WWW-Authenticate", "Bearer realm=\"backprop-server\"")]
        )
    }
    static func unavailable(_ detail: String, retryAfter: Int) -> Problem {
        Problem(
            status: 503,
            kind: "unavailable",
            title: "Service unavailable",
            detail: detail,
            headers: [("Retry-After", String(retryAfter))]
        )
    }
    /// The compute deadline passed; 503 (the contract allows no other 5xx). Retrying the same
    /// request will time out again unless the server is less loaded.
    static func timedOut(retryAfter: Int) -> Problem {
        Problem(
            status: 503,
            kind: "timeout",
            title: "Request timed out",
            detail: "the request took longer than the server's --request-timeout; send less work per request",
            headers: [("Retry-After", String(retryAfter))]
        )
    }
    static func internalError() -> Problem {
        Problem(
            status: 500,
            kind: "internal",
            title: "Internal error",
            detail: "the server failed to compute an answer"
        )
    }

    /// A fault reading `bytes`; a malformed one says where, by line and column.
    init(_ error: WireError, in bytes: UnsafeRawBufferPointer) {
        if case .malformed(let offset, let reason) = error {
            let (line, column) = JSONParser.location(of: offset, in: bytes)
            self = .malformed("\(reason) at line \(line), column \(column) (byte \(offset))")
            position = Position(line: line, column: column, offset: offset)
        } else {
            self.init(error)
        }
    }

    init(_ error: WireError) {
        switch error {
        case .malformed(let offset, let reason): self = .malformed("\(reason) at byte \(offset)")
        case .invalid(let pointer, let detail): self = .invalid(pointer, detail)
        case .tooLarge(let pointer, let detail): self = .tooLarge(pointer, detail)
        case .badBody(let detail): self = .badRequest(detail)
        }
    }
}
