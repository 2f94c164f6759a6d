import Dispatch
import Sync

/// A bounded pool of Dispatch workers: at most `workers` jobs run at once on a concurrent queue,
/// at most `queueCapacity` more wait, and admission beyond that is refused (never unbounded growth).
///
/// Admission (`tryReserve`) is separate from `run` so the server can answer 503 before it
/// suspends a connection, and publish the job only after suspending (microhttpd requires it).
public final class WorkerPool: Sendable {
    public let workers: Int
    public let queueCapacity: Int
    private let queue: DispatchQueue

    private struct State {
        var admitted = 0  // reserved + queued + running
        var pending: [@Sendable () -> Void] = []
        var head = 0  // index of the next pending job
        var running = 0  // drain loops alive (≤ workers)
        var busy = 0  // jobs executing right now
    }
    private let state = Lock(State())

    public init(workers: Int, queueCapacity: Int, label: String = "backprop.workers") {
        precondition(workers >= 1 && queueCapacity >= 0)
        self.workers = workers
        self.queueCapacity = queueCapacity
        queue = DispatchQueue(label: label, qos: .userInitiated, attributes: .concurrent)
    }

    /// Takes a slot if there is one. Every successful reservation must be followed by `run`.
    public func tryReserve() -> Bool {
        state.withLock { s in
            guard s.admitted < workers + queueCapacity else { return false }
            s.admitted += 1
            return true
        }
    }

    /// Runs `job` in the slot reserved for it.
    public func run(_ job: @escaping @Sendable () -> Void) {
        let startLoop = state.withLock { s -> Bool in
            s.pending.append(job)
            guard s.running < workers else { return false }
            s.running += 1
            return true
        }
        if startLoop { queue.async { self.drain() } }
    }

    /// Jobs waiting for a worker.
    public var queued: Int { state.withLock { $0.pending.count - $0.head } }
    /// Workers executing a job right now.
    public var busy: Int { state.withLock { $0.busy } }
    /// Whether a new job would be refused now.
    public var isSaturated: Bool { state.withLock { $0.admitted >= workers + queueCapacity } }

    private func drain() {
        while true {
            let job: (@Sendable () -> Void)? = state.withLock { s in
                guard s.head < s.pending.count else {
                    s.pending.removeAll(keepingCapacity: true)
                    s.head = 0
                    s.running -= 1
                    return nil
                }
                let j = s.pending[s.head]
                s.head += 1
                if s.head >= 64 && s.head * 2 >= s.pending.count {
                    s.pending.removeFirst(s.head)  // keep the array bounded under constant load
                    s.head = 0
                }
                s.busy += 1
                return j
            }
            guard let job else { return }
            job()
            state.withLock { s in
                s.busy -= 1
                s.admitted -= 1
            }
        }
    }
}
