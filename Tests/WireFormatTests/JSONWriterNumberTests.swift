import TestSupport
import Testing
import WireFormat

/// The writer's own shortest-digit printer (Schubfach) against Swift's `description`: the same
/// text, character for character, so responses read back to the same bits and look as before.
@Suite("JSONWriter numbers match description")
struct JSONWriterNumberTests {
    func written(_ values: [Double]) -> String {
        var w = JSONWriter()
        values.withUnsafeBufferPointer { w.numbers($0) }
        return String(decoding: w.bytes, as: UTF8.self)
    }

    func expected(_ values: [Double]) -> String {
        "[" + values.map { $0.isFinite ? $0.description : "null" }.joined(separator: ",") + "]"
    }

    @Test func edgeCases() {
        var values: [Double] = [
            0, -0.0, 1, -1, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 10, 100, 1e15, 1e16, 1e17, 1e21, 1e22, 1e23,
            9_007_199_254_740_992, 9_007_199_254_740_993, 9_007_199_254_740_994, 18_014_398_509_481_984,
            123_456_789_012_345_678, 0.001, 0.0001, 0.00001, 0.000123, 1.5e-5, 9.999e-5, 123.456, 4.35,
            1_234_567, 2.5e-4, 5e-324, 1e-323, 1.5e-323, 2.2250738585072014e-308, 2.225073858507201e-308,
            1.7976931348623157e308, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
            .ulpOfOne, 1 + .ulpOfOne, 1 - .ulpOfOne / 2, .pi, -.pi, 299_792_458, 6.02214076e23,
            1.602176634e-19, 0.6928120591279484, 9.5e15, 5e15 + 0.5, -4.2e-7, .infinity, -.infinity, .nan,
            // The longest texts (24 bytes, the room the writer keeps per number).
            -2.2250738585072014e-308, -1.7976931348623157e308, -1.2345678901234567e-300, -4.9406564584124654e-324,
        ]
        for e in -325...309 {
            values.append(Double("1e\(e)")!)
            values.append(Double("9.999999999999999e\(e)") ?? 1)
        }
        for e in -1074...1023 { values.append(Double(sign: .plus, exponent: e, significand: 1)) }
        for v in values { #expect(written([v]) == expected([v]), "\(v.bitPattern)") }
        #expect(values.map { $0.description.utf8.count }.max() == 24)
        #expect(written(values) == expected(values))
    }

    @Test func randomBitPatterns() {
        var rng = SeededGenerator(seed: 20_261_129)
        var values: [Double] = []
        for _ in 0..<400_000 { values.append(Double(bitPattern: rng.next())) }
        // Values of the size gradients have, with 15-17 significant digits.
        for _ in 0..<200_000 { values.append(Double.random(in: -1...1, using: &rng) * 1e-3) }
        var mismatches: [UInt64] = []
        for v in values where written([v]) != expected([v]) {
            mismatches.append(v.bitPattern)
            if mismatches.count > 5 { break }
        }
        #expect(mismatches.isEmpty, "first mismatching bit patterns: \(mismatches)")
    }

    /// Values compared a block at a time (one `numbers` call, one joined `description`), then one
    /// by one only in a block that differs: the first few mismatching bit patterns.
    func mismatches(_ values: [Double]) -> [UInt64] {
        var found: [UInt64] = []
        var k = 0
        while k < values.count && found.count < 5 {
            let block = Array(values[k..<min(k + 4096, values.count)])
            if written(block) != expected(block) {
                found += block.filter { written([$0]) != expected([$0]) }.prefix(5).map(\.bitPattern)
            }
            k += block.count
        }
        return found
    }

    /// The one-product fast path decides alone unless a decision is within a few units of its
    /// last place; these reach every exponent, the doubles around each power of ten (where the
    /// digit count and the table entry change), and short decimals (a multiple of ten in the
    /// rounding interval, with its ends often close to one).
    @Test func manyValuesAcrossExponents() {
        var rng = SeededGenerator(seed: 20_261_202)
        var values: [Double] = []
        for _ in 0..<2_000_000 { values.append(Double(bitPattern: rng.next())) }
        for e in -307...308 {
            var below = Double("1e\(e)")!
            var above = below
            for _ in 0..<8 {
                below = below.nextDown
                above = above.nextUp
                values += [below, above]
            }
        }
        for _ in 0..<100_000 {
            let limit = (0..<Int.random(in: 1...17, using: &rng)).reduce(UInt64(1)) { p, _ in p * 10 }
            let significand = UInt64.random(in: 1..<limit, using: &rng)
            values.append(Double("\(significand)e\(Int.random(in: -320...300, using: &rng))") ?? 1)
        }
        let found = mismatches(values)
        #expect(found.isEmpty, "first mismatching bit patterns: \(found)")
    }

    /// Doubles whose rounding interval ends exactly on a multiple of ten, which the fast path
    /// leaves to Schubfach: c 2^13 has X = c 2^13 / 10^3 and u/2 = 4.096, and X mod 10 is 4.096
    /// (the lower end on a multiple of ten) when 1024 c ≡ 512 (mod 1250), 5.904 (the upper end)
    /// when 1024 c ≡ 738. With c above 2^56 / 8.192, X has 17 digits and 57 bits.
    @Test func intervalEndsOnMultiplesOfTen() {
        var values: [Double] = []
        for residue: UInt64 in [512, 738] {
            var c: UInt64 = 8_800_000_000_000_000
            while c * 1024 % 1250 != residue { c += 1 }
            while c < 1 << 53 {
                values.append(Double(c) * 8192)
                c += 625 * 331_000_000  // 1024 c mod 1250 repeats every 625
            }
        }
        #expect(values.count > 1000)
        let found = mismatches(values)
        #expect(found.isEmpty, "first mismatching bit patterns: \(found)")
    }

    @Test func floatsToo() {
        var w = JSONWriter()
        let values: [Float] = [0, 1, 0.1, 1e-5, 1e7, 16_777_216, 33_554_432, 3.4028235e38, 1e-45, .nan]
        values.withUnsafeBufferPointer { w.numbers($0) }
        let text = "[" + values.map { $0.isFinite ? $0.description : "null" }.joined(separator: ",") + "]"
        #expect(String(decoding: w.bytes, as: UTF8.self) == text)
    }
}
