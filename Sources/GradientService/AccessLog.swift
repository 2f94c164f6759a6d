import HTTPServer
import Sync

#if canImport(Glibc)
import Glibc
#endif

/// The access log: one line per answered request, laid out as swift-log's `StreamLogHandler`
/// lays out every other line of the service's log, e.g.
///
///     2026-12-02T05:40:15+0000 info backprop-server: http.duration_ms=0.391 http.method=POST
///     http.path=/v1/gradients http.request_bytes=2988 http.response_bytes=16527 http.status=200
///     request.id=38b1989d8ae1da6f [GradientService] request
///
/// and, for a traced request, `span_id=… trace_id=…` after `request.id` (W3C hex ids, as the
/// trace's backend shows them)
/// (one line), but written without going through a `Logger`: the line is formatted straight
/// into bytes and sent with one `write(2)`. Through `Logger.info` the same line cost about
/// 57,000 instructions per request (callgrind), more than a tiny request's whole JSON reading:
/// a metadata dictionary hashed and then sorted, seven interpolated strings, `localtime` and
/// `strftime` for the timestamp, and stdio's lock and flush. Here the timestamp is formatted
/// once a second, and the members are written in the sorted order `StreamLogHandler` prints.
/// One `write` per line keeps lines whole when both workers log at once (on a pipe up to
/// `PIPE_BUF`, 4 KiB; a longer line, or one cut short by the reader, may interleave, as
/// `StreamLogHandler`'s would).
///
/// It writes only what is listed above: a `Logger`'s metadata or metadata provider does not
/// reach it (the server's logger has neither).
public final class AccessLog: Sendable {
    private let fileDescriptor: Int32
    /// `"<level> <label>:"` after the timestamp, as `StreamLogHandler` writes it.
    private let prefix: [UInt8]
    /// The second the cached timestamp text is for, and that text.
    private let clock = Lock((second: Int.min, text: [UInt8]()))

    /// A log written to `fileDescriptor` (standard error by default) under the logger's `label`.
    public init(label: String, fileDescriptor: Int32 = 2) {
        self.fileDescriptor = fileDescriptor
        prefix = Array(" info\(label.isEmpty ? "" : " ")\(label):".utf8)
    }

    /// Writes the line for one answered request.
    func record(
        head: RequestHead,
        status: Int,
        requestBytes: Int,
        responseBytes: Int,
        seconds: Double,
        trace: TraceIDs? = nil
    ) {
        let stamp = timestamp()
        let path = head.path.utf8
        let id = head.requestID.utf8
        let method = head.method.name.utf8
        // The fixed text (135 bytes) and four numbers (at most 20 bytes each) fit in 256 bytes
        // beside the timestamp, the prefix and the three strings, which come from the client and
        // may be long.
        let room =
            256 + stamp.count + prefix.count + path.count + id.count + method.count
            + (trace.map { 20 + $0.traceID.utf8.count + $0.spanID.utf8.count } ?? 0)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: room) { buffer in
            var line = LineWriter(buffer.baseAddress!)
            line.append(stamp)
            line.append(prefix)
            line.append(" http.duration_ms=")
            line.milliseconds(Int(seconds * 1e6))
            line.append(" http.method=")
            line.append(method)
            line.append(" http.path=")
            line.append(path)
            line.append(" http.request_bytes=")
            line.integer(requestBytes)
            line.append(" http.response_bytes=")
            line.integer(responseBytes)
            line.append(" http.status=")
            line.integer(status)
            line.append(" request.id=")
            line.append(id)
            if let trace {
                // In the sorted order: span_id, then trace_id.
                line.append(" span_id=")
                line.append(trace.spanID.utf8)
                line.append(" trace_id=")
                line.append(trace.traceID.utf8)
            }
            line.append(" [GradientService] request\n")
            precondition(line.count <= room, "an access log line outgrew its buffer")
            var rest = UnsafeRawBufferPointer(start: buffer.baseAddress, count: line.count)
            while !rest.isEmpty {
                let n = write(fileDescriptor, rest.baseAddress, rest.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }  // a log that cannot be written is not the request's failure
                rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            }
        }
    }

    /// The local time as `StreamLogHandler` prints it (`%Y-%m-%dT%H:%M:%S%z`), formatted when the
    /// second changes.
    private func timestamp() -> [UInt8] {
        var now = time(nil)
        return clock.withLock { cached in
            if cached.second != now {
                var local = tm()
                var text = [CChar](repeating: 0, count: 64)
                if localtime_r(&now, &local) != nil, strftime(&text, text.count, "%Y-%m-%dT%H:%M:%S%z", &local) > 0 {
                    cached.text = text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
                } else {
                    cached.text = Array("<unknown>".utf8)
                }
                cached.second = now
            }
            return cached.text
        }
    }
}

/// Appends text to a buffer the caller sized.
private struct LineWriter {
    let start: UnsafeMutablePointer<UInt8>
    var count = 0

    init(_ start: UnsafeMutablePointer<UInt8>) { self.start = start }

    mutating func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        for b in bytes {
            start[count] = b
            count += 1
        }
    }

    mutating func append(_ text: StaticString) {
        (start + count).update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        count += text.utf8CodeUnitCount
    }

    mutating func integer(_ value: Int) {
        if value < 0 { append("-") }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 20 digits, written from the end
        var v = value.magnitude
        var n = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[23 - n] = UInt8(truncatingIfNeeded: v % 10) + UInt8(ascii: "0")
                v /= 10
                n += 1
            } while v > 0
            append(raw[(24 - n)...])
        }
    }

    /// `microseconds / 1000` as `Double.description` prints it (e.g. `2.794`, `2.79`, `12.0`,
    /// `0.001`): the integer part, then the three decimals without trailing zeros but at least one.
    /// (What the log printed through `Logger`: `Double(Int(seconds * 1e6)) / 1e3`, which for
    /// these values is the decimal itself; below 2^53 microseconds, about 285 years.)
    mutating func milliseconds(_ microseconds: Int) {
        let us = max(0, microseconds)
        integer(us / 1000)
        append(".")
        var fraction = us % 1000
        if fraction == 0 {
            append("0")
            return
        }
        var width = 3
        while fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        if width == 3 && fraction < 100 { append("0") }
        if width >= 2 && fraction < 10 { append("0") }
        integer(fraction)
    }
}
