#if canImport(Glibc)
import Glibc
#endif

/// `backprop-server --healthcheck`: GET /healthz on the configured port and succeed on 200.
/// Lets the Docker HEALTHCHECK run without curl in the image.
enum HealthProbe {
    /// nil when the server answered 200, else why not (printed by the executable).
    static func run(host: String, port: Int) -> String? {
        // A server bound to every interface answers on loopback.
        let target = host == "0.0.0.0" || host == "::" || host.isEmpty ? "127.0.0.1" : host
        let v6 = target.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return "cannot open a socket: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected: Bool
        if v6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = UInt16(port).bigEndian
            guard inet_pton(AF_INET6, target, &addr.sin6_addr) == 1 else { return "\(target) is not a numeric address" }
            connected = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
                }
            }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = UInt16(port).bigEndian
            guard inet_pton(AF_INET, target, &addr.sin_addr) == 1 else { return "\(target) is not a numeric address" }
            connected = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        }
        let place = v6 ? "[\(target)]:\(port)" : "\(target):\(port)"
        guard connected else { return "cannot connect to \(place): \(String(cString: strerror(errno)))" }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ write(fd, $0.baseAddress!, $0.count) }) == request.count else {
            return "cannot send to \(place): \(String(cString: strerror(errno)))"
        }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 64) }
        guard n >= 12 else { return "no HTTP answer from \(place) within 2 s" }
        let text = String(decoding: buffer[0..<n], as: UTF8.self)
        if text.hasPrefix("HTTP/1.1 200") { return nil }
        return "\(place)/healthz answered \(text.split(separator: "\r", maxSplits: 1).first ?? "")"
    }
}
