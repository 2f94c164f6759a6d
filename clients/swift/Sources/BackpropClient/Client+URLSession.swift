// The generated `Client` (from openapi.yaml, by swift-openapi-generator at build time) over
// URLSession, for callers that want one line.
import Foundation
import OpenAPIURLSession

extension Client {
    /// A client of the server at `baseURL` (e.g. `http://127.0.0.1:8080`) over URLSession.
    public init(baseURL: URL) {
        self.init(serverURL: baseURL, transport: URLSessionTransport())
    }
}
