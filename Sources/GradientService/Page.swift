import HTTPServer
import WireFormat

/// The page at `/` and its files, embedded at build time like the OpenAPI document: HTML, CSS,
/// JavaScript and an icon written for it, nothing fetched from anywhere else.
enum Page: Sendable {
    case index, script, style, icon

    init?(path: String) {
        switch path {
        case "/": self = .index
        case "/ui/app.js": self = .script
        case "/ui/app.css": self = .style
        case "/ui/icon.svg": self = .icon
        default: return nil
        }
    }

    var contentType: String {
        switch self {
        case .index: "text/html; charset=utf-8"
        case .script: "text/javascript; charset=utf-8"
        case .style: "text/css; charset=utf-8"
        case .icon: "image/svg+xml"
        }
    }

    var bytes: [UInt8] {
        switch self {
        case .index: PackageResources.index_html
        case .script: PackageResources.app_js
        case .style: PackageResources.app_css
        case .icon: PackageResources.icon_svg
        }
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
