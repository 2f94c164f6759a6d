import Foundation
import TestSupport
import Testing

@testable import WireFormat

@Suite("Base64")
struct Base64Tests {
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
}
