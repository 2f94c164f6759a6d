import Foundation
import Testing

@testable import GradientService

/// Paths to routes, decided from the path alone; and the server's routes held equal to the paths
/// `openapi.yaml` documents (this replaced scripts/check_spec.py's own list).
@Suite("Router")
struct RouterTests {
    static let routes: [(String, Route)] = [
        ("/v1/gradients", .v1(.gradients)),
        ("/v1/forward", .v1(.forward)),
        ("/v1/gradcheck", .v1(.gradcheck)),
        ("/livez", .livez),
        ("/healthz", .livez),
        ("/readyz", .readyz),
        ("/openapi.yaml", .openapi),
        ("/metrics", .metrics),
        ("/", .page(.index)),
        ("/ui/js/main.js", .page(Page.modules[0])),
        ("/ui/js/view-steps.js", .page(try! #require(Page.modules.first { $0.path.hasSuffix("/view-steps.js") }))),
        ("/ui/app.css", .page(.style)),
        ("/ui/icon.svg", .page(.icon)),
        ("/ui/config.json", .pageConfiguration),
        ("/v2", .v2(.server)),
        ("/v2/health/live", .v2(.live)),
        ("/v2/health/ready", .v2(.ready)),
        // The patterns themselves route, with the placeholder as the model's name.
        ("/v2/models/{model}", .v2(.model("{model}"))),
        ("/v2/models/{model}/ready", .v2(.modelReady("{model}"))),
        ("/v2/models/{model}/infer", .v2(.infer("{model}"))),
        ("/v2/models/gradients/infer", .v2(.infer("gradients"))),
        ("/v2/models/forward/versions/1/ready", .v2(.modelReady("forward"))),
    ]

    @Test("each path leads to its route", arguments: routes)
    func route(path: String, expected: Route) {
        #expect(Route(path: path) == expected)
    }

    @Test("every pattern routes, and is listed once", arguments: Route.patterns)
    func patternRoutes(_ pattern: String) throws {
        #expect(Route.patterns.filter { $0 == pattern }.count == 1)
        if pattern == Page.modulePattern {
            // The page's modules: each one routes to itself, and the placeholder to none.
            for module in Page.modules { #expect(Route(path: module.path) == .page(module)) }
            #expect(Route(path: pattern) == nil)
            return
        }
        let route = try #require(Route(path: pattern))
        if case .v2(let v2) = route { #expect(v2.pattern == pattern) }
    }

    @Test(
        "paths the server does not have lead nowhere",
        arguments: [
            "", "/v1", "/v1/", "/v1/gradient", "/v1/gradients/", "/v1/Gradients", "/v1/gradients?x=1", "/ui", "/ui/",
            "/ui/other.js", "/ui/app.js", "/ui/js/", "/ui/js/other.js", "/ui/js/main.js/", "/index.html",
            "/favicon.ico", "/openapi.json", "/metrics/x", "/livez/", "/v3", "/v2x",
            "/v2/", "/v2/models", "/v2/models/", "/v2/health", "/v2/models/gradients/infer/x",
        ]
    )
    func unknown(_ path: String) {
        #expect(Route(path: path) == nil)
    }

    /// The keys under `paths:` in the repository's openapi.yaml, read by a line scan: two spaces,
    /// a path, a colon, between `paths:` and the next top-level key.
    static func specPaths() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        var paths: [String] = []
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
            } else if inPaths, let first = line.first, first != " ", first != "#" {
                break
            } else if inPaths, line.hasPrefix("  /"), line.hasSuffix(":"), !line.dropFirst(2).dropLast().contains(":") {
                paths.append(String(line.dropFirst(2).dropLast()))
            }
        }
        return paths
    }

    @Test("the routes are exactly the paths openapi.yaml documents")
    func specMatchesRoutes() throws {
        let spec = try Self.specPaths()
        // The scan found the section (it lists the /v1 and /v2 paths at least).
        #expect(spec.contains("/v1/gradients"))
        #expect(spec.contains("/v2/models/{model}/infer"))
        #expect(spec.count == Set(spec).count)
        #expect(Set(spec) == Set(Route.patterns))
    }

    @Test("the page's modules are the module parameter's enum in openapi.yaml")
    func specListsTheModules() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let line = try #require(
            text.split(separator: "\n").first { $0.contains("x-page-modules") || $0.contains("enum: [main.js") }
        )
        let inside = try #require(line.split(separator: "[").last?.split(separator: "]").first)
        let names = inside.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(names == Page.modules.map { String($0.path.dropFirst("/ui/js/".count)) })
        // And the files in Resources/ui/js are exactly these.
        let files = try FileManager.default.contentsOfDirectory(
            atPath: root.appendingPathComponent("Sources/GradientService/Resources/ui/js").path
        )
        #expect(Set(files) == Set(names))
    }
}
