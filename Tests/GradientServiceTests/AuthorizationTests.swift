import HTTPServer
import Testing

@testable import GradientService

/// The bearer token: no token configured lets everything through; with one, a missing header,
/// another scheme and a wrong token are 401 with the challenge; the comparison has no early exit.
@Suite("Authorization")
struct AuthorizationTests {
    func handler(token: String?) -> GradientHandler {
        GradientHandler.inProcess { $0.authToken = token }
    }

    func head(_ authorization: String?) -> RequestHead {
        var headers = HTTPHeaders()
        if let authorization { headers.append(name: "Authorization", value: authorization) }
        return RequestHead(method: .post, path: "/v1/gradients", headers: headers)
    }

    @Test("each case of the bearer token, with the challenge on a 401")
    func bearer() {
        #expect(handler(token: nil).authorize(head(nil)) == nil)
        let h = handler(token: "s3cret")
        #expect(h.authorize(head("Bearer s3cret")) == nil)
        let missing = h.authorize(head(nil))
        #expect(missing?.status == 401)
        #expect(missing?.detail == "this server needs Authorization: Bearer <token>")
        #expect(missing?.headers.first?.0 == "WWW-Authenticate")
        #expect(h.authorize(head("Basic s3cret"))?.detail == "the bearer token is not valid")
        #expect(h.authorize(head("Bearer s3cre"))?.detail == "the bearer token is not valid")
        #expect(h.authorize(head("Bearer s3cret "))?.status == 401)
    }

    @Test("constant-time equality: equal only for the same bytes and length")
    func equality() {
        #expect(constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!constantTimeEqual([], [0]))
        #expect(constantTimeEqual([], []))
    }
}
