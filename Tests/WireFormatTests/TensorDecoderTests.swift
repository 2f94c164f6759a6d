import Backprop
import Foundation
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

    /// The wide loops (six bytes per store when encoding, two quads per step when decoding) and the
    /// split across threads, against Foundation's encoder, on lengths around every loop boundary
    /// and on texts long enough to be split.
    @Test(arguments: [1, 2, 3])
    func base64MatchesFoundationOnLongInputs(parallelism: Int) {
        var rng = SeededGenerator(seed: 7)
        for n in Array(6...64) + [(1 << 20) - 1, (1 << 20) + 1, 3 << 19] {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var text: [UInt8] = []
            bytes.withUnsafeBytes { Base64.encode($0, into: &text, parallelism: parallelism) }
            #expect(text == Array(Data(bytes).base64EncodedString().utf8), "n = \(n)")
            var out = [UInt8](repeating: 0, count: n)
            let ok = text.withUnsafeBufferPointer { t in
                out.withUnsafeMutableBytes { Base64.decode(t, into: $0, parallelism: parallelism) }
            }
            #expect(ok && out == bytes, "n = \(n)")
        }
    }

    /// A bad character at any position of a short text (every branch of the two-quad loop), and
    /// in each piece of a long text decoded in pieces, is refused; so is padding that ends a piece
    /// other than the last (it would be valid at the end of a whole text).
    @Test func base64RefusesBadCharactersAnywhere() {
        var rng = SeededGenerator(seed: 9)
        func accepts(_ text: [UInt8], _ n: Int, parallelism: Int = 1) -> Bool {
            var sink = [UInt8](repeating: 0, count: n)
            return text.withUnsafeBufferPointer { t in
                sink.withUnsafeMutableBytes { Base64.decode(t, into: $0, parallelism: parallelism) }
            }
        }
        for n in 20...30 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var text: [UInt8] = []
            bytes.withUnsafeBytes { Base64.encode($0, into: &text) }
            for position in text.indices where text[position] != UInt8(ascii: "=") && position < text.count - 2 {
                for bad in [UInt8(ascii: "!"), UInt8(ascii: "="), UInt8(ascii: "\""), 0xC3] {
                    var broken = text
                    broken[position] = bad
                    let accepted = accepts(broken, n)
                    #expect(!accepted, "n = \(n), \(bad) at \(position)")
                }
            }
        }
        let n = 3 << 19
        let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var text: [UInt8] = []
        bytes.withUnsafeBytes { Base64.encode($0, into: &text) }
        let whole = accepts(text, n, parallelism: 3)
        #expect(whole)
        let piece = text.count / 4 / 3 * 4  // the characters in each of three pieces but the last
        for position in [0, 5, piece - 1, piece, piece + 9, 2 * piece - 1, 2 * piece, text.count - 3] {
            var broken = text
            broken[position] = UInt8(ascii: "*")
            for p in [1, 2, 3] {
                let accepted = accepts(broken, n, parallelism: p)
                #expect(!accepted, "* at \(position), \(p) pieces")
            }
        }
        for end in [piece, 2 * piece] {
            var padded = text
            padded[end - 1] = UInt8(ascii: "=")
            padded[end - 2] = UInt8(ascii: "=")
            for p in [1, 2, 3] {
                let accepted = accepts(padded, n, parallelism: p)
                #expect(!accepted, "== ending at \(end), \(p) pieces")
            }
        }
    }

    /// A base64 tensor left in the parsed bytes decodes as the copied one does, and faults alike.
    @Test func borrowedBase64DecodesLikeACopiedString() throws {
        let values = (0..<300).map { Double($0) * 0.25 - 7 }
        var raw: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw += $0 } }
        var text: [UInt8] = []
        raw.withUnsafeBytes { Base64.encode($0, into: &text) }
        let b64 = String(decoding: text, as: UTF8.self)
        for (shape, last) in [("[20, 15]", ""), ("[15, 20]", ""), ("[20, 16]", "needs"), ("[20, 15]", "*")] {
            var body = b64
            if last == "*" { body = "*" + body.dropFirst() }
            let json = Array(#"{"shape": \#(shape), "dtype": "float64", "base64": "\#(body)"}"#.utf8)
            func run(_ borrowing: Bool) -> Result<Matrix<Double>, WireError> {
                json.withUnsafeBytes { bytes in
                    Result { () throws(WireError) -> Matrix<Double> in
                        let root = try JSONParser.parse(bytes, borrowingLongStrings: borrowing)
                        if borrowing, case .borrowedString = root["base64"] {
                        } else if borrowing {
                            Issue.record("expected the base64 text to be borrowed")
                        }
                        return try TensorDecoder.matrix(root, at: at, limits: limits)
                    }
                }
            }
            let (copied, borrowed) = (run(false), run(true))
            switch (copied, borrowed) {
            case (.success(let a), .success(let b)):
                #expect(last.isEmpty && a == b && a.storage == values)
            case (.failure(let a), .failure(let b)):
                #expect(!last.isEmpty && a == b, "\(a) vs \(b)")
            default:
                Issue.record("copied \(copied) vs borrowed \(borrowed)")
            }
        }
    }

    /// Binary tensors of the request's dtype are views of the body when aligned (and the body has
    /// an owner to hold), copies otherwise; the values are the same either way.
    @Test func binaryTensorsAreUsedInPlaceWhenAligned() throws {
        final class Body {
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 64)
            deinit { bytes.deallocate() }
        }
        let body = Body()
        // 4 float64 (32 bytes), 3 float32 (12 bytes), then 2 float64 at offset 44: not 8-aligned.
        let a = [1.0, -2, 3.5, 4]
        let c = [5.0, 6]
        let b: [Float] = [0.5, 1.5, -2.5]
        var offset = 0
        for v in a {
            body.bytes.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        for v in b {
            body.bytes.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self)
            offset += 4
        }
        for v in c {
            body.bytes.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        let root = try JSONParser.parse(
            #"{"a": {"shape": [2, 2], "dtype": "float64", "binaryDataSize": 32}, "#
                + #""b": {"shape": [1, 3], "dtype": "float32", "binaryDataSize": 12}, "#
                + #""c": {"shape": [1, 2], "dtype": "float64", "binaryDataSize": 16}}"#
        )
        let bytes = UnsafeRawBufferPointer(rebasing: body.bytes[0..<offset])
        for owner in [body, nil] as [AnyObject?] {
            let section = try BinarySection(root: root, bytes: bytes, owner: owner)
            func decode(_ key: String) throws -> Matrix<Double> {
                try TensorDecoder.matrix(root[key]!, at: .root / key, limits: limits, binary: section)
            }
            let (ma, mb, mc) = (try decode("a"), try decode("b"), try decode("c"))
            #expect(ma.storage == a && mb.storage == b.map(Double.init) && mc.storage == c)
            let address = ma.storage.withUnsafeBytes(\.baseAddress)
            #expect((address == bytes.baseAddress) == (owner != nil), "float64 at offset 0: in place iff owned")
            #expect(mc.storage.withUnsafeBytes(\.baseAddress) != bytes.baseAddress! + 44, "misaligned: copied")
            var written = ma
            written[0, 0] = 100
            #expect(body.bytes.load(fromByteOffset: 0, as: Double.self) == 1, "a write never reaches the body")
        }
        let floats: Matrix<Float> = try TensorDecoder.matrix(
            root["b"]!,
            at: .root / "b",
            limits: limits,
            binary: try BinarySection(root: root, bytes: bytes, owner: body)
        )
        #expect(floats.storage.withUnsafeBytes(\.baseAddress) == bytes.baseAddress! + 32, "float32 at 32: in place")
    }
}
