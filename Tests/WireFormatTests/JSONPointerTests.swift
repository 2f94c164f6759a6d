import Testing
import WireFormat

@Suite("JSONPointer")
struct JSONPointerTests {
    @Test func pointerEscapes() {
        #expect((JSONPointer.root / "a/b" / "m~n" / 0).description == "/a~1b/m~0n/0")
        #expect(JSONPointer.root.description == "")
    }

    @Test("pointers equal by their tokens, whoever built them, and a key never equals an index")
    func equality() {
        let a = JSONPointer.root / "layers" / 1 / "weights"
        let b = JSONPointer.root / "layers" / 1 / "weights"
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(JSONPointer.root / "1" != JSONPointer.root / 1)
        #expect(a.tokens == ["layers", "1", "weights"])
    }
}
