import Dispatch

/// A request method. The common ones are cases; anything else keeps its text.
public enum HTTPMethod: Sendable, Hashable, CustomStringConvertible {
    case get, head, post, put, delete, patch, options
    case other(String)

    public init(_ text: String) {
        switch text {
        case "GET": self = .get
        case "HEAD": self = .head
        case "POST": self = .post
        case "PUT": self = .put
        case "DELETE": self = .delete
        case "PATCH": self = .patch
        case "OPTIONS": self = .options
        default: self = .other(text)
        }
    }

    /// The method as it appears on the request line.
    public var name: String {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .patch: "PATCH"
        case .options: "OPTIONS"
        case .other(let text): text
        }
    }

    public var description: String { name }
}

/// A request's header fields in arrival order, names lower-cased; a repeated field keeps every value.
public struct HTTPHeaders: Sendable, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { append(name: name, value: value) }
    }

    /// Adds a field; `name` is stored lower-cased.
    public mutating func append(name: String, value: String) { fields.append((asciiLowercased(name), value)) }

    /// Adds a field whose name the caller has lower-cased already (the server's header reader).
    mutating func append(lowercasedName name: String, value: String) { fields.append((name, value)) }

    /// Every value of the field `name` (in any case), in arrival order.
    public func values(_ name: String) -> [String] {
        let key = asciiLowercased(name)
        return fields.filter { $0.name == key }.map(\.value)
    }

    /// The field's value, the last one when it was sent more than once (a singleton field sent
    /// twice is a client error; the last one wins, as most servers do).
    public subscript(name: String) -> String? {
        let key = asciiLowercased(name)
        return fields.last { $0.name == key }?.value
    }
}

/// `name` with ASCII letters lower-cased (header names are ASCII tokens: no Unicode case mapping).
func asciiLowercased(_ name: String) -> String {
    guard name.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return name }
    return asciiLowercased(bytes: name.utf8)
}

/// `bytes` as a string with ASCII letters lower-cased, written straight into its storage (one
/// allocation, also for the header names the server reads from microhttpd's C strings).
func asciiLowercased<Bytes: Collection<UInt8>>(bytes: Bytes) -> String {
    String(unsafeUninitializedCapacity: bytes.count) { buffer in
        for (i, c) in bytes.enumerated() { buffer[i] = c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
        return bytes.count
    }
}

/// What the server knows of a request before its body: enough to route it or refuse it early.
public struct RequestHead: Sendable {
    public var method: HTTPMethod
    /// The path without the query string, e.g. `/v1/gradients`.
    public var path: String
    public var headers: HTTPHeaders
    /// The client's `X-Request-ID` when it is short printable ASCII, else one made here;
    /// echoed on the response and meant for log lines.
    public var requestID: String

    public init(method: HTTPMethod, path: String, headers: HTTPHeaders = HTTPHeaders()) {
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
}

/// A whole request, handed to the handler to own.
public struct Request: Sendable {
    public var head: RequestHead
    /// The body's bytes, valid while this object is held: a handler that keeps views into them
    /// (tensors used in place) holds it; one that copies what it needs lets go of it, and a large
    /// body is then freed before long work rather than after the response.
    public var body: RequestBody
    /// What the handler decided about this request from its head (`Accepted.context`).
    public var context: (any Sendable)?
    /// When the handler should give up (`requestTimeout` after the head arrived).
    public var deadline: DispatchTime
    /// When the request was queued for a worker (nil when it runs inline): its wait is the
    /// difference to when the handler starts.
    public var queuedAt: DispatchTime? = nil
    /// The server's state, for readiness answers and metrics.
    public var server: any ServerStatus
}

/// What a handler may ask of the server serving it.
public protocol ServerStatus: AnyObject, Sendable {
    /// Stopping: new work is refused.
    var isDraining: Bool { get }
    /// A new request would be refused for lack of room.
    var isSaturated: Bool { get }
    /// Jobs waiting for a worker.
    var queueDepth: Int { get }
    /// Workers running a job.
    var busyWorkers: Int { get }
    var workerCount: Int { get }
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
    /// What the handler wants back in `didRespond` with this response (say, a trace's timings);
    /// never sent.
    public var annotation: (any Sendable)? = nil

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
    case inline(Accepted)
    /// Run `handle` on the worker pool once the body is in.
    case worker(Accepted)
}

/// How to receive an accepted request, and what the handler wants back with it.
public struct Accepted: Sendable {
    /// The handler's own decision about the request (its route, its body's format), handed back
    /// in `Request.context` so nothing is decided twice.
    public var context: (any Sendable)?
    /// A body offset to place on a 64-byte boundary (e.g. where a binary body's raw tensors
    /// begin, so they can be used in place); 0 places the body's start there.
    public var alignedBodyOffset: Int

    public init(context: (any Sendable)? = nil, alignedBodyOffset: Int = 0) {
        self.context = context
        self.alignedBodyOffset = alignedBodyOffset
    }
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
    /// Produces the response, on a worker (or inline for `.inline`). The handler owns the request.
    func handle(_ request: consuming Request) -> Response
    /// The response for a request the server refused.
    func response(for rejection: Rejection, head: RequestHead) -> Response
    /// Called once per response queued, on the I/O thread (access logs, metrics).
    func didRespond(to head: RequestHead, with response: Response, bodyBytes: Int, seconds: Double)
}

extension HTTPHandler {
    public func didRespond(to head: RequestHead, with response: Response, bodyBytes: Int, seconds: Double) {}
}

/// Bytes to send that stay where they are (an array of plain values, or memory an owner object
/// keeps), held until the response has been sent.
public struct BodyChunk: @unchecked Sendable {
    private let owner: AnyObject
    /// Valid while this chunk (or a copy) lives: it points into `owner`'s memory, which is never
    /// mutated.
    let bytes: UnsafeRawBufferPointer
    public var count: Int { bytes.count }

    /// `bytes`, which `owner` keeps valid and unchanged for as long as it is held.
    public init(bytes: UnsafeRawBufferPointer, owner: AnyObject) {
        self.owner = owner
        self.bytes = bytes
    }
}
