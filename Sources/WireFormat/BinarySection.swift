/// The raw tensor bytes after the JSON part of a binary body (Triton/KServe's binary tensor
/// extension), and where each tensor's bytes are.
///
/// Tensors written `{"shape", "dtype", "binaryDataSize"}` take their bytes from this section in
/// the order they appear in the JSON document, so offsets are assigned by one walk in document
/// order before decoding, and looked up by the tensor's JSON Pointer.
public struct BinarySection: @unchecked Sendable {
    /// Valid while the request is handled (it points into the request body).
    public let bytes: UnsafeRawBufferPointer
    /// Keeps `bytes` valid while held: tensors of the right dtype and alignment are then views of
    /// the body (used in place) rather than copies. Nil: every tensor is copied out.
    public let owner: AnyObject?
    private var ranges: [JSONPointer: Range<Int>] = [:]

    /// Indexes every `binaryDataSize` in `root`; the sizes must add up to `bytes.count` exactly.
    public init(root: JSONValue, bytes: UnsafeRawBufferPointer, owner: AnyObject? = nil) throws(WireError) {
        self.bytes = bytes
        self.owner = owner
        var next = 0
        try Self.walk(root, at: .root, next: &next, ranges: &ranges)
        guard next == bytes.count else {
            throw .badBody(
                "the binary tensors declare \(next) bytes (sum of binaryDataSize) but \(bytes.count) follow the JSON part"
            )
        }
    }

    private static func walk(
        _ value: JSONValue,
        at pointer: JSONPointer,
        next: inout Int,
        ranges: inout [JSONPointer: Range<Int>]
    ) throws(WireError) {
        switch value {
        case .object(let members):
            if let size = value["binaryDataSize"] {
                guard case .number(let x) = size, let n = DeclaredInteger.byteCount(x) else {
                    throw .invalid(
                        pointer: pointer / "binaryDataSize",
                        detail: "binaryDataSize must be a non-negative integer"
                    )
                }
                // Saturating: the sum is only compared with the bytes that follow.
                let (end, overflow) = next.addingReportingOverflow(n)
                ranges[pointer] = next..<(overflow ? Int.max : end)
                next = overflow ? Int.max : end
                return
            }
            for m in members { try walk(m.value, at: pointer / m.key, next: &next, ranges: &ranges) }
        case .array(let items):
            for (i, item) in items.enumerated() { try walk(item, at: pointer / i, next: &next, ranges: &ranges) }
        default:
            return
        }
    }

    /// The bytes of the tensor at `pointer`.
    func range(at pointer: JSONPointer) -> Range<Int>? { ranges[pointer] }
}
