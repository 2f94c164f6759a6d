import ArgumentParser
import Backprop
import Dispatch
import GradientService
import HTTPServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The executable: reads flags (each with an environment variable), wires the service, serves
/// until SIGINT or SIGTERM, then drains.
@main
struct BackpropServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backprop-server",
        abstract: "Serve gradients of feedforward networks over HTTP (POST /v1/gradients).",
        discussion:
            "Every option can also be set by the environment variable shown beside it; a flag wins over its variable."
    )

    @Option(help: "Address to bind, numeric IPv4 or IPv6 (env BACKPROP_HOST).")
    var host: String = Env.string("BACKPROP_HOST", "127.0.0.1")

    @Option(help: "TCP port; 0 picks a free one (env BACKPROP_PORT).")
    var port: Int = Env.int("BACKPROP_PORT", 8080)

    @Option(
        help: "Worker threads computing gradients (env BACKPROP_WORKERS; default: the CPUs available to the process)."
    )
    var workers: Int = Env.int("BACKPROP_WORKERS", Env.cores)

    @Option(help: "Requests that may wait for a worker; more are answered 503 (env BACKPROP_QUEUE_CAPACITY).")
    var queueCapacity: Int = Env.int("BACKPROP_QUEUE_CAPACITY", 64)

    @Option(help: "HTTP polling threads (env BACKPROP_IO_THREADS; default: the CPUs available to the process).")
    var ioThreads: Int = Env.int("BACKPROP_IO_THREADS", Env.cores)

    @Option(help: "Largest request body in bytes (env BACKPROP_MAX_BODY_BYTES).")
    var maxBodyBytes: Int = Env.int("BACKPROP_MAX_BODY_BYTES", 64 << 20)

    @Option(help: "Most layers in a network (env BACKPROP_MAX_LAYERS).")
    var maxLayers: Int = Env.int("BACKPROP_MAX_LAYERS", 64)

    @Option(help: "Most units in one layer (env BACKPROP_MAX_UNITS).")
    var maxUnits: Int = Env.int("BACKPROP_MAX_UNITS", 16_384)

    @Option(help: "Most parameters (weights and biases) in a network (env BACKPROP_MAX_PARAMETERS).")
    var maxParameters: Int = Env.int("BACKPROP_MAX_PARAMETERS", 50_000_000)

    @Option(help: "Most samples in a batch (env BACKPROP_MAX_BATCH).")
    var maxBatch: Int = Env.int("BACKPROP_MAX_BATCH", 65_536)

    @Option(help: "Most multiply-adds one request may cost, estimated from its shapes (env BACKPROP_MAX_WORK).")
    var maxWork: Int = Env.int("BACKPROP_MAX_WORK", 40_000_000_000)

    @Option(help: "Most parameters /v1/gradcheck accepts (env BACKPROP_MAX_GRADCHECK_PARAMETERS).")
    var maxGradcheckParameters: Int = Env.int("BACKPROP_MAX_GRADCHECK_PARAMETERS", 20_000)

    @Option(help: "Seconds of inactivity before a connection is closed (env BACKPROP_CONNECTION_TIMEOUT).")
    var connectionTimeout: Int = Env.int("BACKPROP_CONNECTION_TIMEOUT", 30)

    @Option(
        help:
            "Bytes of microhttpd memory per connection: its read buffer and headers (env BACKPROP_CONNECTION_MEMORY_LIMIT)."
    )
    var connectionMemoryLimit: Int = Env.int("BACKPROP_CONNECTION_MEMORY_LIMIT", 128 << 10)

    @Option(help: "Most open connections (env BACKPROP_CONNECTION_LIMIT).")
    var connectionLimit: Int = Env.int("BACKPROP_CONNECTION_LIMIT", 1000)

    @Option(help: "Seconds a request may compute, counted from its arrival; then 503 (env BACKPROP_REQUEST_TIMEOUT).")
    var requestTimeout: Double = Env.double("BACKPROP_REQUEST_TIMEOUT", 60)

    @Option(
        help: "Seconds a client may take to send a whole body before it is disconnected (env BACKPROP_BODY_TIMEOUT)."
    )
    var bodyTimeout: Double = Env.double("BACKPROP_BODY_TIMEOUT", 60)

    @Option(help: "Most open connections from one client address; 0 = no limit (env BACKPROP_PER_IP_CONNECTION_LIMIT).")
    var perIPConnectionLimit: Int = Env.int("BACKPROP_PER_IP_CONNECTION_LIMIT", 0)

    @Option(help: "PEM certificate file; with --tls-key, serve HTTPS (env BACKPROP_TLS_CERT).")
    var tlsCert: String = Env.string("BACKPROP_TLS_CERT", "")

    @Option(help: "PEM private key file for --tls-cert (env BACKPROP_TLS_KEY).")
    var tlsKey: String = Env.string("BACKPROP_TLS_KEY", "")

    @Option(help: "Seconds to finish in-flight requests after SIGTERM (env BACKPROP_DRAIN_TIMEOUT).")
    var drainTimeout: Double = Env.double("BACKPROP_DRAIN_TIMEOUT", 30)

    @Option(help: "Require 'Authorization: Bearer <token>' on /v1/*; empty means no auth (env BACKPROP_AUTH_TOKEN).")
    var authToken: String = Env.string("BACKPROP_AUTH_TOKEN", "")

    @Option(
        help: "With --auth-token, also require the token on /metrics: true or false (env BACKPROP_PROTECT_METRICS)."
    )
    var protectMetrics: Bool = Env.string("BACKPROP_PROTECT_METRICS", "false") == "true"

    @Option(help: "trace, debug, info, notice, warning, error or critical (env BACKPROP_LOG_LEVEL).")
    var logLevel: String = Env.string("BACKPROP_LOG_LEVEL", "info")

    @Flag(
        help:
            "Probe a running server: GET /healthz on --host/--port, exit 0 on 200, 1 otherwise (for Docker's HEALTHCHECK)."
    )
    var healthcheck = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
        guard queueCapacity >= 0 else { throw ValidationError("--queue-capacity must not be negative") }
        guard ioThreads >= 1 else { throw ValidationError("--io-threads must be at least 1") }
        for (name, value) in [
            ("--max-body-bytes", maxBodyBytes), ("--max-layers", maxLayers), ("--max-units", maxUnits),
            ("--max-parameters", maxParameters), ("--max-batch", maxBatch), ("--max-work", maxWork),
            ("--max-gradcheck-parameters", maxGradcheckParameters), ("--connection-limit", connectionLimit),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
        guard connectionTimeout >= 0 else { throw ValidationError("--connection-timeout must not be negative") }
        guard connectionMemoryLimit >= 16 << 10 else {
            throw ValidationError(
                "--connection-memory-limit must be at least 16384 (microhttpd needs room for the headers)"
            )
        }
        guard drainTimeout >= 0 else { throw ValidationError("--drain-timeout must not be negative") }
        guard requestTimeout > 0, bodyTimeout > 0 else {
            throw ValidationError("--request-timeout and --body-timeout must be positive")
        }
        guard perIPConnectionLimit >= 0 else { throw ValidationError("--per-ip-connection-limit must not be negative") }
        guard tlsCert.isEmpty == tlsKey.isEmpty else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        guard blasCore == "auto" || blasCore == "keep" else {
            throw ValidationError("--blas-core must be auto or keep")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    @Option(
        help:
            "OpenBLAS kernel: 'auto' picks one for this CPU when OpenBLAS fell back to generic kernels; 'keep' leaves OpenBLAS's choice (env BACKPROP_BLAS_CORE)."
    )
    var blasCore: String = Env.string("BACKPROP_BLAS_CORE", "auto")

    func run() throws {
        if healthcheck { throw HealthProbe.run(host: host, port: port) ? ExitCode.success : ExitCode.failure }
        var logger = Logger(label: "backprop-server") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let core = blasCore == "auto" ? ProcessTuning.betterBLASCore(current: BLASThreads.coreName) : nil
        let restart = ProcessTuning.restartEnvironment(blasCore: core)
        if !restart.isEmpty {
            logger.info(
                "restarting once with library settings that only take effect at load time",
                metadata: ["env": "\(restart.map { "\($0.name)=\($0.value)" }.joined(separator: " "))"]
            )
            ProcessTuning.reexec(setting: restart)
        }
        HeapTuning.keepLargeBuffersInHeap()
        // The pool parallelises across requests; OpenBLAS stays single-threaded (see BLASThreads).
        BLASThreads.set(1)

        var service = GradientHandler.Configuration()
        service.limits.maxLayers = maxLayers
        service.limits.maxUnits = maxUnits
        service.limits.maxParameters = maxParameters
        service.limits.maxBatch = maxBatch
        service.limits.maxWork = maxWork
        service.limits.maxGradcheckParameters = maxGradcheckParameters
        service.authToken = authToken.isEmpty ? nil : authToken
        service.parallelism = workers
        service.protectMetrics = protectMetrics
        let handler = GradientHandler(configuration: service, logger: logger)

        var http = ServerConfiguration()
        http.host = host
        http.port = UInt16(port)
        http.workers = workers
        http.queueCapacity = queueCapacity
        http.ioThreads = ioThreads
        http.maxBodyBytes = maxBodyBytes
        http.connectionTimeout = connectionTimeout
        http.connectionMemoryLimit = connectionMemoryLimit
        http.connectionLimit = connectionLimit
        http.drainTimeout = drainTimeout
        http.requestTimeout = requestTimeout
        http.bodyTimeout = bodyTimeout
        http.perIPConnectionLimit = perIPConnectionLimit
        if !tlsCert.isEmpty {
            guard let cert = readFile(tlsCert), let key = readFile(tlsKey) else {
                logger.critical("cannot read --tls-cert or --tls-key", metadata: ["tls.cert": "\(tlsCert)"])
                throw ExitCode(1)
            }
            http.tlsCertificatePEM = cert
            http.tlsKeyPEM = key
        }
        let server = Server(configuration: http, handler: handler, logger: logger)
        handler.attach(server)

        do {
            try server.start()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        logger.notice(
            "listening",
            metadata: [
                "http.host": "\(host)", "http.port": "\(server.port)", "workers": "\(workers)",
                "tls": "\(!tlsCert.isEmpty)",
                "blas.core": "\(BLASThreads.coreName)",
            ]
        )

        let done = DispatchSemaphore(value: 0)
        let signals = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { done.signal() }
            source.resume()
            return source
        }
        done.wait()
        logger.notice("draining", metadata: ["drain_timeout_s": "\(drainTimeout)"])
        let clean = server.stop()
        for source in signals { source.cancel() }
        logger.notice(clean ? "stopped" : "stopped with requests still in flight")
        if !clean { throw ExitCode(1) }
    }
}

/// Defaults from the environment, so every flag has a variable.
enum Env {
    static func optional(_ name: String) -> String? {
        guard let v = getenv(name) else { return nil }
        let s = String(cString: v)
        return s.isEmpty ? nil : s
    }
    static func string(_ name: String, _ fallback: String) -> String { optional(name) ?? fallback }
    static func int(_ name: String, _ fallback: Int) -> Int { optional(name).flatMap { Int($0) } ?? fallback }
    static func double(_ name: String, _ fallback: Double) -> Double {
        optional(name).flatMap { Double($0) } ?? fallback
    }
    /// CPUs this process may use: online, within its affinity and its container's CPU limit.
    static var cores: Int { AvailableCPUs.count() }
}
