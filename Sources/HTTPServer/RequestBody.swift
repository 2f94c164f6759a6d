/// A request body's bytes, freed when the last holder lets go: the request, or a handler that
/// keeps views into it (tensors used in place).
///
/// One buffer sized from Content-Length (grown geometrically when chunked), filled by the single
/// copy out of microhttpd's read buffer. `@unchecked Sendable`: written only by the I/O thread
/// before the request is handed over, and only read after.
public final class RequestBody: @unchecked Sendable {
    private var allocation: UnsafeMutableRawPointer?
    /// Where the body starts: `start + alignedOffset` is on a 64-byte boundary.
    private var start: UnsafeMutableRawPointer?
    private var capacity = 0
    private let alignedOffset: Int
    /// Bytes received so far.
    public private(set) var count = 0

    /// An empty body that will place `alignedOffset` on a 64-byte boundary, with room for
    /// `capacity` bytes to start with.
    init(capacity: Int = 0, alignedOffset: Int = 0) {
        self.alignedOffset = alignedOffset
        if capacity > 0 { reallocate(capacity) }
    }

    deinit { allocation?.deallocate() }

    /// The bytes, valid while this object lives.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: count) }

    /// Copies one chunk in, growing the buffer when needed (never past `limit` bytes of room).
    func append(_ chunk: UnsafeRawPointer, count chunkCount: Int, limit: Int) {
        let needed = count + chunkCount
        if needed > capacity { reallocate(min(limit, max(needed, capacity * 2, 4096))) }
        (start! + count).copyMemory(from: chunk, byteCount: chunkCount)
        count = needed
    }

    private func reallocate(_ newCapacity: Int) {
        // Plain malloc alignment, then shifted by hand: 64-byte aligned allocations (memalign)
        // fragmented glibc's heap so that every large request left its body's size behind in RSS.
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity + 64, alignment: 16)
        // The smallest shift that puts start + alignedOffset on a multiple of 64: −(address +
        // offset) mod 64, in wrapping arithmetic (64 divides 2^64), as the offset comes from a
        // request header and may be any integer.
        let shift = (0 &- (Int(bitPattern: grown) &+ alignedOffset)) & 63
        let newStart = grown + shift
        if let start, count > 0 { newStart.copyMemory(from: start, byteCount: count) }
        allocation?.deallocate()
        allocation = grown
        start = newStart
        capacity = newCapacity
    }
}
