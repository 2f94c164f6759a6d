#if canImport(Glibc)
import Glibc
#endif

/// Reads one JSON number from bytes, exactly (the double nearest to the decimal, as `strtod`).
///
/// Hand-written because number reading dominates parsing tensors. Fast path (Clinger 1990): when
/// the decimal significand w < 2^53 and the power of ten |q| ≤ 22, both w and 10^|q| are exact
/// doubles, so one IEEE multiply or divide rounds once and gives the correctly rounded result.
/// Other significands of up to 19 digits go through the Eisel–Lemire algorithm (one or two
/// 64×64→128-bit multiplications by a table of powers of five); only longer significands,
/// subnormals and overflows go to `strtod` on a NUL-terminated copy of the token, which is
/// correctly rounded in glibc. `strtod` follows LC_NUMERIC; the service never
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
        if !dropped, let v = eiselLemire(significand, exponent) { return (negative ? -v : v, i) }
        return (slowPath(bytes, start, i), i)
    }

    /// w · 10^q correctly rounded, by Eisel and Lemire's method (as in fast_float): multiply the
    /// normalised w by a 128-bit approximation of 5^q, keep 55 significant bits (52 + the implicit
    /// one + a rounding bit + one that the normalisation may lose), and round to nearest, ties to
    /// even. Mushtak and Lemire proved the 128-bit table always suffices for 19-digit w. Returns nil
    /// for results that would be subnormal, zero or infinite, which go to `strtod`.
    @inline(__always)
    static func eiselLemire(_ w0: UInt64, _ q: Int) -> Double? {
        guard w0 != 0, q >= PowersOfFive.smallestPower, q <= PowersOfFive.largestPower else { return nil }
        let lz = w0.leadingZeroBitCount
        let w = w0 << UInt64(lz)
        let index = 2 * (q - PowersOfFive.smallestPower)
        var (high, low) = w.multipliedFullWidth(by: PowersOfFive.table[index])
        // Only when the bits kept might still change does the low table word matter.
        let precisionMask: UInt64 = 0xFFFF_FFFF_FFFF_FFFF >> 55
        if high & precisionMask == precisionMask {
            let second = w.multipliedFullWidth(by: PowersOfFive.table[index + 1]).high
            let (sum, carry) = low.addingReportingOverflow(second)
            low = sum
            if carry { high &+= 1 }
        }
        let upperBit = Int(high >> 63)
        let shift = UInt64(upperBit + 64 - 52 - 3)
        var mantissa = high >> shift
        // floor(log2(5^q)) + q + 63, the binary exponent of 10^q's leading bit (valid for |q| < 350).
        var power2 = (((152_170 + 65_536) * q) >> 16) + 63 + upperBit - lz + 1023
        guard power2 > 0 else { return nil }  // subnormal or zero
        // A tie between two doubles is possible only when 5^q fits one word and nothing else was cut off.
        if low <= 1, q >= -4, q <= 23, mantissa & 3 == 1, mantissa << shift == high {
            mantissa &= ~1
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= (2 << 52) {
            mantissa = 1 << 52
            power2 += 1
        }
        mantissa &= ~(1 << 52)
        guard power2 < 0x7FF else { return nil }  // infinite
        return Double(bitPattern: UInt64(power2) << 52 | mantissa)
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
