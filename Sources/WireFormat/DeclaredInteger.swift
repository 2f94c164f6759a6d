/// The integers a request declares in JSON numbers (tensor dimensions, byte counts), read by one
/// rule in every front end: whole, in range, and below 9·10^15, where every integer is exact in a
/// double and a product of two still fits a 64-bit count check.
public enum DeclaredInteger {
    /// The exclusive upper bound.
    public static let bound = 9.0e15

    /// A tensor dimension: a positive integer.
    public static func dimension(_ x: Double) -> Int? {
        x == x.rounded() && x >= 1 && x < bound ? Int(x) : nil
    }

    /// A byte count or another size that may be zero: a non-negative integer.
    public static func byteCount(_ x: Double) -> Int? {
        x == x.rounded() && x >= 0 && x < bound ? Int(x) : nil
    }
}
