import ArgumentParser
import GradientService
import HTTPServer

/// Where and how the server listens.
struct ListenOptions: ParsableArguments {
    @Option(help: "Address to bind, numeric IPv4 or IPv6 (env BACKPROP_HOST).")
    var host: String = Defaults.server.host

    @Option(help: "TCP port; 0 picks a free one (env BACKPROP_PORT).")
    var port: Int = Int(Defaults.server.port)

    @Option(help: "PEM certificate file; with --tls-key, serve HTTPS (env BACKPROP_TLS_CERT).")
    var tlsCert: String = ""

    @Option(help: "PEM private key file for --tls-cert (env BACKPROP_TLS_KEY).")
    var tlsKey: String = ""

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard tlsCert.isEmpty == tlsKey.isEmpty else { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    func apply(to http: inout ServerConfiguration) {
        http.host = host
        http.port = UInt16(port)
    }
}

/// How many threads compute and poll, and how many requests may wait.
struct ThreadOptions: ParsableArguments {
    @Option(
        help: "Worker threads computing gradients (env BACKPROP_WORKERS; default: the CPUs available to the process)."
    )
    var workers: Int = Defaults.cpus

    @Option(help: "Requests that may wait for a worker; more are answered 503 (env BACKPROP_QUEUE_CAPACITY).")
    var queueCapacity: Int = Defaults.server.queueCapacity

    @Option(help: "HTTP polling threads (env BACKPROP_IO_THREADS; default: the CPUs available to the process).")
    var ioThreads: Int = Defaults.cpus

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
        guard queueCapacity >= 0 else { throw ValidationError("--queue-capacity must not be negative") }
        guard ioThreads >= 1 else { throw ValidationError("--io-threads must be at least 1") }
    }

    func apply(to http: inout ServerConfiguration) {
        http.workers = workers
        http.queueCapacity = queueCapacity
        http.ioThreads = ioThreads
    }
}

/// The bounds on one request, each checked before the allocation it protects.
struct LimitOptions: ParsableArguments {
    @Option(help: "Largest request body in bytes (env BACKPROP_MAX_BODY_BYTES).")
    var maxBodyBytes: Int = Defaults.server.maxBodyBytes

    @Option(help: "Most layers in a network (env BACKPROP_MAX_LAYERS).")
    var maxLayers: Int = Defaults.limits.maxLayers

    @Option(help: "Most units in one layer (env BACKPROP_MAX_UNITS).")
    var maxUnits: Int = Defaults.limits.maxUnits

    @Option(help: "Most parameters (weights and biases) in a network (env BACKPROP_MAX_PARAMETERS).")
    var maxParameters: Int = Defaults.limits.maxParameters

    @Option(help: "Most samples in a batch (env BACKPROP_MAX_BATCH).")
    var maxBatch: Int = Defaults.limits.maxBatch

    @Option(help: "Most multiply-adds one request may cost, estimated from its shapes (env BACKPROP_MAX_WORK).")
    var maxWork: Int = Defaults.limits.maxWork

    @Option(help: "Most parameters /v1/gradcheck accepts (env BACKPROP_MAX_GRADCHECK_PARAMETERS).")
    var maxGradcheckParameters: Int = Defaults.limits.maxGradcheckParameters

    func validate() throws {
        for (name, value) in [
            ("--max-body-bytes", maxBodyBytes), ("--max-layers", maxLayers), ("--max-units", maxUnits),
            ("--max-parameters", maxParameters), ("--max-batch", maxBatch), ("--max-work", maxWork),
            ("--max-gradcheck-parameters", maxGradcheckParameters),
        ] where value < 1 {
            throw ValidationError("\(name) must be at least 1, got \(value)")
        }
    }

    var serviceLimits: ServiceLimits {
        var limits = ServiceLimits()
        limits.maxLayers = maxLayers
        limits.maxUnits = maxUnits
        limits.maxParameters = maxParameters
        limits.maxBatch = maxBatch
        limits.maxWork = maxWork
        limits.maxGradcheckParameters = maxGradcheckParameters
        return limits
    }
}

/// Connection bounds and the clocks a request runs against.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Seconds of inactivity before a connection is closed (env BACKPROP_CONNECTION_TIMEOUT).")
    var connectionTimeout: Int = Defaults.server.connectionTimeout

    @Option(
        help:
            "Bytes of microhttpd memory per connection: its read buffer and headers (env BACKPROP_CONNECTION_MEMORY_LIMIT)."
    )
    var connectionMemoryLimit: Int = Defaults.server.connectionMemoryLimit

    @Option(help: "Most open connections (env BACKPROP_CONNECTION_LIMIT).")
    var connectionLimit: Int = Defaults.server.connectionLimit

    @Option(help: "Seconds a request may compute, counted from its arrival; then 503 (env BACKPROP_REQUEST_TIMEOUT).")
    var requestTimeout: Double = Defaults.server.requestTimeout

    @Option(
        help: "Seconds a client may take to send a whole body before it is disconnected (env BACKPROP_BODY_TIMEOUT)."
    )
    var bodyTimeout: Double = Defaults.server.bodyTimeout

    @Option(
        help:
            "Seconds a client may take to send a request head, or it is disconnected; 0 = no deadline (env BACKPROP_HEAD_TIMEOUT)."
    )
    var headTimeout: Double = Defaults.server.headTimeout

    @Option(
        help:
            "Bytes per second a request body must average after --min-rate-grace, or the client is disconnected; 0 = no minimum (env BACKPROP_MIN_BODY_RATE)."
    )
    var minBodyRate: Int = Defaults.server.minBodyRate

    @Option(help: "Seconds before --min-body-rate applies (env BACKPROP_MIN_RATE_GRACE).")
    var minRateGrace: Double = Defaults.server.minRateGrace

    @Option(help: "Most open connections from one client address; 0 = no limit (env BACKPROP_PER_IP_CONNECTION_LIMIT).")
    var perIPConnectionLimit: Int = Defaults.server.perIPConnectionLimit

    @Option(help: "Seconds to finish in-flight requests after SIGTERM (env BACKPROP_DRAIN_TIMEOUT).")
    var drainTimeout: Double = Defaults.server.drainTimeout

    func validate() throws {
        guard connectionLimit >= 1 else {
            throw ValidationError("--connection-limit must be at least 1, got \(connectionLimit)")
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
        guard headTimeout >= 0 else { throw ValidationError("--head-timeout must not be negative, got \(headTimeout)") }
        guard minBodyRate >= 0 else {
            throw ValidationError("--min-body-rate must not be negative, got \(minBodyRate)")
        }
        guard minRateGrace >= 0 else {
            throw ValidationError("--min-rate-grace must not be negative, got \(minRateGrace)")
        }
    }

    func apply(to http: inout ServerConfiguration) {
        http.connectionTimeout = connectionTimeout
        http.connectionMemoryLimit = connectionMemoryLimit
        http.connectionLimit = connectionLimit
        http.drainTimeout = drainTimeout
        http.requestTimeout = requestTimeout
        http.bodyTimeout = bodyTimeout
        http.perIPConnectionLimit = perIPConnectionLimit
        http.headTimeout = headTimeout
        http.minBodyRate = minBodyRate
        http.minRateGrace = minRateGrace
    }
}

/// Who may call what.
struct AccessOptions: ParsableArguments {
    @Option(help: "Require 'Authorization: Bearer <token>' on /v1/*; empty means no auth (env BACKPROP_AUTH_TOKEN).")
    var authToken: String = ""

    @Option(
        help:
            "With --auth-token, also require the token on /metrics: true or false (also 1/0, yes/no, on/off) (env BACKPROP_PROTECT_METRICS)."
    )
    var protectMetrics = Toggle(false)
}
