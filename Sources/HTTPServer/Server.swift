import CMicroHTTPD
import CMicroHTTPDShim
import Dispatch
import Logging
import Sync
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An HTTP server on libmicrohttpd: one epoll polling thread (or a pool of them) reads requests,
/// a `WorkerPool` runs the handler, suspend/resume joins the two. It knows nothing of what the
/// handler computes.
public final class Server: ServerStatus {
    public let configuration: ServerConfiguration
    let handler: any HTTPHandler
    let pool: WorkerPool
    let logger: Logger

    private struct Daemon: @unchecked Sendable { let pointer: OpaquePointer }
    private let daemon = Lock<Daemon?>(nil)
    private let boundPort = Atomic<UInt16>(0)
    /// Set by `stop()`; final calls then get 503 with `Connection: close`.
    let draining = Atomic<Bool>(false)
    /// Requests handed to a worker and not yet resumed. Incremented before `draining` is checked.
    let inFlight = Atomic<Int>(0)
    /// Requests handed to a worker whose response microhttpd has not finished sending yet. A
    /// resumed connection's answer is queued and sent by the polling thread after the worker is
    /// done, so `stop()` waits for this too, or MHD_stop_daemon would cut the answer off.
    let unfinished = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    /// Drops sockets whose request head takes longer than `headTimeout` (nil: no deadline).
    let watch: ConnectionWatch?

    public init(configuration: ServerConfiguration, handler: any HTTPHandler, logger: Logger) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        pool = WorkerPool(workers: max(1, configuration.workers), queueCapacity: max(0, configuration.queueCapacity))
        watch =
            configuration.headTimeout > 0
            ? ConnectionWatch(deadlineSeconds: configuration.headTimeout) : nil
    }

    /// The port bound (useful after asking for port 0).
    public var port: UInt16 { boundPort.load(ordering: .acquiring) }
    /// Jobs waiting for a worker.
    public var queueDepth: Int { pool.queued }
    /// Workers running a job.
    public var busyWorkers: Int { pool.busy }
    public var workerCount: Int { pool.workers }
    /// True while draining or when a new request would be refused for lack of room.
    public var isSaturated: Bool { pool.isSaturated }
    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// Binds and starts serving; returns once the socket is listening.
    public func start() throws(ServerError) {
        let useTLS = configuration.tlsKeyPEM != nil && configuration.tlsCertificatePEM != nil
        if useTLS && CMicroHTTPDShim_has_tls() == 0 { throw .tlsUnsupported }
        var error: UnsafePointer<CChar>?
        let cls = Unmanaged.passUnretained(self).toOpaque()
        let started: OpaquePointer? = configuration.host.withCString { host in
            withOptionalCString(configuration.tlsKeyPEM) { key in
                withOptionalCString(configuration.tlsCertificatePEM) { cert in
                    var options = CMicroHTTPDShim_Options(
                        bind_host: host,
                        port: configuration.port,
                        thread_pool_size: UInt32(max(1, configuration.ioThreads)),
                        connection_timeout: UInt32(max(0, configuration.connectionTimeout)),
                        connection_limit: UInt32(max(0, configuration.connectionLimit)),
                        per_ip_connection_limit: UInt32(max(0, configuration.perIPConnectionLimit)),
                        connection_memory_limit: max(0, configuration.connectionMemoryLimit),
                        tls_key_pem: key,
                        tls_cert_pem: cert,
                        use_epoll: 1,
                        notify_connection: watch == nil ? nil : connectionNotice,
                        notify_connection_cls: cls
                    )
                    return CMicroHTTPDShim_start(&options, accessHandler, cls, completedHandler, cls, &error)
                }
            }
        }
        guard let started else {
            throw .startFailed(error.map { String(cString: $0) } ?? "unknown error")
        }
        daemon.withLock { $0 = Daemon(pointer: started) }
        boundPort.store(CMicroHTTPDShim_port(started), ordering: .releasing)
    }

    /// Graceful stop: refuse new work (503 + close), wait up to `drainTimeout` for requests in
    /// flight, then stop microhttpd (which stops accepting and closes every connection).
    /// Stopping with a connection still suspended would abort the process (MHD_PANIC), so if
    /// the wait runs out the daemon is left running and `false` is returned; the caller exits
    /// anyway.
    ///
    /// There is no `MHD_quiesce_daemon` first: in 0.9.75, with a pool of polling threads, it
    /// removes the listen socket from each thread's epoll set while that thread may be removing
    /// it itself, and aborts on the second removal ("Failed to remove listen FD from epoll set";
    /// seen once in about fifteen runs of the test suite). New connections during the drain are
    /// answered 503 with Connection: close instead, as requests on open connections are.
    @discardableResult
    public func stop() -> Bool {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return true }
        draining.store(true, ordering: .releasing)
        guard let d = daemon.withLock({ $0 }) else { return true }
        let deadline = DispatchTime.now() + configuration.drainTimeout
        while inFlight.load(ordering: .acquiring) > 0 || unfinished.load(ordering: .acquiring) > 0 {
            if DispatchTime.now() > deadline {
                logger.warning(
                    "drain timeout: requests still in flight",
                    metadata: ["inflight": "\(inFlight.load(ordering: .relaxed))"]
                )
                return false
            }
            usleep(2000)
        }
        MHD_stop_daemon(d.pointer)
        watch?.cancel()
        daemon.withLock { $0 = nil }
        return true
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}
