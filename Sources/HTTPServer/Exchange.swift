import CMicroHTTPD
import Dispatch

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

    /// The body while it arrives; handed over whole with the request (`takeRequest`).
    private var body: RequestBody?
    /// Bytes received (kept after the body is handed over, for the access log and metrics).
    private(set) var bodyCount = 0
    /// Body bytes received, kept or not (for the minimum data rate).
    private(set) var received = 0
    /// Set when the body passed the limit: later chunks are dropped and the answer is 413.
    private(set) var bodyTooLarge = false

    var dispatched = false
    var response: Response?

    init(connection: OpaquePointer, head: RequestHead, disposition: Disposition, expectedBodyBytes: Int?) {
        self.connection = connection
        self.head = head
        self.disposition = disposition
        self.started = .now()
        if let expected = expectedBodyBytes, expected > 0, let accepted {
            body = RequestBody(capacity: expected, alignedOffset: accepted.alignedBodyOffset)
        }
    }

    /// What the handler accepted this request with (nil for one answered from its head).
    var accepted: Accepted? {
        switch disposition {
        case .respond: nil
        case .inline(let accepted), .worker(let accepted): accepted
        }
    }

    /// Copies one chunk in: the single copy out of microhttpd's read buffer. Once the body would
    /// pass `limit` it is dropped, and so is every later chunk.
    func append(_ chunk: UnsafeRawPointer, count: Int, limit: Int) {
        if bodyTooLarge { return }
        if bodyCount + count > limit {
            bodyTooLarge = true
            body = nil
            bodyCount = 0
            return
        }
        if body == nil { body = RequestBody(alignedOffset: accepted?.alignedBodyOffset ?? 0) }
        body!.append(chunk, count: count, limit: limit)
        bodyCount += count
    }

    /// Counts a chunk as received.
    func receive(_ count: Int) { received += count }

    /// Why the client is too slow to keep, or nil: past `bodyTimeout`, or averaging less than
    /// `minBodyRate` bytes a second once `minRateGrace` has passed.
    func tooSlow(_ configuration: ServerConfiguration) -> String? {
        let t = elapsed
        if t > configuration.bodyTimeout { return "body took longer than --body-timeout" }
        if configuration.minBodyRate > 0, t > configuration.minRateGrace,
            Double(received) < Double(configuration.minBodyRate) * t
        {
            return "body below --min-body-rate"
        }
        return nil
    }

    /// Seconds since the head arrived.
    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }

    /// The request, which takes the body with it: from here on only the handler holds the bytes.
    func takeRequest(timeout: Double, server: any ServerStatus, queuedAt: DispatchTime? = nil) -> Request {
        defer { body = nil }
        return Request(
            head: head,
            body: body ?? RequestBody(),
            context: accepted?.context,
            deadline: started + timeout,
            queuedAt: queuedAt,
            server: server
        )
    }
}
