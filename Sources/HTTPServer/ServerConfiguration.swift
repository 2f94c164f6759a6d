/// How the server listens, and the bounds it keeps.
public struct ServerConfiguration: Sendable {
    /// Numeric IPv4 or IPv6 address to bind; "0.0.0.0" for every interface.
    public var host: String = "127.0.0.1"
    /// 0 asks the kernel for a free port (tests); `Server.port` tells which.
    public var port: UInt16 = 8080
    /// Worker threads running handlers (the Dispatch pool's width). The executable sets it to the
    /// CPUs the process may use.
    public var workers: Int = 1
    /// Requests waiting for a worker beyond those running; one more is answered 503 at once.
    public var queueCapacity: Int = 64
    /// microhttpd polling threads (its epoll thread pool). The executable sets it to the CPUs the
    /// process may use: one per core served tiny requests about a quarter faster than one in all.
    public var ioThreads: Int = 1
    /// Largest request body accepted; larger is 413 (before reading it when Content-Length says so).
    public var maxBodyBytes: Int = 64 << 20
    /// Seconds of inactivity after which microhttpd drops a connection.
    public var connectionTimeout: Int = 30
    /// Open sockets at most.
    public var connectionLimit: Int = 1000
    /// Open sockets from one client address at most (0: no per-address limit).
    public var perIPConnectionLimit: Int = 0
    /// Seconds a request may take from its first header callback to its last body byte; a
    /// client still sending after that is disconnected. Bounds slow uploads, which the idle
    /// timeout alone does not (it resets on every byte).
    public var bodyTimeout: Double = 60
    /// Seconds a connection may take to send a request head, from when it opened (or its previous
    /// request ended); slower clients are disconnected (0: no deadline). Heads are small, and
    /// microhttpd's idle timeout restarts on every byte, so without this a client dribbling its
    /// head holds a connection indefinitely. microhttpd reports no bytes while a head arrives, so
    /// heads get a deadline where bodies get a minimum rate.
    public var headTimeout: Double = 10
    /// Bytes per second a request body must average once `minRateGrace` has passed since its head
    /// arrived; a client below it is disconnected (0: no minimum). Kestrel's default: a trickling
    /// client is dropped within seconds, while a steady upload of any size is never cut for being
    /// long (only `bodyTimeout` caps it).
    public var minBodyRate: Int = 240
    /// Seconds before `minBodyRate` applies (room for TCP slow start and a client's first write).
    public var minRateGrace: Double = 5
    /// Seconds a handler may take, counted from the head's arrival; handlers read it as
    /// `Request.deadline` and give up at their next checkpoint.
    public var requestTimeout: Double = 60
    /// microhttpd's per-connection memory pool (its read buffer and headers); 128 KiB made large
    /// bodies faster than 64 KiB (fewer reads per MiB).
    public var connectionMemoryLimit: Int = 128 << 10
    /// Seconds `stop()` waits for in-flight requests before giving up on them.
    public var drainTimeout: Double = 30
    /// PEM key and certificate to serve HTTPS; both nil for plain HTTP.
    public var tlsKeyPEM: String?
    public var tlsCertificatePEM: String?

    public init() {}
}
