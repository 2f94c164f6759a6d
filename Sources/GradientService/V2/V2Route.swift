/// The Open Inference Protocol's paths (KServe v2 REST, as Triton serves it): health, server and
/// model metadata, and `infer`. A model's name may be followed by `/versions/1`.
enum V2Route: Sendable, Equatable {
    case live, ready, server
    case model(String)
    case modelReady(String)
    case infer(String)

    /// The models, by the name clients use in paths, in the order messages list them.
    static let models: [(name: String, operation: Operation)] = [
        ("gradients", .gradients), ("forward", .forward), ("gradcheck", .gradcheck),
    ]
    /// The one version every model has.
    static let version = "1"

    /// Whether `path` is in the protocol's namespace (`/v2` and below), answered in its forms.
    static func owns(_ path: String) -> Bool { path == "/v2" || path.hasPrefix("/v2/") }

    static func operation(of model: String) -> Operation? { models.first { $0.name == model }?.operation }

    /// The route of a `/v2` path; nil for paths the protocol does not have (another version too).
    init?(path: String) {
        switch path {
        case "/v2": self = .server
        case "/v2/health/live": self = .live
        case "/v2/health/ready": self = .ready
        default:
            guard path.hasPrefix("/v2/models/") else { return nil }
            var parts = path.dropFirst("/v2/models/".count).split(separator: "/", omittingEmptySubsequences: false)
            guard let model = parts.first.map(String.init), !model.isEmpty else { return nil }
            parts.removeFirst()
            if parts.count >= 2 && parts[0] == "versions" {
                guard parts[1] == Self.version else { return nil }
                parts.removeFirst(2)
            }
            switch parts {
            case []: self = .model(model)
            case ["ready"]: self = .modelReady(model)
            case ["infer"]: self = .infer(model)
            default: return nil
            }
        }
    }

    /// The route's pattern: the metrics label (model names in paths are the client's choice) and
    /// the path in `openapi.yaml`.
    var pattern: String {
        switch self {
        case .live: "/v2/health/live"
        case .ready: "/v2/health/ready"
        case .server: "/v2"
        case .model: "/v2/models/{model}"
        case .modelReady: "/v2/models/{model}/ready"
        case .infer: "/v2/models/{model}/infer"
        }
    }

    /// Every pattern, for the spec check.
    static let patterns = [
        "/v2/health/live", "/v2/health/ready", "/v2", "/v2/models/{model}", "/v2/models/{model}/ready",
        "/v2/models/{model}/infer",
    ]
}
