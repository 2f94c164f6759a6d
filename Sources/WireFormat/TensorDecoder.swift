import Backprop

/// Caps on one tensor, checked against its declared shape before anything is allocated.
/// No defaults here: the service's `ServiceLimits.maxTensorElements` is the one place the
/// default is written, and every caller says what it allows.
public struct TensorLimits: Sendable, Equatable {
    /// Elements in one tensor.
    public var maxElements: Int
    public init(maxElements: Int) { self.maxElements = maxElements }
}

/// Turns a JSON tensor (nested, flat or base64) into a contiguous row-major buffer of `S`,
/// naming the JSON Pointer of any fault.
public enum TensorDecoder {
    /// A matrix: `[[...], ...]`, `{"shape": [r, c], "data": [...]}` or `{"shape", "dtype", "base64"}`.
    @_specialize(exported:true,where S == Double)
    @_specialize(exported:true,where S == Float)
    public static func matrix<S: BLASScalar>(
        _ value: JSONValue,
        at pointer: JSONPointer,
        limits: TensorLimits,
        binary: BinarySection? = nil,
        parallelism: Int = 1,
        as: S.Type = S.self
    ) throws(WireError) -> Matrix<S> {
        switch value {
        case .array(let rows):
            return try nestedMatrix(rows, at: pointer, limits: limits)
        case .rows(let rows):
            return try flatMatrix(rows, at: pointer, limits: limits)
        case .numbers(let values):
            // Name a shape that works: the numbers as one row, or as one column.
            let shown = values.prefix(3).map(Wording.number)
            let more = values.count > 3 ? ", …" : ""
            let row = "[[" + shown.joined(separator: ", ") + more + "]]"
            let column = "[" + shown.map { "[\($0)]" }.joined(separator: ", ") + more + "]"
            throw .invalid(
                pointer: pointer,
                detail:
                    "expected a matrix (an array of rows), got a flat array of \(Wording.count(values.count, "number")): write \(row) for one row of \(Wording.count(values.count, "column")), or \(column) for \(Wording.count(values.count, "row")) of one column"
            )
        case .object:
            let (shape, data) = try shaped(
                value,
                at: pointer,
                rank: 2,
                limits: limits,
                binary: binary,
                parallelism: parallelism,
                as: S.self
            )
            return Matrix(rows: shape[0], columns: shape[1], storage: data)
        default:
            throw .invalid(
                pointer: pointer,
                detail: "expected a matrix (array of rows or tensor object), got \(value.typeName)"
            )
        }
    }

    /// A vector: `[...]`, `{"shape": [n], "data": [...]}` or `{"shape": [n], "dtype", "base64"}`.
    @_specialize(exported:true,where S == Double)
    @_specialize(exported:true,where S == Float)
    public static func vector<S: BLASScalar>(
        _ value: JSONValue,
        at pointer: JSONPointer,
        limits: TensorLimits,
        binary: BinarySection? = nil,
        parallelism: Int = 1,
        as: S.Type = S.self
    ) throws(WireError) -> [S] {
        switch value {
        case .numbers(let values):
            if values.count > limits.maxElements { throw tooMany(values.count, limits, at: pointer) }
            return try convert(values, at: pointer)
        case .array(let items):
            if items.isEmpty { return [] }
            throw firstNonNumber(items, at: pointer)
        case .rows:
            throw firstNonNumber(value.arrayElements!, at: pointer)
        case .object:
            return try shaped(
                value,
                at: pointer,
                rank: 1,
                limits: limits,
                binary: binary,
                parallelism: parallelism,
                as: S.self
            ).data.array
        default:
            throw .invalid(
                pointer: pointer,
                detail: "expected a vector (array of numbers or tensor object), got \(value.typeName)"
            )
        }
    }

    private static func nestedMatrix<S: BLASScalar>(
        _ rows: [JSONValue],
        at pointer: JSONPointer,
        limits: TensorLimits
    )
        throws(WireError) -> Matrix<S>
    {
        guard case .numbers(let first)? = rows.first else {
            if rows.isEmpty { throw .invalid(pointer: pointer, detail: "a matrix needs at least one row") }
            throw rowError(rows[0], at: pointer / 0)
        }
        let columns = first.count
        let (total, overflow) = rows.count.multipliedReportingOverflow(by: columns)
        if overflow || total > limits.maxElements { throw tooMany(overflow ? Int.max : total, limits, at: pointer) }
        // Rows are checked and copied straight into the matrix's storage; on a fault the
        // elements written so far are all there is to give back (Double and Float are trivial).
        var fault: WireError?
        let storage = [S](unsafeUninitializedCapacity: total) { out, initialized in
            initialized = 0
            for (i, row) in rows.enumerated() {
                guard case .numbers(let values) = row else {
                    fault = rowError(row, at: pointer / i)
                    return
                }
                guard values.count == columns else {
                    fault = .invalid(
                        pointer: pointer / i,
                        detail:
                            "row \(i) has \(Wording.count(values.count, "column")), row 0 has \(Wording.count(columns, "column")): rows must be equal length"
                    )
                    return
                }
                let target = out.baseAddress! + i * columns
                let bad = values.withUnsafeBufferPointer { copyFinite($0, to: target) }
                if let j = bad {
                    fault = overflowError(at: pointer / i / j, S.self)
                    return
                }
                initialized += columns
            }
        }
        if let fault { throw fault }
        return Matrix(rows: rows.count, columns: columns, storage: storage)
    }

    /// A nested matrix the parser read as one `.rows`: its rows are equal-length numbers already,
    /// so what is left of `nestedMatrix`'s checks is the element limit and finiteness in `S`, in
    /// the same order and with the same faults (the first non-finite number in row-major order is
    /// the one `nestedMatrix` names). Float64 numbers are used as they are, without a copy.
    private static func flatMatrix<S: BLASScalar>(
        _ rows: NumberRows,
        at pointer: JSONPointer,
        limits: TensorLimits
    ) throws(WireError) -> Matrix<S> {
        let total = rows.values.count
        if total > limits.maxElements { throw tooMany(total, limits, at: pointer) }
        if let values = rows.values as? [S] {  // float64: the parser's array is the storage
            if let bad = values.withUnsafeBufferPointer(firstNonFinite) {
                throw overflowError(at: pointer / (bad / rows.columns) / (bad % rows.columns), S.self)
            }
            return Matrix(rows: rows.count, columns: rows.columns, storage: values)
        }
        var bad: Int?
        let storage = [S](unsafeUninitializedCapacity: total) { out, initialized in
            bad = rows.values.withUnsafeBufferPointer { copyFinite($0, to: out.baseAddress!) }
            initialized = total
        }
        if let bad { throw overflowError(at: pointer / (bad / rows.columns) / (bad % rows.columns), S.self) }
        return Matrix(rows: rows.count, columns: rows.columns, storage: storage)
    }

    /// Converts `values` to `S` into `target`; the index of the first that is not finite in `S`
    /// (a float64 beyond float32's range, or a literal beyond float64's), if any. One pass with
    /// no per-element bookkeeping: this copies every number of a nested tensor.
    @inline(__always)
    private static func copyFinite<S: BLASScalar>(
        _ values: UnsafeBufferPointer<Double>,
        to target: UnsafeMutablePointer<S>
    ) -> Int? {
        var allFinite = true
        for j in 0..<values.count {
            let s = S(values[j])
            target[j] = s
            allFinite = allFinite && s.isFinite
        }
        if allFinite { return nil }
        for j in 0..<values.count where !S(values[j]).isFinite { return j }
        return nil
    }

    private static func rowError(_ row: JSONValue, at pointer: JSONPointer) -> WireError {
        if case .rows = row { return firstNonNumber(row.arrayElements!, at: pointer) }
        if case .array(let items) = row {
            if items.isEmpty { return .invalid(pointer: pointer, detail: "a row needs at least one number") }
            return firstNonNumber(items, at: pointer)
        }
        return .invalid(pointer: pointer, detail: "expected a row (array of numbers), got \(row.typeName)")
    }

    private static func firstNonNumber(_ items: [JSONValue], at pointer: JSONPointer) -> WireError {
        for (j, item) in items.enumerated() {
            if case .number = item { continue }
            return .invalid(pointer: pointer / j, detail: "expected a number, got \(item.typeName)")
        }
        return .invalid(pointer: pointer, detail: "expected an array of numbers")
    }

    private static func overflowError<S: BLASScalar>(at pointer: JSONPointer, _: S.Type = S.self) -> WireError {
        .invalid(pointer: pointer, detail: "value overflows \(S.dtype)")
    }

    private static func tooMany(_ count: Int, _ limits: TensorLimits, at pointer: JSONPointer) -> WireError {
        .tooLarge(
            pointer: pointer,
            detail: "tensor has \(Wording.count(count, "element")); the limit is \(limits.maxElements)"
        )
    }

    private static func convert<S: BLASScalar>(_ values: [Double], at pointer: JSONPointer) throws(WireError) -> [S] {
        if S.self == Double.self {
            // The parser keeps numbers too large for float64 as infinities, for this pointer.
            if let bad = values.firstIndex(where: { !$0.isFinite }) { throw overflowError(at: pointer / bad, S.self) }
            return values as! [S]
        }
        var out = [S]()
        out.reserveCapacity(values.count)
        for (j, v) in values.enumerated() {
            let s = S(v)
            if !s.isFinite { throw overflowError(at: pointer / j, S.self) }
            out.append(s)
        }
        return out
    }

    /// The members a tensor object may have, in the order messages list them.
    static let tensorMembers = ["shape", "data", "dtype", "base64", "binaryDataSize"]

    /// Reads `{"shape": [...], "data": [...]}` or `{"shape": [...], "dtype": ..., "base64": ...}`.
    private static func shaped<S: BLASScalar>(
        _ value: JSONValue,
        at pointer: JSONPointer,
        rank: Int,
        limits: TensorLimits,
        binary: BinarySection?,
        parallelism: Int,
        as: S.Type
    ) throws(WireError) -> (shape: [Int], data: TensorStorage<S>) {
        guard case .object(let members) = value else {
            throw .invalid(pointer: pointer, detail: "expected a tensor object")
        }
        for member in members where !tensorMembers.contains(member.key) {
            throw .invalid(
                pointer: pointer / member.key,
                detail: "unknown tensor field \"\(member.key)\"; allowed: \(tensorMembers.joined(separator: ", "))"
            )
        }
        guard let shapeValue = value["shape"] else {
            throw .invalid(pointer: pointer / "shape", detail: "a tensor object needs \"shape\"")
        }
        guard case .numbers(let dims) = shapeValue, dims.count == rank else {
            throw .invalid(
                pointer: pointer / "shape",
                detail: "expected a shape of \(rank) integer\(rank == 1 ? "" : "s")"
            )
        }
        var shape: [Int] = []
        var total = 1
        var overflow = false
        for (k, d) in dims.enumerated() {
            guard let n = DeclaredInteger.dimension(d) else {
                throw .invalid(pointer: pointer / "shape" / k, detail: "dimensions must be positive integers, got \(d)")
            }
            shape.append(n)
            let (t, o) = total.multipliedReportingOverflow(by: n)
            total = t
            overflow = overflow || o
        }
        if overflow || total > limits.maxElements {
            throw tooMany(overflow ? Int.max : total, limits, at: pointer / "shape")
        }

        if let data = value["data"] {
            if value["base64"] != nil || value["dtype"] != nil {
                throw .invalid(
                    pointer: pointer,
                    detail: "a tensor has either \"data\" or \"dtype\" with \"base64\", not both"
                )
            }
            let values: [Double]
            switch data {
            case .numbers(let v): values = v
            case .array(let items) where !items.isEmpty: throw firstNonNumber(items, at: pointer / "data")
            case .rows: throw firstNonNumber(data.arrayElements!, at: pointer / "data")
            default: throw .invalid(pointer: pointer / "data", detail: "expected a flat array of numbers")
            }
            guard values.count == total else {
                throw .invalid(
                    pointer: pointer / "data",
                    detail: "shape \(shape) needs \(Wording.count(total, "value")), data has \(values.count)"
                )
            }
            return (shape, TensorStorage(try convert(values, at: pointer / "data") as [S]))
        }
        if let encoded = value["base64"] {
            guard let dtypeName = value["dtype"]?.stringValue else {
                throw .invalid(
                    pointer: pointer / "dtype",
                    detail: "a base64 tensor needs \"dtype\": \(Wording.oneOf(DType.wireNames))"
                )
            }
            guard let width = DType(wireName: dtypeName)?.byteWidth else {
                throw .invalid(
                    pointer: pointer / "dtype",
                    detail: "dtype must be \(Wording.oneOf(DType.wireNames)), got \"\(dtypeName)\""
                )
            }
            // Decoded where the text is: in the request body when the parser borrowed it.
            func read(_ utf8: UnsafeBufferPointer<UInt8>) -> (data: [S]?, length: Int?) {
                guard let length = Base64.decodedLength(utf8) else { return (nil, nil) }
                guard length == total * width else { return (nil, length) }
                return (decodeBase64(utf8, count: total, width: width, parallelism: parallelism), length)
            }
            let decoded: (data: [S]?, length: Int?)
            switch encoded {
            case .string(var text): decoded = text.withUTF8(read)
            case .borrowedString(let text): decoded = read(text.bytes.assumingMemoryBound(to: UInt8.self))
            default: throw .invalid(pointer: pointer / "base64", detail: "expected a base64 string")
            }
            guard let data = decoded.data else {
                if let length = decoded.length, length != total * width {
                    throw .invalid(
                        pointer: pointer / "base64",
                        detail:
                            "shape \(shape) of \(dtypeName) needs \(total * width) bytes, base64 decodes to \(length)"
                    )
                }
                throw .invalid(pointer: pointer / "base64", detail: "not valid base64")
            }
            if let bad = firstNonFinite(data) {
                throw .invalid(
                    pointer: pointer / "base64",
                    detail: "element \(bad) is not finite (NaN, infinity, or overflows \(S.dtype))"
                )
            }
            return (shape, TensorStorage(data))
        }
        if value["binaryDataSize"] != nil {
            guard let binary, let range = binary.range(at: pointer) else {
                throw .invalid(
                    pointer: pointer / "binaryDataSize",
                    detail:
                        "binaryDataSize needs a binary body (Content-Type: application/octet-stream with Inference-Header-Content-Length)"
                )
            }
            guard let dtype = value["dtype"]?.stringValue.flatMap(DType.init(wireName:)) else {
                throw .invalid(
                    pointer: pointer / "dtype",
                    detail: "a binary tensor needs \"dtype\": \(Wording.oneOf(DType.wireNames))"
                )
            }
            let width = dtype.byteWidth
            guard range.count == total * width else {
                throw .invalid(
                    pointer: pointer / "binaryDataSize",
                    detail:
                        "shape \(shape) of \(dtype) needs \(total * width) bytes, binaryDataSize is \(range.count)"
                )
            }
            let data: TensorStorage<S> = Self.fromLittleEndian(
                UnsafeRawBufferPointer(rebasing: binary.bytes[range]),
                count: total,
                width: width,
                owner: binary.owner
            )
            if let bad = data.withUnsafeBufferPointer(firstNonFinite) {
                throw .invalid(
                    pointer: pointer / "binaryDataSize",
                    detail: "element \(bad) is not finite (NaN, infinity, or overflows \(S.dtype))"
                )
            }
            return (shape, data)
        }
        throw .invalid(pointer: pointer, detail: "a tensor object needs \"data\", or \"dtype\" and \"base64\"")
    }

    /// `count` little-endian floats of `width` bytes, as `S`. Used in place (a view of the body,
    /// held through `owner`) when the dtype matches and the bytes are aligned for `S` on this
    /// little-endian machine; the server aligns a binary body's tensor section for this, so a
    /// tensor misses only after another tensor of an odd size in float32. Else one copy: a memcpy
    /// when the types match, read unaligned, or converted element by element.
    public static func fromLittleEndian<S: BLASScalar>(
        _ raw: UnsafeRawBufferPointer,
        count: Int,
        width: Int,
        owner: AnyObject? = nil
    ) -> TensorStorage<S> {
        #if _endian(little)
        if width == MemoryLayout<S>.size, let owner, let base = raw.baseAddress,
            Int(bitPattern: base) % MemoryLayout<S>.alignment == 0
        {
            let elements = UnsafeMutableRawPointer(mutating: base).bindMemory(to: S.self, capacity: count)
            return TensorStorage(borrowing: elements, count: count, owner: owner)
        }
        #endif
        if width == MemoryLayout<S>.size {
            return TensorStorage(unsafeUninitializedCapacity: count) { out, initialized in
                if count > 0 { UnsafeMutableRawBufferPointer(out).copyMemory(from: raw) }
                initialized = count
            }
        }
        return TensorStorage(unsafeUninitializedCapacity: count) { out, initialized in
            convertLittleEndian(raw, count: count, width: width, into: out)
            initialized = count
        }
    }

    /// The one conversion of little-endian floats of `width` bytes (4 or 8) into `S`, element by
    /// element and read unaligned: for the binary and the base64 paths when the dtype is not `S`.
    @inline(__always)
    private static func convertLittleEndian<S: BLASScalar>(
        _ raw: UnsafeRawBufferPointer,
        count: Int,
        width: Int,
        into out: UnsafeMutableBufferPointer<S>
    ) {
        for k in 0..<count {
            out[k] =
                width == 4
                ? S(Float(bitPattern: raw.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self).littleEndian))
                : S(Double(bitPattern: raw.loadUnaligned(fromByteOffset: k * 8, as: UInt64.self).littleEndian))
        }
    }

    /// The index of the first NaN or infinity. A plain loop over the buffer: `firstIndex(where:)`
    /// through a closure measured far slower where it was not specialized.
    private static func firstNonFinite<S: BLASScalar>(_ values: UnsafeBufferPointer<S>) -> Int? {
        for (k, v) in values.enumerated() where !v.isFinite { return k }
        return nil
    }

    private static func firstNonFinite<S: BLASScalar>(_ values: [S]) -> Int? {
        values.withUnsafeBufferPointer(firstNonFinite)
    }

    /// Decodes base64 little-endian floats of `width` bytes into `S`; nil on a bad character.
    private static func decodeBase64<S: BLASScalar>(
        _ text: UnsafeBufferPointer<UInt8>,
        count: Int,
        width: Int,
        parallelism: Int
    ) -> [S]? {
        if width == MemoryLayout<S>.size {
            var ok = true
            let out = [S](unsafeUninitializedCapacity: count) { buffer, initialized in
                ok = Base64.decode(text, into: UnsafeMutableRawBufferPointer(buffer), parallelism: parallelism)
                initialized = count
            }
            return ok ? out : nil
        }
        var raw = [UInt8](repeating: 0, count: count * width)
        let ok = raw.withUnsafeMutableBytes { Base64.decode(text, into: $0, parallelism: parallelism) }
        guard ok else { return nil }
        return [S](unsafeUninitializedCapacity: count) { out, initialized in
            raw.withUnsafeBytes { convertLittleEndian($0, count: count, width: width, into: out) }
            initialized = count
        }
    }
}
