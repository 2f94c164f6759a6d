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

    /// Every path this server answers, as `openapi.yaml` writes them (a test holds the two equal).
    static let patterns =
        ["/v1/gradients", "/v1/forward", "/v1/gradcheck", "/livez", "/healthz", "/readyz", "/openapi.yaml", "/metrics"]
        + ["/", "/ui/app.js", "/ui/app.css", "/ui/icon.svg", "/ui/config.json"] + V2Route.patterns
}

/// A computation accepted from its head, handed to a worker with what the head said.
enum Call: Sendable {
    case v1(Operation, BodyFormat)
    /// `jsonLength`: the JSON part's length when the body is binary.
    case v2(model: String, Operation, jsonLength: Int?)
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
