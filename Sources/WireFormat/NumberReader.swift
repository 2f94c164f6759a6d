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
    /// 10^0 … 10^22, each exact as a double. Written out as literals so the table is static data
    /// (a computed table is initialised lazily, behind a check on every read).
    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
        1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Reads a number per the JSON grammar starting at `start`; returns it and the index after it,
    /// or nil when the bytes there are not a JSON number. Out-of-range values come back infinite.
    @inline(__always)
    public static func read(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (Double, Int)? {
        guard let base = bytes.baseAddress, start < bytes.count else { return nil }
        return read(base.assumingMemoryBound(to: UInt8.self), from: start, end: bytes.count)
    }

    /// As `read(_:from:)`, over `p[start..<end]`.
    ///
    /// The fast path reads the digits into one 64-bit significand, eight fraction digits at a
    /// time where eight are there (SWAR: one unaligned load, one test that all eight bytes are
    /// digits, three multiplications to fold them; the shape of simdjson's and fast_float's
    /// `parse_eight_digits_unrolled`), then four, then one. A number of more than 19 significant
    /// digits is read again digit by digit by `readLong`, which drops what does not fit and knows
    /// when `strtod` must decide.
    @inline(__always)
    public static func read(_ p: UnsafePointer<UInt8>, from start: Int, end n: Int) -> (Double, Int)? {
        var i = start
        let negative = i < n && p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < n else { return nil }
        let digitsStart = i
        var w: UInt64 = 0
        let first = p[i] &- UInt8(ascii: "0")
        if first == 0 {
            i += 1
        } else if first < 10 {
            w = UInt64(first)
            i += 1
            while i < n, case let d = p[i] &- UInt8(ascii: "0"), d < 10 {
                w = w &* 10 &+ UInt64(d)
                i += 1
            }
        } else {
            return nil
        }
        var digitCount = i - digitsStart
        var exponent = 0
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i + 8 <= n, case let v = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self), isEightDigits(v) {
                w = w &* 100_000_000 &+ eightDigits(v)
                i += 8
            }
            if i + 4 <= n, case let v = UnsafeRawPointer(p + i).loadUnaligned(as: UInt32.self), isFourDigits(v) {
                w = w &* 10_000 &+ fourDigits(v)
                i += 4
            }
            while i < n, case let d = p[i] &- UInt8(ascii: "0"), d < 10 {
                w = w &* 10 &+ UInt64(d)
                i += 1
            }
            if i == fractionStart { return nil }
            exponent = fractionStart - i
            digitCount += i - fractionStart
        }
        if i < n && p[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) {
                exponentNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            let exponentStart = i
            var e = 0
            while i < n, case let d = p[i] &- UInt8(ascii: "0"), d < 10 {
                if e < 100_000 { e = e &* 10 &+ Int(d) }
                i += 1
            }
            if i == exponentStart { return nil }
            exponent += exponentNegative ? -e : e
        }
        if digitCount > 19 {
            // Leading zeros (0.000123…, common for small weights) add nothing to the significand.
            var k = digitsStart
            var zeros = 0
            while k < i, p[k] == UInt8(ascii: "0") || p[k] == UInt8(ascii: ".") {
                if p[k] == UInt8(ascii: "0") { zeros += 1 }
                k += 1
            }
            if digitCount - zeros > 19 { return readLong(p, from: start, end: n) }
        }
        if w <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            // Clinger: w and 10^|q| are exact doubles, so one rounding gives the nearest double.
            var v = Double(w)
            if exponent < 0 { v /= powersOfTen[-exponent] } else if exponent > 0 { v *= powersOfTen[exponent] }
            return (negative ? -v : v, i)
        }
        if w == 0 { return (negative ? -0.0 : 0.0, i) }
        if let v = eiselLemire(w, exponent) { return (negative ? -v : v, i) }
        return (slowPath(p, start, i), i)
    }

    /// Whether all eight bytes of the little-endian word `v` are ASCII digits: a byte is a digit
    /// when its high nibble is 3 and adding 6 does not carry into the high nibble.
    @inline(__always)
    static func isEightDigits(_ v: UInt64) -> Bool {
        let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        return (v & high) | (((v &+ 0x0606_0606_0606_0606) & high) >> 4) == 0x3333_3333_3333_3333
    }

    /// The value of eight ASCII digits (the first in the lowest byte): pairs, then quads, then all.
    @inline(__always)
    static func eightDigits(_ word: UInt64) -> UInt64 {
        var v = word &- 0x3030_3030_3030_3030
        v = v &* 10 &+ (v >> 8)  // each even byte: its digit × 10 + the next
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        v = (((v & mask) &* (100 + (1_000_000 << 32))) &+ (((v >> 16) & mask) &* (1 + (10_000 << 32)))) >> 32
        return v & 0xFFFF_FFFF
    }

    @inline(__always)
    static func isFourDigits(_ v: UInt32) -> Bool {
        let high: UInt32 = 0xF0F0_F0F0
        return (v & high) | (((v &+ 0x0606_0606) & high) >> 4) == 0x3333_3333
    }

    @inline(__always)
    static func fourDigits(_ word: UInt32) -> UInt64 {
        var v = word &- 0x3030_3030
        v = v &* 10 &+ (v >> 8)  // bytes 0 and 2: the two pairs
        return UInt64(((v & 0x00FF_00FF) &* (1 + (100 << 16))) >> 16 & 0xFFFF)
    }

    /// A number of more than 19 digits (leading zeros counted), read digit by digit: the first 19
    /// significant digits are kept, and when a non-zero digit is dropped `strtod` decides.
    static func readLong(_ p: UnsafePointer<UInt8>, from start: Int, end n: Int) -> (Double, Int)? {
        var i = start
        var negative = false
        if i < n && p[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < n else { return nil }
        var significand: UInt64 = 0
        var digits = 0  // significant digits folded into `significand` (leading zeros excluded)
        var dropped = false  // digits beyond 19 that did not fit
        var exponent = 0  // decimal exponent adjustment
        if p[i] == UInt8(ascii: "0") {
            i += 1
        } else if p[i] >= UInt8(ascii: "1") && p[i] <= UInt8(ascii: "9") {
            while i < n, case let d = p[i] &- UInt8(ascii: "0"), d < 10 {
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
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < n, case let d = p[i] &- UInt8(ascii: "0"), d < 10 {
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
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i += 1
            var expNegative = false
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) {
                expNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            let expStart = i
            var e = 0
            while i < n, case let d = p[i] &- UInt8(ascii: "0"), d < 10 {
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
        return (slowPath(p, start, i), i)
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
    static func slowPath(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for k in 0..<length { buffer[k] = CChar(bitPattern: p[start + k]) }
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }
}
