import Backprop

/// One tensor's bytes in a binary response: the tensor's own storage (little-endian IEEE-754, the
/// wire order), kept alive by whoever holds the part, so the bytes go out without being copied.
public enum BinaryPart: Sendable {
    case float32(TensorStorage<Float>)
    case float64(TensorStorage<Double>)
    /// One byte (a BOOL output). It has no storage of its own to send from, so an answer that
    /// holds one is always joined into one buffer (`Encoded.response`).
    case byte(UInt8)

    /// The part for `values`, in little-endian byte order.
    public init<S: BLASScalar>(_ values: TensorStorage<S>) {
        #if _endian(big)
        // The wire is little-endian: swap on a big-endian host (a copy, only there).
        if S.self == Float.self {
            self = .float32(TensorStorage(values.map { Float(bitPattern: Float($0).bitPattern.littleEndian) }))
        } else {
            self = .float64(TensorStorage(values.map { Double(bitPattern: Double($0).bitPattern.littleEndian) }))
        }
        #else
        // The same type, so the same storage: a bit cast, not `as!` (an element-by-element
        // conversion for arrays, 4% of a large binary request in perf).
        if S.self == Float.self {
            self = .float32(unsafeBitCast(values, to: TensorStorage<Float>.self))
        } else if S.self == Double.self {
            self = .float64(unsafeBitCast(values, to: TensorStorage<Double>.self))
        } else {
            self = .float64(TensorStorage(values.map { Double($0) }))
        }
        #endif
    }

    public var byteCount: Int {
        switch self {
        case .float32(let v): v.count * 4
        case .float64(let v): v.count * 8
        case .byte: 1
        }
    }

    /// Whether the elements are float32.
    public var isFloat32: Bool {
        if case .float32 = self { return true }
        return false
    }

    /// An object that keeps the bytes valid while held; nil for a `.byte`, which lives in the
    /// part itself.
    public var owner: AnyObject? {
        switch self {
        case .float32(let v): v.owner
        case .float64(let v): v.owner
        case .byte: nil
        }
    }

    /// The bytes, valid inside `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .float32(let v): try v.withUnsafeBytes(body)
        case .float64(let v): try v.withUnsafeBytes(body)
        case .byte(let b): try Swift.withUnsafeBytes(of: b, body)
        }
    }
}
