/// Why the server could not start.
public enum ServerError: Error, Equatable, CustomStringConvertible {
    case startFailed(String)
    case tlsUnsupported

    public var description: String {
        switch self {
        case .startFailed(let why): "could not start the HTTP server: \(why)"
        case .tlsUnsupported: "this libmicrohttpd was built without TLS support"
        }
    }
}
