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

    /// 16 random hex digits, written straight into the string's storage.
    static func makeID() -> String {
        var v = UInt64.random(in: .min ... .max)
        return String(unsafeUninitializedCapacity: 16) { buffer in
            let digits: StaticString = "0123456789abcdef"
            for i in stride(from: 15, through: 0, by: -1) {
                buffer[i] = digits.utf8Start[Int(v & 15)]
                v >>= 4
            }
            return 16
        }
    }

    /// The header's value; `name` in any case (the service's own lookups pass it lower-cased,
    /// which skips lower-casing on every request).
    public subscript(header name: String) -> String? { headers[name] ?? headers[name.lowercased()] }
}

/// A whole request: its head and its body bytes.
public struct Request: @unchecked Sendable {
    public var head: RequestHead
    /// Valid only while the handler runs; the server frees it after the response is queued.
    public var body: UnsafeRawBufferPointer
    /// When the handler should give up (`requestTimeout` after the head arrived).
    public var deadline: DispatchTime
    /// A hold on `body`'s bytes: while the returned object is held they stay valid, even after
    /// `releaseBody` and after the response, for a handler that keeps views into the body
    /// (tensors used in place) instead of copying. Take it only where such views are made, so a
    /// handler that makes none lets the bytes go at `releaseBody`. Nil once released.
    public var holdBody: @Sendable () -> AnyObject? = { nil }
    /// Lets go of `body` at once, for a handler done reading it (e.g. decoded into its own
    /// buffers) before long work, so a large request's bytes are not held while it computes;
    /// they stay valid only through holds taken with `holdBody`. Doing nothing is always fine: the server lets
    /// go of it with the exchange.
    public var releaseBody: @Sendable () -> Void = {}

    /// Whether the deadline has passed; handlers poll it between steps of long work.
    public var isExpired: Bool { DispatchTime.now() > deadline }
}

/// A response, its body already encoded.
public struct Response: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// More bytes sent right after `body` (e.g. binary tensors after a JSON part), each from its
    /// own array: microhttpd sends body and chunks as one I/O vector list, nothing is joined.
    public var tail: [BodyChunk] = []
    /// `body` and `tail` together.
    public var byteCount: Int { tail.reduce(body.count) { $0 + $1.count } }
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
    /// A body offset to place on a 64-byte boundary (e.g. where a binary body's raw tensors
    /// begin, so they can be used in place); 0 by default. Called on the I/O thread with the head.
    func alignedBodyOffset(for head: RequestHead) -> Int
    /// Produces the response, on a worker (or inline for `.inline`).
    func handle(_ request: Request) -> Response
    /// The response for a request the server refused.
    func response(for rejection: Rejection, head: RequestHead) -> Response
    /// Called once per response queued, on the I/O thread (access logs, metrics).
    func didRespond(to head: RequestHead, with response: Response, bodyBytes: Int, seconds: Double)
}

extension HTTPHandler {
    public func alignedBodyOffset(for head: RequestHead) -> Int { 0 }
    public func didRespond(to head: RequestHead, with response: Response, bodyBytes: Int, seconds: Double) {}
}

/// Bytes to send that stay where they are (an array of plain values, or memory an owner object
/// keeps), held until the response has been sent.
public struct BodyChunk: @unchecked Sendable {
    private let owner: AnyObject
    /// Valid while this chunk (or a copy) lives: it points into `owner`'s array, which is never
    /// mutated.
    let bytes: UnsafeRawBufferPointer
    public var count: Int { bytes.count }

    public init<T: BitwiseCopyable & Sendable>(_ values: [T]) {
        let box = ArrayBox(values)
        owner = box
        bytes = box.bytes
    }

    /// `bytes`, which `owner` keeps valid and unchanged for as long as it is held.
    public init(bytes: UnsafeRawBufferPointer, owner: AnyObject) {
        self.owner = owner
        self.bytes = bytes
    }
}

/// Keeps an array alive and unmodified, so a pointer into its storage stays valid.
private final class ArrayBox<T: BitwiseCopyable> {
    let values: [T]
    let bytes: UnsafeRawBufferPointer

    init(_ values: [T]) {
        self.values = values
        // An immutable array held by this box keeps its storage where it is.
        bytes = values.withUnsafeBytes { $0 }
    }
}
