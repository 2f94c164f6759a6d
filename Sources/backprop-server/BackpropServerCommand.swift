import ArgumentParser
import Dispatch
import GradientService
import HTTPServer
import Logging
import ProcessTuning
import Tracing

#if canImport(Glibc)
import Glibc
#endif

/// The executable: reads flags (each with an environment variable), wires the service, serves
/// until SIGINT or SIGTERM, then drains. Every default comes from the configuration type that
/// owns the setting (`ServerConfiguration`, `ServiceLimits`), except the thread counts, which are
/// the CPUs this process may use (`Defaults.cpus`, computed once).
@main
struct BackpropServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backprop-server",
        abstract: "Serve gradients of feedforward networks over HTTP (POST /v1/gradients).",
        discussion:
            "Every option can also be set by the environment variable shown beside it, which is read exactly as the flag is (a bad value stops the server); a flag wins over its variable, and an empty variable counts as unset.",
        version: BuildInfo.version
    )

    /// Parses the command line with the environment's variables merged in (`Environment`), so a
    /// bad variable is refused like a bad flag, with the variable named.
    static func main() {
        let (arguments, used) = Environment.merge(Array(CommandLine.arguments.dropFirst())) { name in
            getenv(name).map { String(cString: $0) }
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || used.isEmpty { exit(withError: error) }
            let message = Array((Environment.explain(fullMessage(for: error), used: used) + "\n").utf8)
            _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            Glibc.exit(code.rawValue)
        }
    }

    @OptionGroup(title: "Listening") var listen: ListenOptions
    @OptionGroup(title: "Threads and queue") var threads: ThreadOptions
    @OptionGroup(title: "Request limits") var limits: LimitOptions
    @OptionGroup(title: "Connections and timeouts") var connections: ConnectionOptions
    @OptionGroup(title: "Access") var access: AccessOptions

    @Option(help: "trace, debug, info, notice, warning, error or critical (env BACKPROP_LOG_LEVEL).")
    var logLevel: String = "info"

    @Option(
        help:
            "OpenBLAS kernel: 'auto' picks one for this CPU when OpenBLAS fell back to generic kernels; 'keep' leaves OpenBLAS's choice (env BACKPROP_BLAS_CORE)."
    )
    var blasCore: String = "auto"

    @Flag(
        help:
            "Probe a running server: GET /healthz on --host/--port, exit 0 on 200, 1 otherwise (for Docker's HEALTHCHECK)."
    )
    var healthcheck = false

    func validate() throws {
        guard blasCore == "auto" || blasCore == "keep" else {
            throw ValidationError("--blas-core must be auto or keep")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() throws {
        if healthcheck {
            guard let failure = HealthProbe.run(host: listen.host, port: listen.port) else { throw ExitCode.success }
            let line = Array("healthcheck failed: \(failure)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            throw ExitCode.failure
        }
        var logger = Logger(label: "backprop-server") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let telemetry: Telemetry?
        do {
            telemetry = try Telemetry.read { name in getenv(name).map { String(cString: $0) } }
        } catch {
            let line = Array("Error: \(error)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            throw ExitCode(64)
        }

        let core = blasCore == "auto" ? BLASTuning.betterCore(current: BLASTuning.coreName) : nil
        let restart = Restart.environment(blasCore: core)
        if !restart.isEmpty {
            logger.info(
                "restarting once with library settings that only take effect at load time",
                metadata: ["env": "\(restart.map { "\($0.name)=\($0.value)" }.joined(separator: " "))"]
            )
            Restart.reexec(setting: restart)
        }
        HeapTuning.keepLargeBuffersInHeap()
        // The pool parallelises across requests; OpenBLAS stays single-threaded (see BLASTuning).
        BLASTuning.setThreads(1)

        var service = GradientHandler.Configuration()
        service.limits = limits.serviceLimits
        service.authToken = access.authToken.isEmpty ? nil : access.authToken
        service.parallelism = threads.workers
        service.protectMetrics = access.protectMetrics.isOn
        // The access log is written at info, by the writer that keeps it cheap (same layout).
        if logger.logLevel <= .info { service.accessLog = AccessLog(label: logger.label) }
        var export: TraceExport?
        if let telemetry {
            do {
                export = try TraceExport(telemetry, logger: logger)
            } catch {
                let line = Array("Error: \(error)\n".utf8)
                _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                throw ExitCode(64)
            }
            service.tracer = export?.tracer
        }
        var names: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            names.append(String(String(cString: pointer).prefix { $0 != "=" }))
            entry += 1
        }
        let ignored = Telemetry.ignored(in: names)
        if !ignored.isEmpty {
            logger.warning(
                "these OpenTelemetry variables are not read here (docs/observability.md lists those that are)",
                metadata: ["ignored": "\(ignored.joined(separator: " "))"]
            )
        }
        service.urlScheme = listen.tlsCert.isEmpty ? "http" : "https"
        let handler = GradientHandler(configuration: service, logger: logger)

        var http = ServerConfiguration()
        listen.apply(to: &http)
        threads.apply(to: &http)
        connections.apply(to: &http)
        http.maxBodyBytes = limits.maxBodyBytes
        if !listen.tlsCert.isEmpty {
            guard let cert = readFile(listen.tlsCert), let key = readFile(listen.tlsKey) else {
                logger.critical("cannot read --tls-cert or --tls-key", metadata: ["tls.cert": "\(listen.tlsCert)"])
                throw ExitCode(1)
            }
            http.tlsCertificatePEM = cert
            http.tlsKeyPEM = key
        }
        let server = Server(configuration: http, handler: handler, logger: logger)

        do {
            try server.start()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        logger.notice(
            "listening",
            metadata: [
                "http.host": "\(listen.host)", "http.port": "\(server.port)", "workers": "\(threads.workers)",
                "tls": "\(!listen.tlsCert.isEmpty)",
                "blas.core": "\(BLASTuning.coreName)",
                "tracing": "\(telemetry?.environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "off")",
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
        logger.notice("draining", metadata: ["drain_timeout_s": "\(connections.drainTimeout)"])
        let clean = server.stop()
        for source in signals { source.cancel() }
        // The spans of the last requests: made, then exported or given up after two seconds.
        if let export {
            handler.flushTracing()
            if !export.stop(waitingAtMost: 2) { logger.warning("tracing: spans still queued at exit were lost") }
        }
        logger.notice(clean ? "stopped" : "stopped with requests still in flight")
        if !clean { throw ExitCode(1) }
    }
}

/// The defaults no configuration type can know: they depend on the machine.
enum Defaults {
    /// CPUs this process may use: online, within its affinity and its container's CPU limit.
    static let cpus = AvailableCPUs.count()
    static let server = ServerConfiguration()
    static let limits = ServiceLimits()
}
