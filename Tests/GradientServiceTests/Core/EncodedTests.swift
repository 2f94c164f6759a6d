import Backprop
import Testing
import WireFormat

@testable import GradientService
@testable import HTTPServer

/// An answer as HTTP: plain JSON, a small binary answer joined into one buffer, a large one sent
/// from its tensors' own storage, and a part with no storage (a BOOL's byte) always joined.
@Suite("Encoded")
struct EncodedTests {
    let json = Array(#"{"a":1}"#.utf8)

    @Test("no binary parts: application/json, the bytes as they are")
    func plain() {
        let response = Encoded(json: json, binary: []).response
        #expect(response.status == 200)
        #expect(response.headers.map(\.0) == ["Content-Type"])
        #expect(response.headers[0].1 == "application/json")
        #expect(response.body == json)
    }

    @Test("a small binary answer is one buffer: the JSON part, then each part's bytes, with its length")
    func smallJoined() {
        let part = BinaryPart(TensorStorage([1.0, 2.0]))
        let response = Encoded(json: json, binary: [part, .byte(1)]).response
        #expect(response.tail.isEmpty)
        #expect(response.headers.contains { $0 == ("Inference-Header-Content-Length", "7") })
        #expect(
            response.body == json + [1.0, 2.0].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
                + [1]
        )
    }

    @Test("a large binary answer sends each tensor from its storage, not copied; a byte part forces one buffer")
    func largeFromStorage() {
        let values = TensorStorage([Double](repeating: 0.5, count: 10_000))
        let response = Encoded(json: json, binary: [BinaryPart(values)]).response
        #expect(response.body == json)
        #expect(response.tail.count == 1)
        #expect(response.tail.first?.count == 80_000)
        let base = values.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
        #expect(response.tail.first?.bytes.baseAddress == base)
        let withByte = Encoded(json: json, binary: [BinaryPart(values), .byte(0)]).response
        #expect(withByte.tail.isEmpty)
        #expect(withByte.byteCount == json.count + 80_001)
    }
}
