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
    private(set) var body: UnsafeMutableRawPointer?
    private(set) var bodyCapacity = 0
    private(set) var bodyCount = 0
    /// Set when the body passed the limit: later chunks are dropped and the answer is 413.
    var bodyTooLarge = false

    var dispatched = false
    var response: Response?
    /// Set once the response is queued (for the completion callback's bookkeeping).
    var responded = false

    init(connection: OpaquePointer, head: RequestHead, disposition: Disposition, expectedBodyBytes: Int?) {
        self.connection = connection
        self.head = head
        self.disposition = disposition
        self.started = .now()
        if let expected = expectedBodyBytes, expected > 0 {
            body = UnsafeMutableRawPointer.allocate(byteCount: expected, alignment: 16)
            bodyCapacity = expected
        }
    }

    deinit { body?.deallocate() }

    /// Copies one chunk in: the single copy out of microhttpd's read buffer.
    /// Returns false (and keeps nothing) once the body would pass `limit`.
    func append(_ chunk: UnsafeRawPointer, count: Int, limit: Int) -> Bool {
        if bodyTooLarge { return false }
        let needed = bodyCount + count
        if needed > limit {
            bodyTooLarge = true
            body?.deallocate()
            body = nil
            bodyCapacity = 0
            bodyCount = 0
            return false
        }
        if needed > bodyCapacity {
            let capacity = min(limit, max(needed, bodyCapacity * 2, 4096))
            let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
            if let body, bodyCount > 0 { grown.copyMemory(from: body, byteCount: bodyCount) }
            body?.deallocate()
            body = grown
            bodyCapacity = capacity
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
            releaseBody: { [self] in freeBody() }
        )
    }

    /// Frees the body bytes early (`bodyCount` stays, for the access log and metrics). Called by
    /// the thread that owns the exchange at that moment (the worker, while it handles it).
    func freeBody() {
        body?.deallocate()
        body = nil
        bodyCapacity = 0
    }
}
