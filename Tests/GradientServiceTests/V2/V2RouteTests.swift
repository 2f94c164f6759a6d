import Testing

@testable import GradientService

/// The Open Inference Protocol's paths: each route, `/versions/1` as an alias, and the paths it
/// does not have.
@Suite("V2Route")
struct V2RouteTests {
    static let routes: [(String, V2Route)] = [
        ("/v2", .server),
        ("/v2/health/live", .live),
        ("/v2/health/ready", .ready),
        ("/v2/models/gradients", .model("gradients")),
        ("/v2/models/gradients/ready", .modelReady("gradients")),
        ("/v2/models/gradients/infer", .infer("gradients")),
        ("/v2/models/forward/versions/1", .model("forward")),
        ("/v2/models/forward/versions/1/ready", .modelReady("forward")),
        ("/v2/models/gradcheck/versions/1/infer", .infer("gradcheck")),
        // The route keeps any model name; whether the model exists is the handler's question.
        ("/v2/models/other/infer", .infer("other")),
        ("/v2/models/versions", .model("versions")),
    ]

    @Test("each path leads to its route", arguments: routes)
    func route(path: String, expected: V2Route) {
        #expect(V2Route(path: path) == expected)
    }

    @Test(
        "another version than 1 leads nowhere",
        arguments: [
            "/v2/models/gradients/versions/2", "/v2/models/gradients/versions/2/infer",
            "/v2/models/gradients/versions/01/infer", "/v2/models/gradients/versions//infer",
            "/v2/models/gradients/versions/1/versions/1/infer", "/v2/models/gradients/versions",
        ]
    )
    func otherVersion(_ path: String) {
        #expect(V2Route(path: path) == nil)
    }

    @Test(
        "trailing parts and empty names lead nowhere",
        arguments: [
            "/v2/", "/v2/health", "/v2/health/live/", "/v2/health/ready/x", "/v2/models", "/v2/models/",
            "/v2/models//infer", "/v2/models/gradients/", "/v2/models/gradients/infer/", "/v2/models/gradients/infer/x",
            "/v2/models/gradients/ready/x", "/v2/models/gradients/versions/1/", "/v2/models/gradients/metadata",
        ]
    )
    func trailing(_ path: String) {
        #expect(V2Route(path: path) == nil)
    }

    @Test("a model's routes are labelled by pattern, never by the model's name", arguments: V2Route.models.map(\.name))
    func patternsHideTheModel(_ model: String) {
        for route in [V2Route.model(model), .modelReady(model), .infer(model)] {
            #expect(!route.pattern.contains(model), "\(route)")
            #expect(V2Route.patterns.contains(route.pattern))
            #expect(V2Route(path: route.pattern)?.pattern == route.pattern)
        }
        #expect(V2Route(path: "/v2/models/\(model)/versions/1/infer")?.pattern == "/v2/models/{model}/infer")
    }

    @Test("every pattern is one route's")
    func patterns() {
        let all: [V2Route] = [.live, .ready, .server, .model("m"), .modelReady("m"), .infer("m")]
        #expect(all.map(\.pattern) == V2Route.patterns)
    }

    @Test("the protocol owns /v2 and what is under it, nothing else")
    func owns() {
        #expect(V2Route.owns("/v2"))
        #expect(V2Route.owns("/v2/"))
        #expect(V2Route.owns("/v2/anything"))
        #expect(!V2Route.owns("/v2x"))
        #expect(!V2Route.owns("/v1/gradients"))
        #expect(!V2Route.owns("/"))
    }

    @Test("each model name is its operation; other names are none")
    func operations() {
        #expect(V2Route.operation(of: "gradients") == .gradients)
        #expect(V2Route.operation(of: "forward") == .forward)
        #expect(V2Route.operation(of: "gradcheck") == .gradcheck)
        #expect(V2Route.operation(of: "Gradients") == nil)
        #expect(V2Route.operation(of: "") == nil)
    }
}
