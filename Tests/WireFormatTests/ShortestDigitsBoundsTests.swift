import Testing

@testable import WireFormat

@Suite("ShortestDigits: bytes touched")
struct ShortestDigitsBoundsTests {
    /// Writes each value at the start of a buffer of `maxBytes + slack` bytes followed by a canary,
    /// as `JSONWriter.numbers` sizes its scratch: the text is at most `maxBytes`, equal to
    /// `description`, and the whole-word stores stay inside the room.
    @Test("a number's text fits maxBytes, and its word stores stay within maxBytes + slack")
    func staysInItsRoom() {
        let room = ShortestDigits.maxBytes + ShortestDigits.slack
        let canary: UInt8 = 0xA5
        var values: [Double] = [
            -2.225_073_858_507_201_4e-308, -1.234_567_890_123_456_7e-300, -1.797_693_134_862_315_7e308,
            -9_007_199_254_740_993, -123_456_789_012_345_680, -0.000_123_456_789_012_345_67, -1e-5,
            -9.999_999_999_999_999e-5,
            -1e22, -1e23, -5e-324, -2.225_073_858_507_201e-308, -0.1, -1.0 / 3, -999_999_999_999_999.9,
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let bits = UInt64.random(in: 0...UInt64.max, using: &generator) | (1 << 63)
            let v = Double(bitPattern: bits)
            if v.isFinite { values.append(v) }
        }
        var buffer = [UInt8](repeating: canary, count: room + 16)
        for v in values {
            for i in buffer.indices { buffer[i] = canary }
            let n = buffer.withUnsafeMutableBufferPointer { ShortestDigits.write(v, to: $0.baseAddress!) }
            #expect(n <= ShortestDigits.maxBytes, "\(v)")
            #expect(String(decoding: buffer[..<n], as: UTF8.self) == v.description, "\(v)")
            #expect(buffer[room...].allSatisfy { $0 == canary }, "\(v) wrote past maxBytes + slack")
        }
    }
}
