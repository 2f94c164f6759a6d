/// Why a request body could not become tensors. Each case carries where it happened.
public enum WireError: Error, Equatable, Sendable {
    /// Not JSON at all (HTTP 400); `offset` is the byte where parsing stopped.
    case malformed(offset: Int, reason: String)
    /// Well-formed but wrong (HTTP 422): a type, shape, value or name at `pointer`.
    case invalid(pointer: JSONPointer, detail: String)
    /// A binary body whose parts do not add up (HTTP 400).
    case badBody(String)
    /// Declares more than the limits allow (HTTP 413), found before allocating.
    case tooLarge(pointer: JSONPointer, detail: String)
}
