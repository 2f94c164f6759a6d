/// RFC 4648 base64 (standard alphabet, padded), between bytes and text with no intermediate copies.
///
/// Hand-written because it sits on the tensor path for the base64 encoding: decode straight from
/// the parsed string's bytes into the tensor's bytes, encode straight into the response buffer.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let decodeTable: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    /// The number of bytes `text` decodes to, or nil when its length or padding is not base64.
    public static func decodedLength<C: Collection>(_ text: C) -> Int? where C.Element == UInt8 {
        let n = text.count
        guard n % 4 == 0 else { return nil }
        if n == 0 { return 0 }
        var pad = 0
        var it = text.reversed().makeIterator()
        if it.next() == UInt8(ascii: "=") {
            pad += 1
            if it.next() == UInt8(ascii: "=") { pad += 1 }
        }
        return n / 4 * 3 - pad
    }

    /// Decodes `text` into `out` (which must hold `decodedLength(text)` bytes); false on a bad character.
    public static func decode(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableRawBufferPointer) -> Bool {
        guard let length = decodedLength(text), out.count >= length else { return false }
        var o = 0
        var i = 0
        let t = decodeTable
        while i < text.count {
            let c0 = t[Int(text[i])]
            let c1 = t[Int(text[i + 1])]
            let p2 = text[i + 2]
            let p3 = text[i + 3]
            guard c0 != 0xFF, c1 != 0xFF else { return false }
            let last = i + 4 == text.count
            let c2 = p2 == UInt8(ascii: "=") && last ? 0 : t[Int(p2)]
            let c3 = p3 == UInt8(ascii: "=") && last ? 0 : t[Int(p3)]
            guard c2 != 0xFF, c3 != 0xFF else { return false }
            if p2 == UInt8(ascii: "=") && p3 != UInt8(ascii: "=") { return false }
            let v = UInt32(c0) << 18 | UInt32(c1) << 12 | UInt32(c2) << 6 | UInt32(c3)
            if o < length {
                out[o] = UInt8(truncatingIfNeeded: v >> 16)
                o += 1
            }
            if o < length {
                out[o] = UInt8(truncatingIfNeeded: v >> 8)
                o += 1
            }
            if o < length {
                out[o] = UInt8(truncatingIfNeeded: v)
                o += 1
            }
            i += 4
        }
        return true
    }

    /// Appends the base64 text of `bytes` to `out`.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + (bytes.count + 2) / 3 * 4)
        let a = alphabet
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(a[Int(v >> 18 & 63)])
            out.append(a[Int(v >> 12 & 63)])
            out.append(a[Int(v >> 6 & 63)])
            out.append(a[Int(v & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out.append(a[Int(v >> 18 & 63)])
            out.append(a[Int(v >> 12 & 63)])
            out.append(rest == 2 ? a[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
    }
}
