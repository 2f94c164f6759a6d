/// Where a path leads, decided from the path alone; the method and headers are looked at by
/// `GradientHandler.disposition`.
enum Route: Sendable, Equatable {
    /// `/v1/*`: one computation, its body in JSON or binary.
    case v1(Operation)
    case livez, readyz, openapi, metrics
    /// The page at `/` and its files, and what the page asks first (`/ui/config.json`).
    case page(Page)
    case pageConfiguration
    /// The Open Inference Protocol (KServe v2 REST).
    case v2(V2Route)

    init?(path: String) {
        switch path {
        case "/v1/gradients": self = .v1(.gradients)
        case "/v1/forward": self = .v1(.forward)
        case "/v1/gradcheck": self = .v1(.gradcheck)
        case "/livez", "/healthz": self = .livez
        case "/readyz": self = .readyz
        case "/openapi.yaml": self = .openapi
        case "/metrics": self = .metrics
        case "/ui/config.json": self = .pageConfiguration
        default:
            if V2Route.owns(path) {
                guard let route = V2Route(path: path) else { return nil }
                self = .v2(route)
            } else {
                guard let page = Page(path: path) else { return nil }
                self = .page(page)
            }
        }
    }

    /// The pattern `path` matches, as `patterns` writes it (a span's `http.route`); nil when no
    /// route has it.
    static func pattern(of path: String) -> String? { Route(path: path)?.pattern(for: path) }

    /// The pattern of this route, which `path` led to.
    func pattern(for path: String) -> String {
        switch self {
        case .v2(let route): route.pattern
        case .page(let page) where page.path.hasPrefix("/ui/js/"): Page.modulePattern
        default: path
        }
    }

    /// Every path this server answers, as `openapi.yaml` writes them (a test holds the two equal).
    static let patterns =
        ["/v1/gradients", "/v1/forward", "/v1/gradcheck", "/livez", "/healthz", "/readyz", "/openapi.yaml", "/metrics"]
        + ["/", Page.modulePattern, "/ui/app.css", "/ui/icon.svg", "/ui/config.json"] + V2Route.patterns
}

/// A computation accepted from its head, handed to a worker with what the head said.
enum Call: Sendable {
    case v1(Operation, BodyFormat)
    /// `jsonLength`: the JSON part's length when the body is binary.
    case v2(model: String, Operation, jsonLength: Int?)

    /// The body's form, for a span: `json` or `binary`.
    var bodyFormat: String {
        switch self {
        case .v1(_, .json), .v2(_, _, nil): "json"
        case .v1(_, .binary), .v2(_, _, .some): "binary"
        }
    }
}

/// A route answered on the I/O thread, as accepted from its head.
enum Inline: Sendable {
    case livez, readyz, openapi, metrics
    case page(Page)
    case pageConfiguration
    case v2(V2Metadata)
}

/// The `/v2` routes answered inline: health, and server and model metadata.
enum V2Metadata: Sendable {
    case live, ready, server
    case model(String)
    case modelReady(String)
}

extension Inline {
    /// The inline answer `route` gets; nil for a computation, which goes to a worker as a `Call`.
    init?(_ route: Route) {
        switch route {
        case .v1: return nil
        case .livez: self = .livez
        case .readyz: self = .readyz
        case .openapi: self = .openapi
        case .metrics: self = .metrics
        case .page(let page): self = .page(page)
        case .pageConfiguration: self = .pageConfiguration
        case .v2(let v2):
            guard let metadata = V2Metadata(v2) else { return nil }
            self = .v2(metadata)
        }
    }
}

extension V2Metadata {
    /// The metadata or health `route` asks for; nil for `infer`.
    init?(_ route: V2Route) {
        switch route {
        case .live: self = .live
        case .ready: self = .ready
        case .server: self = .server
        case .model(let model): self = .model(model)
        case .modelReady(let model): self = .modelReady(model)
        case .infer: return nil
        }
    }
}
