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
                == .invalid(
                    pointer: at / 1,
                    detail: "row 1 has 1 column, row 0 has 2 columns: rows must be equal length"
                )
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

    /// A tensor in the other dtype converts element by element, the same through base64 and the
    /// binary section: each value exactly as `S(Float)` or `S(Double)` makes it, to the bit.
    @Test func anotherDtypeConvertsAlikeThroughBase64AndBinary() throws {
        // The smallest subnormal, −0, the largest finite, 0.1 and an ordinary value.
        let singles: [Float] = [0x0000_0001, 0x8000_0000, 0x7F7F_FFFF, 0x3DCC_CCCD, 0xC2F6_E979].map(
            Float.init(bitPattern:)
        )
        // −0, a float32 subnormal, float32's largest, a tie that rounds to even, 0.1.
        let doubles: [Double] = [-0.0, 1e-40, 3.4028234663852886e38, 1.0000000596046448, 0.1]
        var bytes: [UInt8] = []
        for v in singles { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        for v in doubles { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        func base64(_ range: Range<Int>) -> String {
            var text: [UInt8] = []
            bytes[range].withUnsafeBytes { Base64.encode($0, into: &text) }
            return String(decoding: text, as: UTF8.self)
        }
        // The float64 tensor starts at byte 20 of the binary section: read unaligned.
        let root = try JSONParser.parse(
            #"{"s": {"shape": [1, 5], "dtype": "float32", "binaryDataSize": 20}, "#
                + #""d": {"shape": [1, 5], "dtype": "float64", "binaryDataSize": 40}, "#
                + #""s64": {"shape": [1, 5], "dtype": "float32", "base64": "\#(base64(0..<20))"}, "#
                + #""d64": {"shape": [1, 5], "dtype": "float64", "base64": "\#(base64(20..<60))"}}"#
        )
        try bytes.withUnsafeBytes { raw in
            let section = try BinarySection(root: root, bytes: raw)
            func decode<S: BLASScalar>(_ key: String, as: S.Type) throws -> [S] {
                try TensorDecoder.matrix(root[key]!, at: .root / key, limits: limits, binary: section, as: S.self)
                    .storage.array
            }
            let widened = singles.map { Double($0).bitPattern }
            #expect(try decode("s", as: Double.self).map(\.bitPattern) == widened)
            #expect(try decode("s64", as: Double.self).map(\.bitPattern) == widened)
            let narrowed = doubles.map { Float($0).bitPattern }
            #expect(try decode("d", as: Float.self).map(\.bitPattern) == narrowed)
            #expect(try decode("d64", as: Float.self).map(\.bitPattern) == narrowed)
        }
    }
}

@Suite("Tensor decoding of matrices read as one buffer")
struct FlatRowsDecoderTests {
    let limits = TensorLimits(maxElements: 6)
    let at = JSONPointer.root / "batch" / "inputs"

    func parsed(_ text: String, numberRows: Bool) throws -> JSONValue {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { try JSONParser.parse($0, numberRows: numberRows) }
    }

    /// The outcome of decoding `text` as a matrix and as a vector in `S`, as text: equal whether
    /// the parser read the rows one by one or as one buffer.
    func outcomes<S: BLASScalar>(_ text: String, _: S.Type, numberRows: Bool) throws -> [String] {
        let value = try parsed(text, numberRows: numberRows)
        var out: [String] = []
        do {
            let m: Matrix<S> = try TensorDecoder.matrix(value, at: at, limits: limits)
            out.append("\(m.rows)x\(m.columns) \(m.storage.array)")
        } catch { out.append("\(error)") }
        do {
            let v: [S] = try TensorDecoder.vector(value, at: at, limits: limits)
            out.append("\(v)")
        } catch { out.append("\(error)") }
        let shaped = try parsed(#"{"shape": [2, 2], "data": \#(text)}"#, numberRows: numberRows)
        do {
            let m: Matrix<S> = try TensorDecoder.matrix(shaped, at: at, limits: limits)
            out.append("\(m.storage.array)")
        } catch { out.append("\(error)") }
        return out
    }

    @Test("values, limits, overflow and wrong-kind faults are the same as for rows read one by one")
    func sameOutcomes() throws {
        for text in [
            "[[1, 2], [3, 4]]", "[[1, 2, 3], [4, 5, 6], [7, 8, 9]]", "[[1, 2], [3, 1e400]]", "[[1e39, 2], [3, 4]]",
            "[[1, 2], [3, -1e39]]", "[[0.1, 0.2, 0.3]]", "[[[1, 2]], [[3, 4]]]",
        ] {
            #expect(try outcomes(text, Double.self, numberRows: true) == outcomes(text, Double.self, numberRows: false))
            #expect(try outcomes(text, Float.self, numberRows: true) == outcomes(text, Float.self, numberRows: false))
        }
        // The values themselves, and the fault's pointer, spelled out once.
        let value = try parsed("[[1, 2], [3, 1e39]]", numberRows: true)
        let m: Matrix<Double> = try TensorDecoder.matrix(value, at: at, limits: limits)
        #expect(m.rows == 2 && m.columns == 2 && m.storage.array == [1, 2, 3, 1e39])
        #expect(throws: WireError.self) {
            let _: Matrix<Float> = try TensorDecoder.matrix(value, at: at, limits: limits)
        }
        do {
            let _: Matrix<Float> = try TensorDecoder.matrix(value, at: at, limits: limits)
        } catch {
            #expect("\(error)".contains("/batch/inputs/1/1"), "\(error)")
        }
    }
}
