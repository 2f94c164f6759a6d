import HTTPServer

/// How a front end writes a `Problem` as an HTTP answer: `/v1` and the service's own routes as
/// RFC 9457 problem+json, `/v2` as the protocol's `{"error": "..."}`. Both keep the status and
/// the headers (Allow, Retry-After, WWW-Authenticate); `GradientHandler.render` logs the 5xx.
enum ErrorRenderer: Sendable {
    case problemJSON
    case v2

    /// The form for a path: the protocol's under `/v2`, even for a path it does not have.
    init(path: String) { self = V2Route.owns(path) ? .v2 : .problemJSON }

    func response(for problem: Problem) -> Response {
        switch self {
        case .problemJSON:
            Response(
                status: problem.status,
                contentType: "application/problem+json",
                body: problem.json,
                headers: problem.headers
            )
        case .v2:
            V2Answer.error(problem)
        }
    }
}
