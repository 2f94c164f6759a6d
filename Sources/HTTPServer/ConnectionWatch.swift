import Dispatch
import Sync

#if canImport(Glibc)
import Glibc
#endif

/// Drops connections that take too long to send a request's head.
///
/// microhttpd's connection timeout is an idle timeout: it restarts on every byte, so a client
/// sending one header byte a second is never dropped (measured; docs/architecture.md). This
/// tracks each socket from when it opened (or its previous request ended) until its next request's
/// head is complete, and a timer shuts down sockets past the deadline. `shutdown` (not `close`)
/// leaves the descriptor to microhttpd, which sees the socket end and cleans up as usual; the
/// lock is held across it, so microhttpd cannot close and reuse the descriptor meanwhile.
/// `@unchecked Sendable`: the table is behind a lock, and the timer (thread-safe itself) is only
/// set up in `init` and cancelled in `cancel`.
final class ConnectionWatch: @unchecked Sendable {
    private struct Entry {
        var since: UInt64
        var inRequest: Bool
        var shutDown = false
    }
    private let entries = Lock<[Int32: Entry]>([:])
    private let timer: DispatchSourceTimer
    let deadlineNanoseconds: UInt64

    init(deadlineSeconds: Double) {
        deadlineNanoseconds = UInt64(deadlineSeconds * 1e9)
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "backprop.connection-watch"))
        let interval = max(0.05, min(1, deadlineSeconds / 4))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [weak self] in self?.sweep() }
        timer.resume()
    }

    func cancel() { timer.cancel() }

    func opened(_ fd: Int32) { entries.withLock { $0[fd] = Entry(since: Self.now, inRequest: false) } }
    func closed(_ fd: Int32) { _ = entries.withLock { $0.removeValue(forKey: fd) } }
    func headComplete(_ fd: Int32) { entries.withLock { $0[fd]?.inRequest = true } }
    func requestEnded(_ fd: Int32) { entries.withLock { $0[fd] = Entry(since: Self.now, inRequest: false) } }

    /// Shuts down every socket waiting longer than the deadline for a request head; returns how many.
    @discardableResult
    func sweep() -> Int {
        let now = Self.now
        return entries.withLock { table in
            let late = table.filter { entry in
                let e = entry.value
                return !e.inRequest && !e.shutDown && now > e.since && now - e.since > deadlineNanoseconds
            }.map(\.key)
            for fd in late {
                shutdown(fd, Int32(SHUT_RDWR))
                table[fd]?.shutDown = true  // once is enough; microhttpd's close notice removes it
            }
            return late.count
        }
    }

    private static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }
}
