import Dispatch
import Logging
import Tracing

#if OTLP
import OTel
import ServiceLifecycle
#endif

/// OpenTelemetry's standard variables, read as the specification defines them and checked like
/// the flags: a bad value stops the server (exit 64) naming the variable. No endpoint, or
/// `OTEL_SDK_DISABLED=true`, leaves tracing off (no tracing work per request at all). The SDK is
/// handed only these variables once they are checked: it would otherwise log a warning and go on
/// with a default (a misspelt sampler), or stop the process (`grpc`, `jaeger_remote`).
struct Telemetry: Equatable {
    static let variables = [
        "OTEL_SDK_DISABLED", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME",
        "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "OTEL_RESOURCE_ATTRIBUTES",
    ]
    static let samplers = [
        "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off",
        "parentbased_traceidratio",
    ]
    static let protocols = ["http/protobuf", "http/json"]

    /// The checked variables, as the SDK is to read them.
    var environment: [String: String]

    struct BadVariable: Error, CustomStringConvertible, Equatable {
        var name: String
        var value: String
        var expected: String
        var description: String { "\(name)=\(value) is not valid: expected \(expected)" }
    }

    /// The settings from `get` (the process environment), or nil when tracing is off. An empty
    /// variable counts as unset, as the specification says.
    static func read(_ get: (String) -> String?) throws(BadVariable) -> Telemetry? {
        var env: [String: String] = [:]
        for name in variables { if let v = get(name), !v.isEmpty { env[name] = v } }
        if let v = env["OTEL_SDK_DISABLED"] {
            switch v.lowercased() {
            case "true": return nil
            case "false": break
            default: throw BadVariable(name: "OTEL_SDK_DISABLED", value: v, expected: "true or false")
            }
        }
        // Enumerated values are case-insensitive, says the specification: passed on lower-cased.
        if let v = env["OTEL_EXPORTER_OTLP_PROTOCOL"] {
            guard protocols.contains(v.lowercased()) else {
                let why = v.lowercased() == "grpc" ? " (this server exports over HTTP only)" : ""
                throw BadVariable(
                    name: "OTEL_EXPORTER_OTLP_PROTOCOL",
                    value: v,
                    expected: "http/protobuf or http/json\(why)"
                )
            }
            env["OTEL_EXPORTER_OTLP_PROTOCOL"] = v.lowercased()
        }
        let sampler = (env["OTEL_TRACES_SAMPLER"] ?? "parentbased_always_on").lowercased()
        guard samplers.contains(sampler) else {
            throw BadVariable(
                name: "OTEL_TRACES_SAMPLER",
                value: env["OTEL_TRACES_SAMPLER"] ?? sampler,
                expected: samplers.joined(separator: ", ")
            )
        }
        if env["OTEL_TRACES_SAMPLER"] != nil { env["OTEL_TRACES_SAMPLER"] = sampler }
        if let v = env["OTEL_TRACES_SAMPLER_ARG"] {
            if sampler.hasSuffix("traceidratio") {
                guard let ratio = Double(v), ratio >= 0, ratio <= 1 else {
                    throw BadVariable(name: "OTEL_TRACES_SAMPLER_ARG", value: v, expected: "a number from 0 to 1")
                }
            } else {
                env["OTEL_TRACES_SAMPLER_ARG"] = nil  // the specification: ignored by other samplers
            }
        }
        if let v = env["OTEL_RESOURCE_ATTRIBUTES"] {
            for pair in v.split(separator: ",", omittingEmptySubsequences: false) {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard kv.count == 2, !kv[0].allSatisfy(\.isWhitespace) else {
                    throw BadVariable(
                        name: "OTEL_RESOURCE_ATTRIBUTES",
                        value: v,
                        expected: "key=value pairs separated by commas"
                    )
                }
            }
        }
        guard let endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"] else { return nil }
        guard isHTTPURL(endpoint) else {
            throw BadVariable(
                name: "OTEL_EXPORTER_OTLP_ENDPOINT",
                value: endpoint,
                expected: "an http:// or https:// URL (the collector's base; /v1/traces is added)"
            )
        }
        return Telemetry(environment: env)
    }

    static func isHTTPURL(_ s: String) -> Bool {
        for scheme in ["http://", "https://"] where s.hasPrefix(scheme) {
            let authority = s.dropFirst(scheme.count).prefix { $0 != "/" }
            return !authority.isEmpty && !authority.contains(" ")
        }
        return false
    }

    /// `OTEL_*` variables among `names` (the environment's) that this server does not read (the specification
    /// has many more: headers, certificates, per-signal endpoints, batch settings…): said once at
    /// start, so that none is thought to be in effect.
    static func ignored(in names: [String]) -> [String] {
        names.filter { $0.hasPrefix("OTEL_") && !variables.contains($0) }.sorted()
    }

    /// Whether a service name is given (`OTEL_SERVICE_NAME`, or `service.name` in the resource).
    var namesTheService: Bool {
        if environment["OTEL_SERVICE_NAME"] != nil { return true }
        let pairs = (environment["OTEL_RESOURCE_ATTRIBUTES"] ?? "").split(separator: ",")
        return pairs.contains { pair in
            let key = pair.prefix { $0 != "=" }.filter { $0 != " " && $0 != "\t" }
            return key == "service.name"
        }
    }
}

/// Spans exported by OpenTelemetry's SDK (swift-otel) over OTLP/HTTP: batched in the background,
/// so a request never waits for them, and a collector that is down loses spans, not requests.
final class TraceExport: Sendable {
    /// The tracer the service makes its spans with.
    let tracer: any Tracer
    private let stopper: @Sendable (Double) -> Bool

    #if OTLP
    init(_ telemetry: Telemetry, logger: Logger) throws {
        var config = OTel.Configuration.default
        // `backprop-server` unless the operator names the service (the SDK lets a name set here
        // win over OTEL_RESOURCE_ATTRIBUTES' service.name).
        if !telemetry.namesTheService { config.serviceName = "backprop-server" }
        config.logs.enabled = false
        config.metrics.enabled = false
        config.diagnosticLogger = .custom(logger)
        config.diagnosticLogLevel = .warning
        // Half a second between exports and room for 8192 spans (1,600 requests): the defaults
        // (5 s, 2048) dropped most spans of a burst here. A dead collector costs 5 s per batch,
        // in the background.
        config.traces.batchSpanProcessor.scheduleDelay = .milliseconds(500)
        config.traces.batchSpanProcessor.maxQueueSize = 8192
        config.traces.batchSpanProcessor.maxExportBatchSize = 2048
        config.traces.otlpExporter.timeout = .seconds(5)
        let service = try OTel.bootstrap(configuration: config, environment: telemetry.environment)
        let group = ServiceGroup(
            services: [service],
            gracefulShutdownSignals: [],
            cancellationSignals: [],
            logger: logger
        )
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            do { try await group.run() } catch { logger.warning("tracing stopped", metadata: ["error": "\(error)"]) }
            finished.signal()
        }
        tracer = InstrumentationSystem.tracer
        stopper = { seconds in
            Task.detached { await group.triggerGracefulShutdown() }
            return finished.wait(timeout: .now() + seconds) == .success
        }
    }
    #else
    init(_ telemetry: Telemetry, logger: Logger) throws {
        throw Telemetry.BadVariable(
            name: "OTEL_EXPORTER_OTLP_ENDPOINT",
            value: telemetry.environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "",
            expected: "unset: this build has no exporter (built with --disable-default-traits)"
        )
    }
    #endif

    /// Exports what is queued, waiting at most `seconds`; whether it finished in time.
    @discardableResult
    func stop(waitingAtMost seconds: Double) -> Bool { stopper(seconds) }
}
