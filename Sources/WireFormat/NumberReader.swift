#if canImport(Glibc)
import Glibc
#endif

/// Reads one JSON number from bytes, exactly (the double nearest to the decimal, as `strtod`).
///
/// Hand-written because number reading dominates parsing tensors. Fast path (Clinger 1990): when
/// the decimal significand w < 2^53 and the power of ten |q| ≤ 22, both w and 10^|q| are exact
/// doubles, so one IEEE multiply or divide rounds once and gives the correctly rounded result.
/// Everything else (long significands, large exponents) goes to `strtod` on a NUL-terminated copy
/// of the token, which is correctly rounded in glibc. `strtod` follows LC_NUMERIC; the service never
/// calls `setlocale`, so it stays "C".
public enum NumberReader {
    static let powersOfTen: [Double] = (0...22).map { (k: Int) -> Double in
        var v = 1.0
        for _ in 0..<k { v *= 10 }
        return v
    }

    /// Reads a number per the JSON grammar starting at `start`; returns it and the index after it,
    /// or nil when the bytes there are not a JSON number. Out-of-range values come back infinite.
    @inline(__always)
    public static func read(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (Double, Int)? {
        var i = start
        let n = bytes.count
        var negative = false
        if i < n && bytes[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < n else { return nil }
        var significand: UInt64 = 0
        var digits = 0  // significant digits folded into `significand` (leading zeros excluded)
        var dropped = false  // digits beyond 19 that did not fit
        var exponent = 0  // decimal exponent adjustment
        let intStart = i
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if bytes[i] >= UInt8(ascii: "1") && bytes[i] <= UInt8(ascii: "9") {
            while i < n, case let d = bytes[i] &- UInt8(ascii: "0"), d < 10 {
                if digits < 19 {
                    significand = significand &* 10 &+ UInt64(d)
                    digits += 1
                } else {
                    exponent += 1
                    if d != 0 { dropped = true }
                }
                i += 1
            }
        } else {
            return nil
        }
        _ = intStart
        if i < n && bytes[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < n, case let d = bytes[i] &- UInt8(ascii: "0"), d < 10 {
                if digits < 19 {
                    if significand != 0 || d != 0 {
                        significand = significand &* 10 &+ UInt64(d)
                        digits += 1
                    }
                    exponent -= 1
                } else if d != 0 {
                    dropped = true
                }
                i += 1
            }
            if i == fracStart { return nil }
        }
        if i < n && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            var expNegative = false
            if i < n && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) {
                expNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            let expStart = i
            var e = 0
            while i < n, case let d = bytes[i] &- UInt8(ascii: "0"), d < 10 {
                if e < 100_000 { e = e * 10 + Int(d) }
                i += 1
            }
            if i == expStart { return nil }
            exponent += expNegative ? -e : e
        }
        if !dropped && significand <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var v = Double(significand)
            if exponent < 0 { v /= powersOfTen[-exponent] } else if exponent > 0 { v *= powersOfTen[exponent] }
            return (negative ? -v : v, i)
        }
        if significand == 0 && !dropped { return (negative ? -0.0 : 0.0, i) }
        return (slowPath(bytes, start, i), i)
    }

    /// strtod over a NUL-terminated copy of bytes[start..<end] (the token is already validated).
    static func slowPath(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Double {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for k in 0..<length { buffer[k] = CChar(bitPattern: bytes[start + k]) }
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }
}
