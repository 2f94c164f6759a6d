import Backprop

/// One tensor's bytes in a binary response: the array itself (little-endian IEEE-754, the wire
/// order), kept alive by whoever holds the part, so the bytes go out without being copied.
public enum BinaryPart: Sendable {
    case float32([Float])
    case float64([Double])

    /// The part for `values`, in little-endian byte order.
    public init<S: BLASScalar>(_ values: [S]) {
        #if _endian(big)
        // The wire is little-endian: swap on a big-endian host (a copy, only there).
        if S.self == Float.self {
            self = .float32((values as! [Float]).map { Float(bitPattern: $0.bitPattern.littleEndian) })
        } else {
            self = .float64(values.map { Double(bitPattern: Double($0).bitPattern.littleEndian) })
        }
        #else
        // The same type, so the same array: a bit cast, not `as!` (which converted element by
        // element, 4% of a large binary request in perf).
        if S.self == Float.self {
            self = .float32(unsafeBitCast(values, to: [Float].self))
        } else if S.self == Double.self {
            self = .float64(unsafeBitCast(values, to: [Double].self))
        } else {
            self = .float64(values.map { Double($0) })
        }
        #endif
    }

    public var byteCount: Int {
        switch self {
        case .float32(let v): v.count * 4
        case .float64(let v): v.count * 8
        }
    }

    /// The bytes, valid inside `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .float32(let v): try v.withUnsafeBytes(body)
        case .float64(let v): try v.withUnsafeBytes(body)
        }
    }
}
