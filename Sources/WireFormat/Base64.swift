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
        // The last two characters, found by offset (a reversed copy of a 25 MB text cost a sixth
        // of a large base64 request).
        let last = text.index(text.startIndex, offsetBy: n - 1)
        let beforeLast = text.index(text.startIndex, offsetBy: n - 2)
        let pad = text[last] != UInt8(ascii: "=") ? 0 : text[beforeLast] == UInt8(ascii: "=") ? 2 : 1
        return n / 4 * 3 - pad
    }

    /// Decodes `text` into `out` (which must hold `decodedLength(text)` bytes); false on a bad character.
    public static func decode(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableRawBufferPointer) -> Bool {
        guard let length = decodedLength(text), out.count >= length else { return false }
        guard length > 0, let src = text.baseAddress, let dst = out.baseAddress else { return true }
        return decodeTable.withUnsafeBufferPointer { t -> Bool in
            // Every quad but the last has no padding: decode those without per-byte checks, and
            // detect a bad character once at the end (an 0xFF from the table sets bit 7 of `bad`).
            let quads = text.count / 4 - 1
            var bad: UInt8 = 0
            var o = dst.assumingMemoryBound(to: UInt8.self)
            var i = src
            for _ in 0..<quads {
                let c0 = t[Int(i[0])]
                let c1 = t[Int(i[1])]
                let c2 = t[Int(i[2])]
                let c3 = t[Int(i[3])]
                bad |= c0 | c1 | c2 | c3
                let v = UInt32(c0) << 18 | UInt32(c1) << 12 | UInt32(c2) << 6 | UInt32(c3)
                o[0] = UInt8(truncatingIfNeeded: v >> 16)
                o[1] = UInt8(truncatingIfNeeded: v >> 8)
                o[2] = UInt8(truncatingIfNeeded: v)
                o += 3
                i += 4
            }
            guard bad & 0x80 == 0 else { return false }
            // The last quad, which may end in "=" or "==".
            let (p2, p3) = (i[2], i[3])
            let c0 = t[Int(i[0])]
            let c1 = t[Int(i[1])]
            let c2 = p2 == UInt8(ascii: "=") ? 0 : t[Int(p2)]
            let c3 = p3 == UInt8(ascii: "=") ? 0 : t[Int(p3)]
            guard (c0 | c1 | c2 | c3) & 0x80 == 0 else { return false }
            if p2 == UInt8(ascii: "=") && p3 != UInt8(ascii: "=") { return false }
            let v = UInt32(c0) << 18 | UInt32(c1) << 12 | UInt32(c2) << 6 | UInt32(c3)
            let rest = length - quads * 3
            o[0] = UInt8(truncatingIfNeeded: v >> 16)
            if rest > 1 { o[1] = UInt8(truncatingIfNeeded: v >> 8) }
            if rest > 2 { o[2] = UInt8(truncatingIfNeeded: v) }
            return true
        }
    }

    /// The length of the base64 text of `count` bytes.
    public static func encodedLength(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Appends the base64 text of `bytes` to `out`.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let start = out.count
        let length = encodedLength(bytes.count)
        // Grown once, then filled through a pointer: appending byte by byte paid a uniqueness
        // check per character (a tenth of a large base64 answer's time).
        out.append(contentsOf: repeatElement(0, count: length))
        out.withUnsafeMutableBufferPointer { buffer in
            encode(bytes, to: buffer.baseAddress! + start)
        }
    }

    /// Writes the base64 text of `bytes` at `o` (`encodedLength(bytes.count)` bytes).
    static func encode(_ bytes: UnsafeRawBufferPointer, to o: UnsafeMutablePointer<UInt8>) {
        alphabet.withUnsafeBufferPointer { a in
            var i = 0
            var o = o
            while i + 3 <= bytes.count {
                let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                o[0] = a[Int(v >> 18 & 63)]
                o[1] = a[Int(v >> 12 & 63)]
                o[2] = a[Int(v >> 6 & 63)]
                o[3] = a[Int(v & 63)]
                o += 4
                i += 3
            }
            let rest = bytes.count - i
            if rest > 0 {
                let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
                o[0] = a[Int(v >> 18 & 63)]
                o[1] = a[Int(v >> 12 & 63)]
                o[2] = rest == 2 ? a[Int(v >> 6 & 63)] : UInt8(ascii: "=")
                o[3] = UInt8(ascii: "=")
            }
        }
    }
}
