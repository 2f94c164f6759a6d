import Dispatch
import Sync
import Synchronization

/// RFC 4648 base64 (standard alphabet, padded), between bytes and text with no intermediate copies.
///
/// Hand-written because it sits on the tensor path for the base64 encoding: decode straight from
/// the request body's bytes into the tensor's bytes, encode straight into the response buffer.
/// Texts of a megabyte or more are split across `parallelism` threads (the worker pool's
/// `concurrentPerform`), in pieces of whole quads that each write only their own bytes.
public enum Base64 {
    /// Below this many bytes of text a second thread costs more than it saves.
    static let parallelThreshold = 1 << 20
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

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

    /// Four tables, one per position in a quad, each giving that character's six bits already in
    /// place in the little-endian word of the quad's three bytes (modp_b64's layout), so a quad is
    /// four loads, three ORs and one store. A character outside the alphabet maps to 0x01FF_FFFF:
    /// bit 24 marks it, and no valid quad sets that bit.
    static let decodeTables: [UInt32] = {
        var t = [UInt32](repeating: 0x01FF_FFFF, count: 4 * 256)
        for (i, c) in alphabet.enumerated() {
            let v = UInt32(i)
            t[Int(c)] = v << 2
            t[256 + Int(c)] = v >> 4 | (v & 0x0F) << 12
            t[512 + Int(c)] = (v >> 2) << 8 | (v & 0x03) << 22
            t[768 + Int(c)] = v << 16
        }
        return t
    }()

    /// Decodes `text` into `out` (which must hold `decodedLength(text)` bytes); false on a bad
    /// character. With `parallelism` above 1, a long text is decoded in that many pieces at once.
    public static func decode(
        _ text: UnsafeBufferPointer<UInt8>,
        into out: UnsafeMutableRawBufferPointer,
        parallelism: Int = 1
    ) -> Bool {
        let parts = pieces(text.count / 4, textBytes: text.count, parallelism: parallelism)
        guard parts > 1, let length = decodedLength(text), out.count >= length else {
            return decodeSerially(text, into: out)
        }
        // Every piece but the last is whole quads with no padding: "=" there is a bad character.
        let quadsPerPart = text.count / 4 / parts
        let failed = Atomic(false)
        let (source, target) = (Handed(text), Handed(out.baseAddress!))
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            let text = source.value
            let first = k * quadsPerPart
            let end = k == parts - 1 ? text.count / 4 : first + quadsPerPart
            let piece = UnsafeBufferPointer(rebasing: text[(first * 4)..<(end * 4)])
            let bytes = k == parts - 1 ? length - first * 3 : (end - first) * 3
            let ok =
                (k == parts - 1 || piece[piece.count - 1] != UInt8(ascii: "="))
                && decodeSerially(
                    piece,
                    into: UnsafeMutableRawBufferPointer(start: target.value + first * 3, count: bytes)
                )
            if !ok { failed.store(true, ordering: .relaxed) }
        }
        return !failed.load(ordering: .relaxed)  // concurrentPerform has returned: every store is seen
    }

    /// How many pieces `units` quads (or triples) of a `textBytes`-byte text are worth splitting into.
    static func pieces(_ units: Int, textBytes: Int, parallelism: Int) -> Int {
        guard parallelism > 1, textBytes >= parallelThreshold else { return 1 }
        return max(1, min(parallelism, units / 4096))
    }

    static func decodeSerially(_ text: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableRawBufferPointer) -> Bool {
        guard let length = decodedLength(text), out.count >= length else { return false }
        guard length > 0, let src = text.baseAddress, let dst = out.baseAddress else { return true }
        return decodeTables.withUnsafeBufferPointer { tables -> Bool in
            let t = tables.baseAddress!
            // Every quad but the last has no padding: decode those without per-byte checks, and
            // detect a bad character once at the end. Each stores a whole word, whose fourth byte
            // the next quad overwrites (the last quad always writes at least one byte after it).
            let quads = text.count / 4 - 1
            var bad: UInt32 = 0
            var o = dst
            var i = src
            @inline(__always) func quad(_ p: UnsafePointer<UInt8>) -> UInt32 {
                t[Int(p[0])] | t[256 + Int(p[1])] | t[512 + Int(p[2])] | t[768 + Int(p[3])]
            }
            var k = 0
            while k + 2 <= quads {
                let x0 = quad(i)
                let x1 = quad(i + 4)
                bad |= x0 | x1
                o.storeBytes(of: x0.littleEndian, as: UInt32.self)
                (o + 3).storeBytes(of: x1.littleEndian, as: UInt32.self)
                o += 6
                i += 8
                k += 2
            }
            if k < quads {
                let x = quad(i)
                bad |= x
                o.storeBytes(of: x.littleEndian, as: UInt32.self)
                o += 3
                i += 4
            }
            guard bad & 0x0100_0000 == 0 else { return false }
            // The last quad, which may end in "=" or "==".
            let (p2, p3) = (i[2], i[3])
            if p2 == UInt8(ascii: "=") && p3 != UInt8(ascii: "=") { return false }
            let x =
                t[Int(i[0])] | t[256 + Int(i[1])]
                | (p2 == UInt8(ascii: "=") ? 0 : t[512 + Int(p2)])
                | (p3 == UInt8(ascii: "=") ? 0 : t[768 + Int(p3)])
            guard x & 0x0100_0000 == 0 else { return false }
            let rest = length - quads * 3
            let b = o.assumingMemoryBound(to: UInt8.self)
            b[0] = UInt8(truncatingIfNeeded: x)
            if rest > 1 { b[1] = UInt8(truncatingIfNeeded: x >> 8) }
            if rest > 2 { b[2] = UInt8(truncatingIfNeeded: x >> 16) }
            return true
        }
    }

    /// The length of the base64 text of `count` bytes.
    public static func encodedLength(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Appends the base64 text of `bytes` to `out`, in `parallelism` pieces at once when long.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8], parallelism: Int = 1) {
        let start = out.count
        let length = encodedLength(bytes.count)
        // Grown once, then filled through a pointer: appending byte by byte paid a uniqueness
        // check per character (a tenth of a large base64 answer's time).
        out.append(contentsOf: repeatElement(0, count: length))
        out.withUnsafeMutableBufferPointer { buffer in
            encode(bytes, to: buffer.baseAddress! + start, parallelism: parallelism)
        }
    }

    /// Writes the base64 text of `bytes` at `o`; pieces of whole triples, so only the last pads.
    static func encode(_ bytes: UnsafeRawBufferPointer, to o: UnsafeMutablePointer<UInt8>, parallelism: Int) {
        let parts = pieces(bytes.count / 3, textBytes: encodedLength(bytes.count), parallelism: parallelism)
        guard parts > 1 else { return encode(bytes, to: o) }
        let triplesPerPart = bytes.count / 3 / parts
        let (source, target) = (Handed(bytes), Handed(UnsafeMutableRawPointer(o)))
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            let bytes = source.value
            let first = k * triplesPerPart * 3
            let end = k == parts - 1 ? bytes.count : first + triplesPerPart * 3
            encode(
                UnsafeRawBufferPointer(rebasing: bytes[first..<end]),
                to: (target.value + first / 3 * 4).assumingMemoryBound(to: UInt8.self)
            )
        }
    }

    /// Two characters per entry, for twelve bits of input at a time (little-endian: the first
    /// character in the low byte), so six input bytes become one 8-byte store.
    static let pairs: [UInt16] = (0..<4096).map { v in
        UInt16(alphabet[v >> 6]) | UInt16(alphabet[v & 63]) << 8
    }

    /// Writes the base64 text of `bytes` at `o` (`encodedLength(bytes.count)` bytes).
    static func encode(_ bytes: UnsafeRawBufferPointer, to o: UnsafeMutablePointer<UInt8>) {
        pairs.withUnsafeBufferPointer { pairs in
            let p = pairs.baseAddress!
            let count = bytes.count
            var i = 0
            var o = UnsafeMutableRawPointer(o)
            if let base = bytes.baseAddress {
                // Six bytes per step, read as one big-endian word (eight bytes loaded, so stop
                // while eight remain).
                while i + 8 <= count {
                    let w = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let v =
                        UInt64(p[Int(w >> 52)]) | UInt64(p[Int(w >> 40 & 0xFFF)]) << 16
                        | UInt64(p[Int(w >> 28 & 0xFFF)]) << 32 | UInt64(p[Int(w >> 16 & 0xFFF)]) << 48
                    o.storeBytes(of: v.littleEndian, toByteOffset: 0, as: UInt64.self)
                    o += 8
                    i += 6
                }
            }
            let a = o.assumingMemoryBound(to: UInt8.self)
            var j = 0
            while i + 3 <= count {
                let v = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2])
                let (hi, lo) = (p[v >> 12], p[v & 0xFFF])
                a[j] = UInt8(truncatingIfNeeded: hi)
                a[j + 1] = UInt8(truncatingIfNeeded: hi >> 8)
                a[j + 2] = UInt8(truncatingIfNeeded: lo)
                a[j + 3] = UInt8(truncatingIfNeeded: lo >> 8)
                j += 4
                i += 3
            }
            let rest = count - i
            if rest > 0 {
                let v = Int(bytes[i]) << 16 | (rest == 2 ? Int(bytes[i + 1]) << 8 : 0)
                let (hi, lo) = (p[v >> 12], p[v & 0xFFF])
                a[j] = UInt8(truncatingIfNeeded: hi)
                a[j + 1] = UInt8(truncatingIfNeeded: hi >> 8)
                a[j + 2] = rest == 2 ? UInt8(truncatingIfNeeded: lo) : UInt8(ascii: "=")
                a[j + 3] = UInt8(ascii: "=")
            }
        }
    }
}
