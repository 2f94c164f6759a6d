import RealModule

/// A floating-point type the math runs in: Float maps to OpenBLAS's `s` routines, Double to its `d` routines.
///
/// `Real` (swift-numerics) supplies `exp`, `log(onePlus:)`, `erf` and the rest for both types, so the
/// activations and losses are written once, generically.
public protocol BLASScalar: Real, BinaryFloatingPoint, Sendable, Codable, LosslessStringConvertible,
    TextOutputStreamable
where Self.RawSignificand: FixedWidthInteger {
    /// a = max(z, 0) in place (NaN becomes 0), in concrete vectors (see ReLU.swift).
    static func reluForward(_ p: UnsafeMutableBufferPointer<Self>)

    /// δ = g where z > 0, else 0, in place in `d` (relu'(0) = 0).
    static func reluBackward(_ d: UnsafeMutableBufferPointer<Self>, _ z: UnsafeBufferPointer<Self>)

    /// C ← alpha · op(A) · op(B) + beta · C, all row-major; `op` transposes when asked.
    /// Shapes: op(A) is [m, k], op(B) is [k, n], C is [m, n]; lda/ldb/ldc are row strides.
    static func gemm(
        transposeA: Bool,
        transposeB: Bool,
        m: Int,
        n: Int,
        k: Int,
        alpha: Self,
        a: UnsafePointer<Self>,
        lda: Int,
        b: UnsafePointer<Self>,
        ldb: Int,
        beta: Self,
        c: UnsafeMutablePointer<Self>,
        ldc: Int
    )
}
