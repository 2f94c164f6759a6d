/// Writes JSON into one growing byte buffer, the response body handed to the server as is.
///
/// Numbers are written in the shortest form that reads back to the same value (Swift's
/// `description` algorithm), straight into the buffer through `_writeASCII` rather than through
/// an intermediate `String` (appending `description.utf8` measured markedly slower).
public struct JSONWriter: TextOutputStream {
    public internal(set) var bytes: [UInt8]
    /// The tensors of a binary response, in order, to follow the JSON part as they are (see
    /// `TensorEncoding.binary`): kept as the arrays themselves, so their bytes are never copied
    /// into a tail buffer; the server sends them from where they are.
    public private(set) var binaryParts: [BinaryPart] = []
    /// The binary parts' bytes joined (a copy; for tests and small callers).
    public var binaryTail: [UInt8] {
        var out: [UInt8] = []
        for part in binaryParts { part.withUnsafeBytes { out.append(contentsOf: $0) } }
        return out
    }
    /// Threads a long base64 string may be encoded on (the worker pool's width for one request).
    public var parallelism = 1
    /// Where a block of numbers is printed before it is appended to `bytes`.
    private var scratch: [UInt8] = []
    /// One entry per open container: whether a value has been written in it yet.
    private var hasElement: [Bool] = []

    /// `capacity` bytes of JSON are reserved up front, so a large response is not copied as its
    /// buffer grows.
    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // TextOutputStream: the number printers call these.
    public mutating func write(_ string: String) { bytes.append(contentsOf: string.utf8) }
    public mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }

    @inline(__always)
    private mutating func separate() {
        if let last = hasElement.last {
            if last { bytes.append(UInt8(ascii: ",")) }
            hasElement[hasElement.count - 1] = true
        }
    }

    public mutating func beginObject() {
        beforeValue()
        bytes.append(UInt8(ascii: "{"))
        hasElement.append(false)
    }

    public mutating func endObject() {
        hasElement.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        beforeValue()
        bytes.append(UInt8(ascii: "["))
        hasElement.append(false)
    }

    public mutating func endArray() {
        hasElement.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes `"name":`; the next value written belongs to it.
    public mutating func key(_ name: String) {
        separate()
        writeString(name)
        bytes.append(UInt8(ascii: ":"))
        pendingValue = true
    }

    private var pendingValue = false

    @inline(__always)
    mutating func beforeValue() {
        if pendingValue {
            pendingValue = false  // the key already wrote the comma
        } else {
            separate()
        }
    }

    public mutating func string(_ value: String) {
        beforeValue()
        writeString(value)
    }

    public mutating func bool(_ value: Bool) {
        beforeValue()
        bytes.append(contentsOf: value ? Array("true".utf8) : Array("false".utf8))
    }

    public mutating func null() {
        beforeValue()
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    }

    public mutating func integer(_ value: Int) {
        beforeValue()
        write(String(value))
    }

    /// A float in shortest round-trip form; non-finite values (not JSON) are written `null`.
    @_specialize(exported:true,where S == Double)
    @_specialize(exported:true,where S == Float)
    public mutating func number<S: BinaryFloatingPoint & TextOutputStreamable>(_ value: S) {
        beforeValue()
        writeNumberRaw(value)
    }

    @inline(__always)
    mutating func writeNumberRaw<S: BinaryFloatingPoint & TextOutputStreamable>(_ value: S) {
        if value.isFinite {
            value.write(to: &self)  // the shortest digits, through _writeASCII
        } else {
            bytes.append(UInt8(ascii: "n"))
            bytes.append(UInt8(ascii: "u"))
            bytes.append(UInt8(ascii: "l"))
            bytes.append(UInt8(ascii: "l"))
        }
    }

    /// A row-major array of numbers, `[v0,v1,...]`. Specialised: it writes every element of every
    /// response tensor, and a generic body would reach each through protocol witnesses.
    ///
    /// Doubles are printed in place into the buffer, a block of elements at a time, by
    /// `ShortestDigits` (same text as `description`, measured faster); floats go through
    /// Swift's printer.
    @_specialize(exported:true,where S == Double)
    @_specialize(exported:true,where S == Float)
    public mutating func numbers<S: BinaryFloatingPoint & TextOutputStreamable>(_ values: UnsafeBufferPointer<S>) {
        beforeValue()
        bytes.append(UInt8(ascii: "["))
        if S.self == Double.self {
            // A block of numbers is printed into `scratch` (it stays in cache), then appended:
            // one copy, where reserving room in `bytes` first would mean zero-filling it.
            // Sized for this array's first block (a small answer needs a small one), grown as needed.
            let block = 1024
            let room = min(block, values.count) * (ShortestDigits.maxBytes + 1) + ShortestDigits.slack
            if scratch.count < room { scratch = [UInt8](repeating: 0, count: max(room, 2 * scratch.count)) }
            var k = 0
            while k < values.count {
                let n = min(block, values.count - k)
                scratch.withUnsafeMutableBufferPointer { buffer in
                    let first = buffer.baseAddress!
                    var p = first
                    for v in UnsafeBufferPointer(rebasing: values[k..<(k + n)]) {
                        // A comma before every number, no test: the array's first is not copied.
                        p.pointee = UInt8(ascii: ",")
                        p += 1
                        if !v.isFinite {
                            p += ShortestDigits.writeNull(to: p)
                        } else {
                            p += ShortestDigits.write(unsafeBitCast(v, to: Double.self), to: p)
                        }
                    }
                    precondition(p - first <= buffer.count - ShortestDigits.slack, "a number took more than its room")
                    let start = k == 0 ? first + 1 : first
                    bytes.append(contentsOf: UnsafeBufferPointer(start: start, count: p - start))
                }
                k += n
            }
        } else {
            for k in values.indices {
                if k > 0 { bytes.append(UInt8(ascii: ",")) }
                writeNumberRaw(values[k])
            }
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func appendBinary(_ part: BinaryPart) { binaryParts.append(part) }

    /// `bytes` as a quoted base64 string, encoded straight into the buffer.
    public mutating func base64String(_ raw: UnsafeRawBufferPointer) {
        beforeValue()
        bytes.append(UInt8(ascii: "\""))
        Base64.encode(raw, into: &bytes, parallelism: parallelism)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        // Fast path: keys and names need no escapes, so copy their bytes in one go.
        var s = s
        let plain = s.withUTF8 { utf8 in
            guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
            else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if plain {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 15)]])
            default: bytes.append(c)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
