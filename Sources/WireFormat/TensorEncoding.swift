import Backprop

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
                let columns = shape[1]
                for i in 0..<shape[0] {
                    numbers(UnsafeBufferPointer(rebasing: p[(i * columns)..<((i + 1) * columns)]))
                }
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

    private mutating func writeShape(_ shape: [Int]) {
        beginArray()
        for d in shape { integer(d) }
        endArray()
    }
}
