import Foundation
import TestSupport
import Testing
import WireFormat

@Suite("NumberReader is exact")
struct NumberReaderTests {
    func read(_ s: String) -> Double? {
        Array(s.utf8).withUnsafeBytes { b in
            guard let (v, end) = NumberReader.read(b, from: 0), end == b.count else { return nil }
            return v
        }
    }

    @Test(arguments: [
        "0", "-0", "1", "-1", "0.1", "0.2", "0.30000000000000004", "1e10", "1E-10", "1.5e+300",
        "2.2250738585072014e-308",
        "2.2250738585072011e-308", "4.9e-324", "5e-324", "1.7976931348623157e308", "9007199254740993",
        "9007199254740992",
        "123456789012345678901234567890", "0.000001234567890123456789", "1e-400", "3.141592653589793238462643383279",
        "1e22", "1e23", "8.98846567431158e307", "2.4703282292062327e-324", "2.4703282292062328e-324",
        "7.3177701707893310e+15",
        "0.1e1", "100000000000000000000000", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
    ])
    func edgeCasesMatchStrtod(text: String) throws {
        let expected = strtod(text, nil)
        let got = try #require(read(text))
        #expect(got.bitPattern == expected.bitPattern, "\(text): got \(got), strtod \(expected)")
    }

    @Test(arguments: ["", "-", "01", "1.", ".5", "1e", "1e+", "+1", "0x10", "--1", "1.e5", "NaN", "Infinity"])
    func invalidNumbersAreRejected(text: String) {
        #expect(read(text) == nil, "\(text) must not read as a whole number")
    }

    @Test("an overflowing literal reads as infinity (the parser refuses it)")
    func overflowIsInfinite() {
        #expect(read("1e400") == .infinity)
        #expect(read("-1E+382") == -.infinity)
    }

    @Test("200 000 random decimals (1–19 digits, exponents −360…320) read exactly as strtod reads them")
    func randomDecimals() {
        var g = SeededGenerator(seed: 77)
        for k in 0..<200_000 {
            let digits = Int.random(in: 1...19, using: &g)
            var text = String(UInt64.random(in: 1...9, using: &g))
            for _ in 1..<digits { text += String(UInt64.random(in: 0...9, using: &g)) }
            // Ties and near-ties: sometimes end in 5 or 50…0.
            if k % 7 == 0 { text = String(text.dropLast()) + "5" }
            let e = Int.random(in: -360...320, using: &g)
            // JSON needs a digit after ".", so a one-digit mantissa has no point.
            let mantissa = text.count > 1 ? "\(text.prefix(1)).\(text.dropFirst())" : text
            let literal = k % 3 == 0 ? "\(text)e\(e)" : k % 3 == 1 ? "0.\(text)e\(e)" : "\(mantissa)E+\(max(0, e))"
            let got = read(literal)
            let expected = strtod(literal, nil)
            if got?.bitPattern != expected.bitPattern {
                Issue.record("\(literal): read \(String(describing: got)), strtod \(expected)")
                return
            }
        }
    }

    @Test("100 000 random doubles round-trip bit for bit through description and back")
    func randomRoundTrips() throws {
        var g = SeededGenerator(seed: 2026)
        for k in 0..<100_000 {
            let bits = g.next()
            var v = Double(bitPattern: bits)
            if !v.isFinite { v = Double(bits % 1_000_000) / 7 }
            let texts = [v.description, String(format: "%.17g", v), String(format: "%.6e", v)]
            for text in texts {
                let got = read(text)
                let expected = strtod(text, nil)
                if got?.bitPattern != expected.bitPattern {
                    Issue.record("case \(k): \(text) read as \(String(describing: got)), strtod \(expected)")
                    return
                }
            }
            #expect(read(v.description)?.bitPattern == v.bitPattern)
        }
    }

    /// Small weights are written with leading zeros (0.000123…): up to 19 significant digits stay on
    /// the fast path whatever the zeros, and more go to the long reader; both exact.
    @Test("leading zeros before 1 to 21 significant digits")
    func leadingZeros() {
        var g = SeededGenerator(seed: 12)
        for zeros in 0...8 {
            for length in 1...21 {
                for sign in ["", "-"] {
                    for exponent in ["", "e-3", "E+12"] {
                        var digits = String(Int.random(in: 1...9, using: &g))
                        for _ in 1..<length { digits += String(Int.random(in: 0...9, using: &g)) }
                        let number = sign + "0." + String(repeating: "0", count: zeros) + digits + exponent
                        let text = Array(number.utf8)
                        let got = text.withUnsafeBytes { NumberReader.read($0, from: 0) }
                        let expected = strtod(number, nil)
                        if got?.0.bitPattern != expected.bitPattern || got?.1 != text.count {
                            Issue.record("\(number): read \(String(describing: got)), strtod \(expected)")
                            return
                        }
                    }
                }
            }
        }
    }

    /// The fast path reads fraction digits eight, then four, then one at a time: every length from
    /// 1 to 21 digits (past 19 the long reader takes over), each followed by every kind of byte
    /// that may end a number, including the two next to the digits in ASCII (`/` and `:`), must
    /// read as `strtod` reads the number alone and stop exactly where it ends.
    @Test("every fraction length and every byte after the digits")
    func fastPathBoundaries() {
        var g = SeededGenerator(seed: 8)
        let after = ["", ",", "]", " ", "\n", "}", ":", "/", "e7", "E-2", "e+0", "x", ".5", "-", "\u{7F}", "\u{80}"]
        for length in 1...21 {
            for lead in ["0", "7", "-0", "-123"] {
                for end in after {
                    for _ in 0..<4 {
                        var digits = ""
                        for _ in 0..<length { digits += String(Int.random(in: 0...9, using: &g)) }
                        var number = "\(lead).\(digits)"
                        var tail = end
                        if end.hasPrefix("e") || end.hasPrefix("E") {
                            number += end  // an exponent is part of the number
                            tail = ""
                        }
                        let text = Array((number + tail).utf8)
                        let expected = strtod(number, nil)
                        let got = text.withUnsafeBytes { NumberReader.read($0, from: 0) }
                        if got?.0.bitPattern != expected.bitPattern || got?.1 != number.utf8.count {
                            Issue.record("\(number + tail): read \(String(describing: got)), strtod \(expected)")
                            return
                        }
                    }
                }
            }
        }
    }
}
