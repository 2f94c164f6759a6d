import CMicroHTTPD
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// One request's state on its connection, from the first header call to microhttpd's
/// completion notice.
///
/// `@unchecked Sendable`: ownership passes by hand. The I/O thread owns it until it suspends
/// the connection; the worker then owns it until `MHD_resume_connection`, whose mutex publishes
/// `response` back; the I/O thread owns it again until the completion callback releases it.
final class Exchange: @unchecked Sendable {
    let connection: OpaquePointer
    let head: RequestHead
    let disposition: Disposition
    let started: DispatchTime

    /// The body, one buffer sized from Content-Length (grown geometrically if chunked).
    private(set) var bodyBuffer: BodyBuffer?
    private(set) var bodyCount = 0
    /// The body offset placed on a 64-byte boundary (`HTTPHandler.alignedBodyOffset`).
    private let alignedOffset: Int
    private var body: UnsafeMutableRawPointer? { bodyBuffer?.start }
    private var bodyCapacity: Int { bodyBuffer?.capacity ?? 0 }
    /// Set when the body passed the limit: later chunks are dropped and the answer is 413.
    var bodyTooLarge = false

    var dispatched = false
    var response: Response?
    /// Set once the response is queued (for the completion callback's bookkeeping).
    var responded = false

    init(
        connection: OpaquePointer,
        head: RequestHead,
        disposition: Disposition,
        expectedBodyBytes: Int?,
        alignedOffset: Int = 0
    ) {
        self.connection = connection
        self.head = head
        self.disposition = disposition
        self.started = .now()
        self.alignedOffset = alignedOffset
        if let expected = expectedBodyBytes, expected > 0 {
            bodyBuffer = BodyBuffer(capacity: expected, alignedOffset: alignedOffset)
        }
    }

    /// Copies one chunk in: the single copy out of microhttpd's read buffer.
    /// Returns false (and keeps nothing) once the body would pass `limit`.
    func append(_ chunk: UnsafeRawPointer, count: Int, limit: Int) -> Bool {
        if bodyTooLarge { return false }
        let needed = bodyCount + count
        if needed > limit {
            bodyTooLarge = true
            bodyBuffer = nil
            bodyCount = 0
            return false
        }
        if needed > bodyCapacity {
            let capacity = min(limit, max(needed, bodyCapacity * 2, 4096))
            let grown = BodyBuffer(capacity: capacity, alignedOffset: alignedOffset)
            if let body, bodyCount > 0 { grown.start.copyMemory(from: body, byteCount: bodyCount) }
            bodyBuffer = grown
        }
        (body! + bodyCount).copyMemory(from: chunk, byteCount: count)
        bodyCount = needed
        return true
    }

    /// Seconds since the head arrived.
    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }

    func request(timeout: Double) -> Request {
        Request(
            head: head,
            body: UnsafeRawBufferPointer(start: body, count: bodyCount),
            deadline: started + timeout,
            holdBody: { [self] in bodyBuffer },
            releaseBody: { [self] in freeBody() }
        )
    }

    /// Lets go of the body early (`bodyCount` stays, for the access log and metrics): its bytes
    /// are freed now unless the handler took a hold with `Request.holdBody`. Called by the thread that owns
    /// the exchange at that moment (the worker, while it handles it).
    func freeBody() { bodyBuffer = nil }
}

/// A request body's bytes, freed when the last holder lets go: the exchange, or a handler that
/// keeps views into the body (tensors used in place) through `Request.holdBody`.
///
/// `@unchecked Sendable`: written only by the I/O thread before the request is handed over, and
/// only read after.
final class BodyBuffer: @unchecked Sendable {
    private let allocation: UnsafeMutableRawPointer
    /// Where the body starts: `start + alignedOffset` is on a 64-byte boundary.
    let start: UnsafeMutableRawPointer
    let capacity: Int

    init(capacity: Int, alignedOffset: Int) {
        // Plain malloc alignment, then shifted by hand: 64-byte aligned allocations (memalign)
        // fragmented glibc's heap so that every large request left its body's size behind in RSS.
        allocation = UnsafeMutableRawPointer.allocate(byteCount: capacity + 64, alignment: 16)
        // The smallest shift that puts start + alignedOffset on a multiple of 64: −(address +
        // offset) mod 64, in wrapping arithmetic (64 divides 2^64), as the offset comes from a
        // request header and may be any integer.
        let shift = (0 &- (Int(bitPattern: allocation) &+ alignedOffset)) & 63
        start = allocation + shift
        self.capacity = capacity
    }

    deinit { allocation.deallocate() }
}
