import Dispatch

/// What the server knows of a request before its body: enough to route it or refuse it early.
public struct RequestHead: Sendable {
    public var method: String
    /// The path without the query string, e.g. `/v1/gradients`.
    public var path: String
    /// Header fields, names lower-cased. A repeated header keeps its last value.
    public var headers: [String: String]
    /// The client's `X-Request-ID` when it is short printable ASCII, else one made here;
    /// echoed on the response and meant for log lines.
    public var requestID: String

    public init(method: String, path: String, headers: [String: String] = [:]) {
        self.method = method
        self.path = path
        self.headers = headers
        if let given = headers["x-request-id"], (1...128).contains(given.utf8.count),
            given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            requestID = given
        } else {
            requestID = RequestHead.makeID()
        }
    }

    /// 16 random hex digits.
    static func makeID() -> String {
        let v = UInt64.random(in: .min ... .max)
        let hex = String(v, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public subscript(header name: String) -> String? { headers[name.lowercased()] }
}

/// A whole request: its head and its body bytes.
public struct Request: @unchecked Sendable {
    public var head: RequestHead
    /// Valid only while the handler runs; the server frees it after the response is queued.
    public var body: UnsafeRawBufferPointer
    /// When the handler should give up (`requestTimeout` after the head arrived).
    public var deadline: DispatchTime

    /// Whether the deadline has passed; handlers poll it between steps of long work.
    public var isExpired: Bool { DispatchTime.now() > deadline }
}

/// A response, its body already encoded.
public struct Response: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// More bytes sent right after `body` (e.g. binary tensors after a JSON part), joined only
    /// when the response is handed to microhttpd, so they are never concatenated twice.
    public var tail: [UInt8] = []
    /// `body` and `tail` together.
    public var byteCount: Int { body.count + tail.count }
    /// Close the connection after this response (e.g. while draining).
    public var closeConnection = false

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        self.init(status: status, headers: [("Content-Type", contentType)] + headers, body: body)
    }
}

/// What to do with a request once its head is known.
public enum Disposition: Sendable {
    /// Answer this without running the handler (404, 405, 415, 401 …); any body is read and dropped.
    case respond(Response)
    /// Cheap: run `handle` on the I/O thread once the body is in (health checks, metrics).
    case inline
    /// Run `handle` on the worker pool once the body is in.
    case worker
}

/// Why the server itself refused a request; the handler renders the answer.
public enum Rejection: Sendable, Equatable {
    /// Body larger than `maxBodyBytes` (declared or received).
    case bodyTooLarge(limit: Int)
    /// Every worker busy and the queue full.
    case overloaded
    /// Shutting down.
    case draining
}

/// Everything the server needs from the application. Called from microhttpd's threads and
/// from workers at once, so it must be `Sendable`.
public protocol HTTPHandler: Sendable {
    /// Routes on the head alone, on the I/O thread: keep it cheap.
    func disposition(for head: RequestHead) -> Disposition
    /// Produces the response, on a worker (or inline for `.inline`).
    func handle(_ request: Request) -> Response
    /// The response for a request the server refused.
    func response(for rejection: Rejection, head: RequestHead) -> Response
    /// Called once per response queued, on the I/O thread (access logs, metrics).
    func didRespond(to head: RequestHead, with response: Response, bodyBytes: Int, seconds: Double)
}

extension HTTPHandler {
    public func didRespond(to head: RequestHead, with response: Response, bodyBytes: Int, seconds: Double) {}
}
