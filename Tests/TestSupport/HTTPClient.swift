#if canImport(Glibc)
import Glibc
#endif

/// A small blocking HTTP/1.1 client over a real TCP socket, for end-to-end tests against the
/// real server: it sends exactly the bytes given (so tests can also send malformed or slow requests).
public final class HTTPClient {
    public struct Reply: Sendable {
        public var status: Int
        /// Header names lower-cased.
        public var headers: [String: String]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public enum Failure: Error {
        case connect(Int32)
        case io(String)
        case closed
    }

    private let fd: Int32

    public init(port: UInt16, host: String = "127.0.0.1", timeoutSeconds: Int = 30) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect(errno) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw Failure.connect(e)
        }
    }

    deinit { close(fd) }

    /// Sends raw bytes.
    public func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a peer that closed must be an error here, not a SIGPIPE that kills the tests.
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { throw Failure.io("write failed: \(errno)") }
            sent += n
        }
    }

    /// One request on this connection (keep-alive), returning the parsed reply.
    public func request(
        _ method: String,
        _ path: String,
        body: [UInt8] = [],
        headers: [(String, String)] = []
    ) throws -> Reply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try send(Array(head.utf8) + body)
        return try readReply(headRequest: method == "HEAD")
    }

    public func post(_ path: String, json: String, headers: [(String, String)] = []) throws -> Reply {
        try request("POST", path, body: Array(json.utf8), headers: [("Content-Type", "application/json")] + headers)
    }

    private var buffer: [UInt8] = []

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 65536) }
        if n == 0 { throw Failure.closed }
        guard n > 0 else { throw Failure.io("read failed: \(errno)") }
        buffer += chunk[0..<n]
    }

    /// Reads one reply (Content-Length bodies; microhttpd always sends one for buffer responses).
    public func readReply(headRequest: Bool = false) throws -> Reply {
        let separator: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        while end == nil {
            if buffer.count >= 4 {
                for i in 0...(buffer.count - 4) where Array(buffer[i..<(i + 4)]) == separator {
                    end = i
                    break
                }
            }
            if end == nil { try fill() }
        }
        let headText = String(decoding: buffer[0..<end!], as: UTF8.self)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        let status = Int(statusLine[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: " ")
        }
        buffer.removeFirst(end! + 4)
        let length = headRequest ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < length { try fill() }
        let body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return Reply(status: status, headers: headers, body: body)
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
