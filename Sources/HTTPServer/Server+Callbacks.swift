import CMicroHTTPD
import CMicroHTTPDShim
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

// microhttpd's callbacks, as free functions in a file of their own: a closure written in
// top-level code would inherit @MainActor and trap on microhttpd's thread (docs/architecture.md).

/// microhttpd's access handler: called for the head, for each body chunk, and for the end of
/// the body (and again after a resume).
let accessHandler: MHD_AccessHandlerCallback = { cls, connection, url, method, _, uploadData, uploadSize, conCls in
    let server = Unmanaged<Server>.fromOpaque(cls!).takeUnretainedValue()
    guard let connection, let conCls, let uploadSize else { return .NO }

    // 1. First call: the head only.
    guard let existing = conCls.pointee else {
        let head = RequestHead(
            method: HTTPMethod(method.map { String(cString: $0) } ?? ""),
            path: url.map { String(cString: $0) } ?? "/",
            headers: requestHeaders(connection)
        )
        let declared = head.headers["content-length"].flatMap { Int($0) }
        let limit = server.configuration.maxBodyBytes
        if let declared, declared > limit {
            // Refuse before reading: with Expect: 100-continue no body is ever sent.
            // (A reply queued on the first call makes microhttpd close the connection, which is right here.)
            let response = server.handler.response(for: .bodyTooLarge(limit: limit), head: head)
            server.handler.didRespond(to: head, with: response, bodyBytes: 0, seconds: 0)
            return queue(response, on: connection, requestID: head.requestID)
        }
        server.watch?.headComplete(CMicroHTTPDShim_connection_fd(connection))
        let exchange = Exchange(
            connection: connection,
            head: head,
            disposition: server.handler.disposition(for: head),
            expectedBodyBytes: declared
        )
        conCls.pointee = Unmanaged.passRetained(exchange).toOpaque()
        return .YES
    }
    let exchange = Unmanaged<Exchange>.fromOpaque(existing).takeUnretainedValue()

    // 2. A body chunk: copy it (unless the request is refused anyway) and consume it all.
    if uploadSize.pointee > 0 {
        exchange.receive(uploadSize.pointee)
        if let why = exchange.tooSlow(server.configuration) {
            // Too slow: drop the connection (mid-body, microhttpd can send no reply).
            server.logger.notice(
                "body too slow; closing",
                metadata: ["request.id": "\(exchange.head.requestID)", "reason": "\(why)"]
            )
            return .NO
        }
        if case .respond = exchange.disposition {
            // Dropped: the answer does not depend on it.
        } else if let uploadData {
            exchange.append(uploadData, count: uploadSize.pointee, limit: server.configuration.maxBodyBytes)
        }
        uploadSize.pointee = 0
        return .YES
    }

    // 3. After a resume: the worker left the response.
    if exchange.dispatched {
        guard let response = exchange.response else { return .YES }
        exchange.response = nil
        return finish(exchange, response, server)
    }

    // 4. The body is complete.
    if exchange.bodyTooLarge {
        let response = server.handler.response(
            for: .bodyTooLarge(limit: server.configuration.maxBodyBytes),
            head: exchange.head
        )
        return finish(exchange, response, server)
    }
    switch exchange.disposition {
    case .respond(let response):
        return finish(exchange, response, server)
    case .inline:
        return finish(
            exchange,
            server.handler.handle(exchange.takeRequest(timeout: server.configuration.requestTimeout, server: server)),
            server
        )
    case .worker:
        // In flight before the drain check, so stop() never misses a request between the two.
        server.inFlight.add(1, ordering: .acquiringAndReleasing)
        if server.draining.load(ordering: .acquiring) {
            server.inFlight.subtract(1, ordering: .acquiringAndReleasing)
            var response = server.handler.response(for: .draining, head: exchange.head)
            response.closeConnection = true
            return finish(exchange, response, server)
        }
        guard server.pool.tryReserve() else {
            server.inFlight.subtract(1, ordering: .acquiringAndReleasing)
            return finish(exchange, server.handler.response(for: .overloaded, head: exchange.head), server)
        }
        exchange.dispatched = true
        server.unfinished.add(1, ordering: .acquiringAndReleasing)
        // Suspend first, then publish the job: a resume before the suspend is undefined.
        MHD_suspend_connection(connection)
        let handler = server.handler
        let timeout = server.configuration.requestTimeout
        let queued = DispatchTime.now()
        server.pool.run {
            // The request (and its body) is made here, not captured by this job: the job stays in
            // the pool's queue after it runs, and must not keep a large body alive there.
            exchange.response = handler.handle(exchange.takeRequest(timeout: timeout, server: server, queuedAt: queued))
            MHD_resume_connection(exchange.connection)
            // From here on, neither the connection nor the exchange's C side may be touched.
            server.inFlight.subtract(1, ordering: .acquiringAndReleasing)
        }
        return .YES
    }
}

/// microhttpd's connection notices: a socket opened or closed (for the head deadline).
/// The descriptor rides in the socket context (+1, so 0 is distinguishable from "unset").
let connectionNotice: MHD_NotifyConnectionCallback = { cls, connection, socketContext, code in
    guard let cls, let socketContext else { return }
    let server = Unmanaged<Server>.fromOpaque(cls).takeUnretainedValue()
    if code.rawValue == 0, let connection {  // MHD_CONNECTION_NOTIFY_STARTED
        let fd = CMicroHTTPDShim_connection_fd(connection)
        guard fd >= 0 else { return }
        socketContext.pointee = UnsafeMutableRawPointer(bitPattern: Int(fd) + 1)
        server.watch?.opened(fd)
    } else if let stored = socketContext.pointee {
        server.watch?.closed(Int32(Int(bitPattern: stored) - 1))
        socketContext.pointee = nil
    }
}

/// microhttpd's completion notice: the request is over (answered, failed or closed).
let completedHandler: MHD_RequestCompletedCallback = { cls, connection, conCls, _ in
    if let cls, let connection {
        let server = Unmanaged<Server>.fromOpaque(cls).takeUnretainedValue()
        server.watch?.requestEnded(CMicroHTTPDShim_connection_fd(connection))
    }
    guard let conCls, let existing = conCls.pointee else { return }
    let exchange = Unmanaged<Exchange>.fromOpaque(existing)
    if exchange.takeUnretainedValue().dispatched, let cls {
        Unmanaged<Server>.fromOpaque(cls).takeUnretainedValue().unfinished.subtract(1, ordering: .acquiringAndReleasing)
    }
    exchange.release()
    conCls.pointee = nil
}

private func finish(_ exchange: Exchange, _ response: Response, _ server: Server) -> MHD_Result {
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - exchange.started.uptimeNanoseconds) / 1e9
    server.handler.didRespond(to: exchange.head, with: response, bodyBytes: exchange.bodyCount, seconds: seconds)
    return queue(response, on: exchange.connection, requestID: exchange.head.requestID)
}

/// Hands the body to microhttpd without copying it: the JSON part and each binary tensor go out
/// as I/O vectors pointing into the response's own arrays, which a retained box keeps alive (and
/// unmodified) until microhttpd's free callback releases it. Joining them into one buffer first
/// cost two copies of a binary answer (21 MB each for a large one) in memory and time.
private func queue(_ response: Response, on connection: OpaquePointer, requestID: String) -> MHD_Result {
    let box = ResponseBody(response.body, response.tail)
    let unmanaged = Unmanaged.passRetained(box)
    var vectors: [MHD_IoVec] = []
    if !box.body.isEmpty {
        // The body is a `let` of the box and never mutated, so its storage does not move.
        box.body.withUnsafeBytes { vectors.append(MHD_IoVec(iov_base: $0.baseAddress, iov_len: $0.count)) }
    }
    for chunk in box.tail where chunk.count > 0 {
        vectors.append(MHD_IoVec(iov_base: chunk.bytes.baseAddress, iov_len: chunk.count))
    }
    let created =
        vectors.isEmpty
        ? MHD_create_response_from_buffer_with_free_callback_cls(0, nil, releaseResponseBody, unmanaged.toOpaque())
        : MHD_create_response_from_iovec(
            vectors,
            UInt32(vectors.count),
            releaseResponseBody,
            unmanaged.toOpaque()
        )
    guard let r = created else {
        unmanaged.release()
        return .NO
    }
    for (name, value) in response.headers { MHD_add_response_header(r, name, value) }
    MHD_add_response_header(r, "X-Request-ID", requestID)
    if response.closeConnection { MHD_add_response_header(r, "Connection", "close") }
    let result = MHD_queue_response(connection, UInt32(response.status), r)
    MHD_destroy_response(r)
    return result
}

private let releaseResponseBody: MHD_ContentReaderFreeCallback = { cls in
    guard let cls else { return }
    Unmanaged<ResponseBody>.fromOpaque(cls).release()
}

/// Owns a response's bytes while microhttpd sends them.
private final class ResponseBody {
    let body: [UInt8]
    let tail: [BodyChunk]

    init(_ body: [UInt8], _ tail: [BodyChunk]) {
        self.body = body
        self.tail = tail
    }
}

/// The request's header fields, names lower-cased, in arrival order.
private func requestHeaders(_ connection: OpaquePointer) -> HTTPHeaders {
    var headers = HTTPHeaders()
    withUnsafeMutablePointer(to: &headers) { p in
        _ = MHD_get_connection_values(connection, .HEADER_KIND, collectHeader, UnsafeMutableRawPointer(p))
    }
    return headers
}

private let collectHeader: MHD_KeyValueIterator = { cls, _, key, value in
    guard let cls, let key else { return .YES }
    let headers = cls.assumingMemoryBound(to: HTTPHeaders.self)
    let name = asciiLowercased(bytes: UnsafeRawBufferPointer(start: key, count: strlen(key)))
    headers.pointee.append(lowercasedName: name, value: value.map { String(cString: $0) } ?? "")
    return .YES
}
