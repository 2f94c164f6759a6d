import HTTPServer
import WireFormat

/// One file of the page at `/`, embedded at build time like the OpenAPI document: HTML, CSS, an
/// icon and the script's ES modules, written for it, nothing fetched from anywhere else.
struct Page: Sendable, Equatable {
    /// The path it is served at.
    let path: String
    let contentType: String
    let bytes: [UInt8]

    static func == (a: Page, b: Page) -> Bool { a.path == b.path }

    static let index = Page(path: "/", contentType: "text/html; charset=utf-8", bytes: PackageResources.index_html)
    static let style = Page(
        path: "/ui/app.css",
        contentType: "text/css; charset=utf-8",
        bytes: PackageResources.app_css
    )
    static let icon = Page(path: "/ui/icon.svg", contentType: "image/svg+xml", bytes: PackageResources.icon_svg)

    /// The script's modules, served at `/ui/js/{module}`; `main.js` imports the others. The names
    /// are the `module` parameter's `enum` in openapi.yaml (a test holds the two equal).
    static let modules: [Page] = [
        ("main.js", PackageResources.main_js),
        ("dom.js", PackageResources.dom_js),
        ("state.js", PackageResources.state_js),
        ("api.js", PackageResources.api_js),
        ("editor.js", PackageResources.editor_js),
        ("actions.js", PackageResources.actions_js),
        ("edits.js", PackageResources.edits_js),
        ("steps.js", PackageResources.steps_js),
        ("render.js", PackageResources.render_js),
        ("view-network.js", PackageResources.view_network_js),
        ("view-needs.js", PackageResources.view_needs_js),
        ("view-heatmaps.js", PackageResources.view_heatmaps_js),
        ("view-controls.js", PackageResources.view_controls_js),
        ("view-steps.js", PackageResources.view_steps_js),
        ("view-flow.js", PackageResources.view_flow_js),
        ("view-training.js", PackageResources.view_training_js),
        ("view-panels.js", PackageResources.view_panels_js),
    ].map { Page(path: "/ui/js/" + $0.0, contentType: "text/javascript; charset=utf-8", bytes: $0.1) }

    static let modulePattern = "/ui/js/{module}"

    private static let byPath: [String: Page] = Dictionary(
        uniqueKeysWithValues: ([index, style, icon] + modules).map { ($0.path, $0) }
    )

    init?(path: String) {
        guard let page = Self.byPath[path] else { return nil }
        self = page
    }

    private init(path: String, contentType: String, bytes: [UInt8]) {
        self.path = path
        self.contentType = contentType
        self.bytes = bytes
    }

    /// Self only: scripts, styles, images and API calls from this server, no inline script or
    /// style, no frames, no form posts elsewhere.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// Headers of every page file. `no-cache` revalidates on each load, so a new binary's page is
    /// seen at once.
    static let headers: [(String, String)] = [
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-cache"),
    ]

    var response: Response { Response(status: 200, contentType: contentType, body: bytes, headers: Self.headers) }

    /// What the page needs to know before its first call: whether to ask for a token, and the
    /// API's words (`VocabularyDocument`), which the page offers instead of a copy of its own.
    static func configuration(authRequired: Bool) -> Response {
        var w = JSONWriter(capacity: 1024)
        w.beginObject()
        w.key("authRequired")
        w.bool(authRequired)
        w.key("vocabulary")
        VocabularyDocument.write(into: &w)
        w.endObject()
        return Response(status: 200, contentType: "application/json", body: w.bytes, headers: headers)
    }
}
