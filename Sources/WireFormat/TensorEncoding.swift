import Backprop
import Dispatch
import Sync

/// How a tensor is written in a response (`options.encoding`).
public enum TensorEncoding: String, WireWord {
    /// `[[1, 2], [3, 4]]`
    case nested
    /// `{"shape": [2, 2], "data": [1, 2, 3, 4]}`
    case flat
    /// `{"shape": [2, 2], "dtype": "float64", "base64": "..."}`, little-endian IEEE-754.
    case base64
    /// `{"shape": [2, 2], "dtype": "float64", "binaryDataSize": 32}`, the bytes after the JSON part
    /// (`JSONWriter.binaryParts`), in the order the tensors are written.
    case binary
}

extension JSONWriter {
    /// Writes a matrix [rows, columns] in the chosen encoding.
    @_specialize(exported:true,where S == Double)
    @_specialize(exported:true,where S == Float)
    public mutating func tensor<S: BLASScalar>(_ m: Matrix<S>, _ encoding: TensorEncoding) {
        tensor(m.storage, shape: [m.rows, m.columns], encoding)
    }

    /// Writes a vector [count], held in tensor storage, in the chosen encoding.
    @_specialize(exported:true,where S == Double)
    @_specialize(exported:true,where S == Float)
    public mutating func tensor<S: BLASScalar>(_ v: TensorStorage<S>, _ encoding: TensorEncoding) {
        tensor(v, shape: [v.count], encoding)
    }

    @_specialize(where S == Double)
    @_specialize(where S == Float)
    mutating func tensor<S: BLASScalar>(_ values: TensorStorage<S>, shape: [Int], _ encoding: TensorEncoding) {
        if encoding == .binary {
            beginObject()
            key("shape")
            writeShape(shape)
            key("dtype")
            string(S.dtype.wireName)
            key("binaryDataSize")
            integer(values.count * MemoryLayout<S>.size)
            endObject()
            appendBinary(BinaryPart(values))
            return
        }
        values.withUnsafeBufferPointer { p in tensor(p, shape: shape, encoding) }
    }

    @_specialize(where S == Double)
    @_specialize(where S == Float)
    mutating func tensor<S: BLASScalar>(
        _ p: UnsafeBufferPointer<S>,
        shape: [Int],
        _ encoding: TensorEncoding
    ) {
        switch encoding {
        case .nested:
            if shape.count == 1 {
                numbers(p)
            } else {
                beginArray()
                rows(p, count: shape[0], columns: shape[1])
                endArray()
            }
        case .flat:
            beginObject()
            key("shape")
            writeShape(shape)
            key("data")
            numbers(p)
            endObject()
        case .base64:
            beginObject()
            key("shape")
            writeShape(shape)
            key("dtype")
            string(S.dtype.wireName)
            key("base64")
            // Little-endian: this machine's order (x86_64 and arm64 both are), asserted once.
            assert(1.littleEndian == 1)
            base64String(UnsafeRawBufferPointer(p))
            endObject()
        case .binary:
            // Binary tensors are written from their storage (above), never from a pointer.
            preconditionFailure("binary tensors go through tensor(_:shape:_:) with their storage")
        }
    }

    /// Rows of a nested matrix, `[...],[...]`. Large ones (a megabyte of text or more, by the
    /// shortest numbers' typical length) are printed in `parallelism` pieces at once, each into its
    /// own buffer, then appended in order: the same bytes as printing them one by one.
    private mutating func rows<S: BLASScalar>(_ p: UnsafeBufferPointer<S>, count rows: Int, columns: Int) {
        let typicalBytes = MemoryLayout<S>.size == 8 ? 20 : 12
        let parts = min(parallelism, rows)
        guard parts > 1, p.count * typicalBytes >= Self.parallelThreshold else {
            for i in 0..<rows { numbers(UnsafeBufferPointer(rebasing: p[(i * columns)..<((i + 1) * columns)])) }
            return
        }
        let pieces = UnsafeMutablePointer<[UInt8]>.allocate(capacity: parts)
        pieces.initialize(repeating: [], count: parts)
        defer {
            pieces.deinitialize(count: parts)
            pieces.deallocate()
        }
        let shared = Handed((p, pieces))
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            let (p, pieces) = shared.value
            let (first, end) = (rows * k / parts, rows * (k + 1) / parts)
            var piece = JSONWriter(capacity: (end - first) * columns * typicalBytes * 5 / 4)
            for i in first..<end {
                if i > first { piece.bytes.append(UInt8(ascii: ",")) }
                piece.numbers(UnsafeBufferPointer(rebasing: p[(i * columns)..<((i + 1) * columns)]))
            }
            pieces[k] = piece.bytes
        }
        beforeValue()  // the comma before the first row, if one is due (none: rows open an array)
        for k in 0..<parts {
            if k > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: pieces[k])
        }
    }

    /// Below this many bytes of text a tensor is printed on one thread (the fuzzer's build splits
    /// small ones too, to compare both writers on every input).
    #if FUZZING
    static let parallelThreshold = 64
    #else
    static let parallelThreshold = 1 << 20
    #endif

    private mutating func writeShape(_ shape: [Int]) {
        beginArray()
        for d in shape { integer(d) }
        endArray()
    }
}
