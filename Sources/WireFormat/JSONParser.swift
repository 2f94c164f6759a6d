import Dispatch
import Sync

#if canImport(Glibc)
import Glibc
#endif

/// Parses RFC 8259 JSON straight from the body bytes.
///
/// Hand-written because it is the product's hot path: Foundation's `JSONSerialization` is lossy
/// for long numbers on Linux and `JSONDecoder` is 3–10× slower (measured in
/// docs/architecture.md). Numbers go through `NumberReader`, which is exact.
public struct JSONParser: ~Copyable {
    /// Deeper nesting than this is refused (a tensor needs 3 levels; the stack must stay small).
    public static let maxDepth = 64

    /// Strings at least this long may be borrowed (see `parse(_:borrowingLongStrings:)`).
    public static let borrowedStringLength = 1024

    private let bytes: UnsafeRawBufferPointer
    /// `bytes` as bytes, and their count: the hot loops index these directly.
    private let p: UnsafePointer<UInt8>
    private let count: Int
    private let borrowing: Bool
    /// Whether a nested matrix becomes one `.rows` (see `parse(_:borrowingLongStrings:numberRows:parallelism:)`).
    private var numberRows = false
    private var index = 0
    private var depth = 0
    /// Threads an array of rows of a megabyte or more may be read on (see `parallelRows`).
    private var parallelism = 1
    /// Input before this offset was scanned for a parallel split and found unsuitable.
    private var scannedUntil = 0
    /// Where a row of numbers is gathered before it becomes one exactly-sized `[Double]`; grown
    /// by doubling and reused for every row, so a row costs one allocation and one copy.
    private var row: UnsafeMutablePointer<Double>
    private var rowCapacity = 512

    private init(_ bytes: UnsafeRawBufferPointer, borrowing: Bool) {
        self.bytes = bytes
        // An empty input has no base address; with `count` 0 nothing is ever read through `p`.
        self.p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        self.count = bytes.count
        self.borrowing = borrowing
        self.row = .allocate(capacity: rowCapacity)
    }

    deinit { row.deallocate() }

    /// Parses one whole document; trailing non-space bytes are an error.
    ///
    /// With `borrowingLongStrings`, a string value of `borrowedStringLength` bytes or more that is
    /// plain ASCII with no escapes (a base64 tensor) is not copied out: it comes back as
    /// `.borrowedString`, pointing into `bytes`, so the caller must use the result only while
    /// `bytes` is valid. It is checked exactly as any string is.
    ///
    /// With `parallelism` above 1, an array of arrays (a nested tensor) of at least
    /// `parallelThreshold` bytes is read in that many pieces at once, split at row boundaries; the
    /// result is the same, and any fault is found again by reading serially, so errors are too.
    ///
    /// With `numberRows`, an array of equal-length rows of numbers (a nested matrix) comes back
    /// as one `.rows`, its numbers in one buffer, rather than an `.array` holding one `.numbers`
    /// per row: a small request's matrices then cost an allocation each, not one per row. Only
    /// readers that handle `.rows` ask for it; anything else in an array is read as always.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer,
        borrowingLongStrings: Bool = false,
        numberRows: Bool = false,
        parallelism: Int = 1
    ) throws(WireError) -> JSONValue {
        var parser = JSONParser(bytes, borrowing: borrowingLongStrings)
        parser.parallelism = parallelism
        parser.numberRows = numberRows
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
            throw parser.fail("a UTF-8 byte order mark starts the body; JSON is sent without one (RFC 8259)")
        }
        parser.skipSpace()
        let value = try parser.parseValue()
        parser.skipSpace()
        if parser.index != bytes.count { throw parser.fail("unexpected data after the JSON document") }
        return value
    }

    public static func parse(_ array: [UInt8]) throws(WireError) -> JSONValue {
        do {
            return try array.withUnsafeBytes { buffer in try JSONParser.parse(buffer) }
        } catch let error as WireError {
            throw error
        } catch {
            fatalError("unreachable: \(error)")
        }
    }

    public static func parse(_ text: String) throws(WireError) -> JSONValue { try parse(Array(text.utf8)) }

    private func fail(_ reason: String) -> WireError { .malformed(offset: index, reason: reason) }

    /// The 1-based line and column (in bytes) of `offset` in `bytes`, for error messages.
    public static func location(of offset: Int, in bytes: UnsafeRawBufferPointer) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }

    @inline(__always)
    private func peek() -> UInt8? { index < count ? p[index] : nil }

    @inline(__always)
    private static func startsNumber(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "-") || c &- UInt8(ascii: "0") < 10
    }

    @inline(__always)
    private mutating func skipSpace() {
        while index < count {
            switch p[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(WireError) -> JSONValue {
        guard let c = peek() else { throw fail("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""):
            if borrowing, let borrowed = try borrowLongString() { return .borrowedString(borrowed) }
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "N"), UInt8(ascii: "I"): throw notANumber()
        default: throw fail("unexpected character '\(Unicode.Scalar(c))'")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(WireError) {
        let n = literal.utf8CodeUnitCount
        guard index + n <= bytes.count else { throw fail("unexpected end of input") }
        for k in 0..<n where bytes[index + k] != literal.utf8Start[k] { throw fail("invalid literal") }
        index += n
    }

    /// A number; one too large for float64 comes back infinite (it is valid JSON: the tensor
    /// decoder refuses it with its pointer, 422, as it does values that overflow float32).
    @inline(__always)
    private mutating func parseNumber() throws(WireError) -> Double {
        guard let (value, end) = NumberReader.read(p, from: index, end: count) else { throw numberFault() }
        index = end
        return value
    }

    /// The fault at a token that starts like a number and is not one.
    private mutating func numberFault() -> WireError {
        if index + 1 < count && p[index] == UInt8(ascii: "-") && p[index + 1] == UInt8(ascii: "I") {
            index += 1
            return notANumber()
        }
        return fail("invalid number")
    }

    /// `NaN`, `Infinity` or `-Infinity`, which some encoders write and JSON does not have.
    private func notANumber() -> WireError {
        fail("NaN and Infinity are not JSON numbers; send finite numbers (or null where a value may be missing)")
    }

    private mutating func enter() throws(WireError) {
        depth += 1
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth)") }
    }

    private mutating func parseArray() throws(WireError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        if parallelism > 1 && index >= scannedUntil && count - index >= Self.parallelThreshold,
            let rows = parallelRows()
        {
            return rows
        }
        index += 1  // [
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array([])
        }
        if numberRows && peek() == UInt8(ascii: "[") && depth < Self.maxDepth, let rows = readNumberRows() {
            return rows
        }
        // Optimistic path: a row of numbers is gathered in `row`, then becomes one [Double].
        var items: [JSONValue] = []
        if let c = peek(), Self.startsNumber(c) {
            var k = 0
            if try readRow(into: &k, upTo: .max) == .closed {
                return .numbers(Array(UnsafeBufferPointer(start: row, count: k)))
            }
            items = UnsafeBufferPointer(start: row, count: k).map(JSONValue.number)
        }
        while true {
            items.append(try parseValue())
            skipSpace()
            guard let sep = peek() else { throw fail("unexpected end of input in array") }
            if sep == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            guard sep == UInt8(ascii: ",") else { throw fail("expected ',' or ']' in array") }
            index += 1
            skipSpace()
            if peek() == UInt8(ascii: "]") { throw fail("trailing comma before ']'") }
        }
    }

    /// Below this many bytes an array is read on one thread. (The fuzzer's build splits small
    /// arrays too, to compare both readers on every input.)
    #if FUZZING
    public static let parallelThreshold = 64
    #else
    public static let parallelThreshold = 1 << 20
    #endif

    /// The array at `index` read in `parallelism` pieces at once, when it is an array of at
    /// least `parallelThreshold` bytes whose elements include enough arrays (rows) to split at;
    /// nil (with `index` unchanged) when it is not, or when any piece fails, so that the serial
    /// reader reads it and reports the first fault exactly as it always does.
    private mutating func parallelRows() -> JSONValue? {
        let open = index
        var first = open + 1
        while first < count, p[first] == 0x20 || p[first] == 0x0A || p[first] == 0x0D || p[first] == 0x09 {
            first += 1
        }
        guard first < count, p[first] == UInt8(ascii: "[") else { return nil }  // not an array of rows
        let (rowStarts, close) = scanRows(from: open)
        scannedUntil = close  // scanned once: arrays inside are not scanned again
        guard close < count, p[close] == UInt8(ascii: "]") else { return nil }
        let parts = min(parallelism, rowStarts.count / 2)
        guard close - open >= Self.parallelThreshold, parts > 1 else { return nil }
        // Piece 0 starts at the first element; piece k at the first row at or after k/parts of
        // the array's bytes.
        var starts = [first]
        var r = 0
        for k in 1..<parts {
            let target = open + (close - open) / parts * k
            while r < rowStarts.count - 1 && rowStarts[r] < target { r += 1 }
            if rowStarts[r] > starts[starts.count - 1] { starts.append(rowStarts[r]) }
        }
        let pieces = starts.count
        guard pieces > 1 else { return nil }
        let results = UnsafeMutablePointer<[JSONValue]?>.allocate(capacity: pieces)
        results.initialize(repeating: nil, count: pieces)
        defer {
            results.deinitialize(count: pieces)
            results.deallocate()
        }
        let shared = Handed((bytes, results, starts, close, borrowing, depth))
        DispatchQueue.concurrentPerform(iterations: pieces) { k in
            let (bytes, results, starts, close, borrowing, depth) = shared.value
            var piece = JSONParser(bytes, borrowing: borrowing)
            piece.depth = depth
            piece.index = starts[k]
            results[k] = try? piece.readPiece(
                to: k + 1 < starts.count ? starts[k + 1] : close,
                last: k + 1 == starts.count
            )
        }
        var items: [JSONValue] = []
        for k in 0..<pieces {
            guard let part = results[k] else { return nil }
            items.append(contentsOf: part)
        }
        index = close + 1
        return .array(items)
    }

    /// Values separated by commas from `index`, the first element of a piece, up to `stop`: the
    /// next piece's first element, or for the last piece the array's closing bracket. Throws when
    /// the text there is not that (a malformed array, or a split that was not a boundary).
    private mutating func readPiece(to stop: Int, last: Bool) throws(WireError) -> [JSONValue] {
        var items: [JSONValue] = []
        while true {
            items.append(try parseValue())
            skipSpace()
            if last && index == stop { return items }
            guard peek() == UInt8(ascii: ",") else { throw fail("expected ','") }
            index += 1
            skipSpace()
            if !last && index == stop { return items }
            if index >= stop { throw fail("a piece ran past its end") }
        }
    }

    /// The offsets of the elements of the array at `open` that are arrays (its rows), and the
    /// offset of its closing bracket, by counting brackets sixteen bytes at a time. When a string
    /// comes first (brackets in strings do not count, so the scan gives up) or the input ends,
    /// `close` is where it stopped, which is not a bracket.
    private func scanRows(from open: Int) -> (rowStarts: [Int], close: Int) {
        var rowStarts: [Int] = []
        var depth = 0
        var i = open
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x }
        // `[` (0x5B) and `]` (0x5D) both become 0x59 with bits 1 and 2 cleared (so do `Y` and `_`,
        // which only cost a look byte by byte): two tests per word find brackets and quotes.
        let brackets: UInt64 = ~(ones &* 0x06)
        while i < count {
            if i + 16 <= count {
                let v = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                let w = UnsafeRawPointer(p + i + 8).loadUnaligned(as: UInt64.self)
                let hits =
                    zeroBytes((v & brackets) ^ (ones &* 0x59)) | zeroBytes(v ^ (ones &* 0x22))
                    | zeroBytes((w & brackets) ^ (ones &* 0x59)) | zeroBytes(w ^ (ones &* 0x22))
                if hits & highs == 0 {
                    i += 16
                    continue
                }
            }
            // Words with a bracket or quote (or the last few bytes): byte by byte to their end.
            let end = min(i + 16, count)
            while i < end {
                switch p[i] {
                case UInt8(ascii: "["):
                    depth += 1
                    if depth == 2 { rowStarts.append(i) }
                case UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return (rowStarts, i) }
                case UInt8(ascii: "\""):
                    return (rowStarts, i)
                default: break
                }
                i += 1
            }
        }
        return (rowStarts, count)
    }

    /// The rows of a nested matrix from `index` (at its first row's `[`) to past the matrix's
    /// closing `]`, read into the row buffer and returned as one `.rows`. Anything else (an empty
    /// or ragged row, an element that is not a number, space-free or not, or any syntax fault)
    /// returns nil with `index` back where it was, and the general reader reads the array again
    /// from there: it gives the same value in the general form, or reports the fault as always.
    /// So does a matrix of more than `maxRowsNumbers` numbers (the row buffer would otherwise hold
    /// a large matrix a second time, beside its array, for the rest of the parse); large matrices
    /// are what the parallel reader and the general one are for.
    private mutating func readNumberRows() -> JSONValue? {
        let start = index
        var k = 0  // numbers read
        var columns = 0
        while true {
            index += 1  // [
            skipSpace()
            let rowStart = k
            guard let c = peek(), Self.startsNumber(c) else { break }
            // A fault here is the general reader's to report, from the array's first byte.
            guard (try? readRow(into: &k, upTo: Self.maxRowsNumbers)) == .closed else { break }
            if rowStart == 0 {
                columns = k
            } else if k - rowStart != columns {
                break
            }
            skipSpace()
            guard let sep = peek() else { break }
            index += 1
            if sep == UInt8(ascii: "]") {
                return .rows(NumberRows(values: Array(UnsafeBufferPointer(start: row, count: k)), columns: columns))
            }
            guard sep == UInt8(ascii: ",") else { break }
            skipSpace()
            guard peek() == UInt8(ascii: "[") else { break }
        }
        index = start
        return nil
    }

    /// How `readRow` stopped.
    private enum RowEnd {
        /// Past the row's `]`.
        case closed
        /// At an element after a comma that is not a number (the general reader goes on there).
        case notANumber
        /// At a number the row buffer has no room for under `upTo`.
        case full
    }

    /// Reads the numbers of an array from `index` (at its first number) into the row buffer from
    /// `k` on, advancing `k`, until the array's `]`, an element that is not a number, or `limit`
    /// numbers in the buffer; a syntax fault on the way is thrown as the general reader states it.
    /// The loop of both row readers, `parseArray`'s and `readNumberRows`'.
    @inline(__always)
    private mutating func readRow(into k: inout Int, upTo limit: Int) throws(WireError) -> RowEnd {
        while true {
            guard let (value, end) = NumberReader.read(p, from: index, end: count) else { throw numberFault() }
            if k == rowCapacity {
                guard k < limit else { return .full }
                growRow()
            }
            index = end
            row[k] = value
            k += 1
            // The common case, "number,number", without the general checks below.
            if index + 1 < count && p[index] == UInt8(ascii: ",") && Self.startsNumber(p[index + 1]) {
                index += 1
                continue
            }
            skipSpace()
            guard let sep = peek() else { throw fail("unexpected end of input in array") }
            index += 1
            if sep == UInt8(ascii: "]") { return .closed }
            guard sep == UInt8(ascii: ",") else {
                index -= 1
                throw fail("expected ',' or ']' in array")
            }
            skipSpace()
            if peek() == UInt8(ascii: "]") { throw fail("trailing comma before ']'") }
            guard let c = peek(), Self.startsNumber(c) else { return .notANumber }
        }
    }

    /// The most numbers `readNumberRows` grows the row buffer for (512 KiB of doubles; checked when
    /// the buffer would grow, so a buffer a long row already grew is used as it is).
    static let maxRowsNumbers = 1 << 16

    private mutating func growRow() {
        let larger = UnsafeMutablePointer<Double>.allocate(capacity: rowCapacity * 2)
        larger.moveInitialize(from: row, count: rowCapacity)
        row.deallocate()
        row = larger
        rowCapacity *= 2
    }

    private mutating func parseObject() throws(WireError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        index += 1  // {
        skipSpace()
        var members: [(key: String, value: JSONValue)] = []
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string key in object") }
            let key = try parseString()
            skipSpace()
            guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after object key") }
            index += 1
            skipSpace()
            let value = try parseValue()
            if members.contains(where: { $0.key == key }) { throw fail("duplicate key \"\(key)\"") }
            members.append((key, value))
            skipSpace()
            guard let sep = peek() else { throw fail("unexpected end of input in object") }
            index += 1
            if sep == UInt8(ascii: "}") { return .object(members) }
            guard sep == UInt8(ascii: ",") else {
                index -= 1
                throw fail("expected ',' or '}' in object")
            }
            skipSpace()
            if peek() == UInt8(ascii: "}") { throw fail("trailing comma before '}'") }
        }
    }

    /// The string at `index` as a view of the input, when it is long, plain ASCII and has no
    /// escapes (then `index` moves past it); nil, with `index` unchanged, for any other string.
    private mutating func borrowLongString() throws(WireError) -> BorrowedText? {
        let start = index + 1
        let (end, nonASCII) = plainRun(from: start)
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\""), end - start >= Self.borrowedStringLength,
            !nonASCII
        else { return nil }
        index = end + 1
        return BorrowedText(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
    }

    /// The index of the first quote, backslash or control character at or after `start` (or the
    /// end of the input), and whether a byte of 0x80 or more comes before it. Eight bytes at a
    /// time (a base64 tensor is one string of megabytes), then byte by byte from the word holding
    /// the first stop. A byte of `x` is zero iff its bit 7 is set in (x − 0x01…) & ~x. (A 16-byte
    /// `SIMD16<UInt8>` version measured no faster.)
    private func plainRun(from start: Int) -> (end: Int, nonASCII: Bool) {
        var i = start
        var high: UInt64 = 0
        let highs: UInt64 = 0x8080_8080_8080_8080
        if let base = bytes.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101
            while i + 8 <= bytes.count {
                let v = (base + i).loadUnaligned(as: UInt64.self)
                let quote = v ^ (ones &* 0x22)
                let backslash = v ^ (ones &* 0x5C)
                let stop =
                    ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((v &- ones &* 0x20) & ~v)
                if stop & highs != 0 { break }
                high |= v
                i += 8
            }
        }
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] >= 0x20, bytes[i] != UInt8(ascii: "\\") {
            high |= UInt64(bytes[i])
            i += 1
        }
        return (i, high & highs != 0)
    }

    private mutating func parseString() throws(WireError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes. Skip the plain run, then go on byte by byte from where it stops.
        index = plainRun(from: start).end
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let s = try Self.decodeUTF8(UnsafeRawBufferPointer(rebasing: bytes[start..<index]), at: start)
                index += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("control character in string") }
            index += 1
        }
        var out: [UInt8] = Array(bytes[start..<index])
        while index < bytes.count {
            let c = bytes[index]
            switch c {
            case UInt8(ascii: "\""):
                index += 1
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw WireError.malformed(offset: start, reason: "string is not valid UTF-8")
                }
                return s
            case UInt8(ascii: "\\"):
                index += 1
                guard let e = peek() else { throw fail("unexpected end of input in string") }
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw fail("unpaired surrogate in string") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate in string") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("unpaired surrogate in string")
                    }
                    out.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                default: throw fail("invalid escape in string")
                }
            default:
                if c < 0x20 { throw fail("control character in string") }
                out.append(c)
                index += 1
            }
        }
        throw fail("unterminated string")
    }

    private mutating func parseHex4() throws(WireError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("unexpected end of input in \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
            index += 1
        }
        return v
    }

    private static func decodeUTF8(_ raw: UnsafeRawBufferPointer, at offset: Int) throws(WireError) -> String {
        // Short ASCII (every key, dtype and name the API defines) needs no validation; long strings
        // (base64 tensors) are validated in one pass below rather than scanned twice.
        let units = raw.assumingMemoryBound(to: UInt8.self)
        if units.count <= 64, !units.contains(where: { $0 >= 0x80 }) {
            return String(decoding: units, as: UTF8.self)
        }
        guard let s = String(validating: raw.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw .malformed(offset: offset, reason: "string is not valid UTF-8")
        }
        return s
    }
}
