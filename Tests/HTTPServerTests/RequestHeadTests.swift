import Testing

@testable import HTTPServer

@Suite("RequestHead")
struct RequestHeadTests {
    @Test("generated request IDs are 16 lower-case hex digits, different each time")
    func generatedIDs() {
        let ids = (0..<100).map { _ in RequestHead.makeID() }
        for id in ids {
            #expect(id.utf8.count == 16)
            #expect(id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }, "\(id)")
        }
        #expect(Set(ids).count == ids.count)
    }

    @Test("header lookups ignore the case of the name asked for")
    func headerCase() {
        let head = RequestHead(method: .post, path: "/", headers: ["Content-Type": "application/json"])
        #expect(head.headers["content-type"] == "application/json")
        #expect(head.headers["Content-Type"] == "application/json")
        #expect(head.headers["accept"] == nil)
    }

    @Test("a repeated header keeps every value in order; a single lookup gives the last")
    func repeatedHeaders() {
        var headers = HTTPHeaders()
        headers.append(name: "Accept", value: "text/plain")
        headers.append(name: "X-Other", value: "1")
        headers.append(name: "accept", value: "application/json")
        #expect(headers.values("ACCEPT") == ["text/plain", "application/json"])
        #expect(headers["accept"] == "application/json")
        #expect(headers.values("missing").isEmpty)
    }

    @Test("methods: the common ones are cases, others keep their text")
    func methods() {
        #expect(HTTPMethod("GET") == .get)
        #expect(HTTPMethod("OPTIONS") == .options)
        #expect(HTTPMethod("BREW") == .other("BREW"))
        #expect(HTTPMethod("BREW").name == "BREW")
        #expect(HTTPMethod("get") == .other("get"), "methods are case-sensitive (RFC 9110)")
        for name in ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            #expect(HTTPMethod(name).name == name)
        }
    }
}
