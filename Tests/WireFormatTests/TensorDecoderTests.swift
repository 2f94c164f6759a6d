import Backprop
import TestSupport
import Testing
import WireFormat

@Suite("Tensor decoding and encoding")
struct TensorDecoderTests {
    let limits = TensorLimits(maxElements: 1000)
    let at = JSONPointer.root / "network" / "layers" / 1 / "weights"

    func decode(_ json: String) throws -> Matrix<Double> {
        try TensorDecoder.matrix(try JSONParser.parse(json), at: at, limits: limits)
    }

    func problem(_ json: String) -> WireError? {
        do {
            _ = try decode(json)
            return nil
        } catch let e as WireError {
            return e
        } catch {
            return nil
        }
    }

    @Test func nestedFlatAndBase64GiveTheSameMatrix() throws {
        let nested = try decode("[[1, 2, 3], [4, 5, 6]]")
        let flat = try decode(#"{"shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}"#)
        // float64 little-endian bytes of 1…6
        var bytes: [UInt8] = []
        for v in [1.0, 2, 3, 4, 5, 6] { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        var text: [UInt8] = []
        bytes.withUnsafeBytes { Base64.encode($0, into: &text) }
        let b64 = try decode(
            #"{"shape": [2, 3], "dtype": "float64", "base64": ""# + String(decoding: text, as: UTF8.self) + "\"}"
        )
        #expect(nested == Matrix([[1, 2, 3], [4, 5, 6]]))
        #expect(flat == nested)
        #expect(b64 == nested)
    }

    @Test("faults name the JSON Pointer of the element at fault")
    func pointers() {
        #expect(
            problem("[[1, 2], [3]]")
                == .invalid(pointer: at / 1, detail: "row 1 has 1 columns, row 0 has 2: rows must be equal length")
        )
        if case .invalid(let p, _)? = problem("[[1, 2], [3, \"x\"]]") {
            #expect(p.description == "/network/layers/1/weights/1/1")
        } else {
            Issue.record("expected invalid")
        }
        if case .invalid(let p, _)? = problem("[1, 2]") { #expect(p == at) } else { Issue.record("expected invalid") }
        if case .invalid(let p, _)? = problem(#"{"shape": [2, 2], "data": [1, 2, 3]}"#) {
            #expect(p == at / "data")
        } else {
            Issue.record("expected invalid")
        }
        if case .invalid(let p, _)? = problem(#"{"shape": [0, 2], "data": []}"#) {
            #expect(p == at / "shape" / 0)
        } else {
            Issue.record("expected invalid")
        }
        if case .invalid(let p, _)? = problem(#"{"shape": [-1, 2], "data": []}"#) {
            #expect(p == at / "shape" / 0)
        } else {
            Issue.record("expected invalid")
        }
        if case .invalid(let p, _)? = problem(#"{"shape": [1, 2], "dtype": "float64", "base64": "AAAA"}"#) {
            #expect(p == at / "base64")
        } else {
            Issue.record("expected invalid")
        }
        if case .invalid(let p, _)? = problem(#"{"shape": [1, 1], "dtype": "int8", "base64": "AA=="}"#) {
            #expect(p == at / "dtype")
        } else {
            Issue.record("expected invalid")
        }
    }

    @Test("a declared shape over the limit is refused before anything is allocated")
    func hugeDeclaredShape() {
        guard
            case .tooLarge(let p, _)? = problem(#"{"shape": [100000000, 100000000], "dtype": "float32", "base64": ""}"#)
        else {
            Issue.record("expected tooLarge")
            return
        }
        #expect(p == at / "shape")
    }

    @Test("float32 refuses values that overflow it, with the element's pointer")
    func float32Overflow() {
        #expect {
            _ = try TensorDecoder.matrix(try JSONParser.parse("[[1, 1e39]]"), at: at, limits: limits, as: Float.self)
        } throws: { error in
            (error as? WireError) == .invalid(pointer: at / 0 / 1, detail: "value overflows float32")
        }
    }

    @Test func encodingsRoundTrip() throws {
        let m = Matrix<Double>([[0.1, -2], [3e-9, 4]])
        for encoding in TensorEncoding.allCases {
            var w = JSONWriter()
            w.tensor(m, encoding)
            let root = try JSONParser.parse(w.bytes)
            let tail = w.binaryTail
            let back: Matrix<Double> = try tail.withUnsafeBytes { raw in
                let binary = encoding == .binary ? try BinarySection(root: root, bytes: raw) : nil
                return try TensorDecoder.matrix(root, at: .root, limits: limits, binary: binary)
            }
            #expect(back == m, "\(encoding)")
        }
    }

    @Test func pointerEscapes() {
        #expect((JSONPointer.root / "a/b" / "m~n" / 0).description == "/a~1b/m~0n/0")
        #expect(JSONPointer.root.description == "")
    }

    /// Round trips of every length 0-100 (the unchecked body loop and the padded last quad), and a
    /// bad character or misplaced padding anywhere is refused.
    @Test func base64RoundTripsAndRefusesBadText() {
        var rng = SeededGenerator(seed: 64)
        for n in 0...100 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var text: [UInt8] = []
            bytes.withUnsafeBytes { Base64.encode($0, into: &text) }
            var out = [UInt8](repeating: 0, count: n)
            let ok = text.withUnsafeBufferPointer { t in out.withUnsafeMutableBytes { Base64.decode(t, into: $0) } }
            #expect(ok && out == bytes, "n = \(n)")
            for position in [0, text.count / 2, text.count - 1]
            where !text.isEmpty && text[position] != UInt8(ascii: "=") {
                for bad in [UInt8(ascii: "!"), UInt8(ascii: "="), 0x80] {
                    var broken = text
                    broken[position] = bad
                    if bad == UInt8(ascii: "="), position >= text.count - 2 { continue }  // may be valid padding
                    var sink = [UInt8](repeating: 0, count: n)
                    let accepted = broken.withUnsafeBufferPointer { t in
                        sink.withUnsafeMutableBytes { Base64.decode(t, into: $0) }
                    }
                    #expect(!accepted, "n = \(n), \(bad) at \(position)")
                }
            }
        }
    }

    @Test(arguments: ["", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"])
    func base64MatchesRFC4648Vectors(text: String) throws {
        let expected = Array("foobar".utf8.prefix(Base64.decodedLength(Array(text.utf8))!))
        var out = [UInt8](repeating: 0, count: expected.count)
        let ok = Array(text.utf8).withUnsafeBufferPointer { t in
            out.withUnsafeMutableBytes { Base64.decode(t, into: $0) }
        }
        #expect(ok)
        #expect(out == expected)
        var encoded: [UInt8] = []
        expected.withUnsafeBytes { Base64.encode($0, into: &encoded) }
        #expect(String(decoding: encoded, as: UTF8.self) == text)
    }
}
