import Backprop

/// A tensor's element type on the wire: `"float32"` or `"float64"`, little-endian IEEE-754 in
/// base64 and binary tensors. It is also the request's compute type (`options.dtype`).
public enum DType: String, WireWord, CustomStringConvertible {
    case float32
    case float64

    /// Bytes per element.
    public var byteWidth: Int { self == .float32 ? 4 : 8 }

    public var description: String { rawValue }
}

extension BLASScalar {
    /// The dtype this scalar type is written as (Float: float32, Double: float64).
    @inlinable
    public static var dtype: DType { MemoryLayout<Self>.size == 4 ? .float32 : .float64 }
}
