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
        let head = RequestHead(method: "POST", path: "/", headers: ["content-type": "application/json"])
        #expect(head[header: "content-type"] == "application/json")
        #expect(head[header: "Content-Type"] == "application/json")
        #expect(head[header: "accept"] == nil)
    }
}
