import Dispatch
import HTTPServer
import Prometheus
import Sync
import WireFormat

/// The service's metrics in one swift-prometheus registry, rendered at `GET /metrics` in the
/// Prometheus text format: every name carries the `backprop_` prefix and its unit, every family a
/// `# HELP` line, and label values are bounded (known routes or "other", known methods or "other",
/// statuses, the two dtypes, the three operations).
///
/// Made through the registry itself, not swift-metrics' factory: the factory registers families
/// without help text, and the registry refuses a family whose help differs from the first one.
/// The registry is owned here, not bootstrapped globally, so tests (and two servers in one
/// process) each get their own counters.
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let queueDepth: Gauge
    private let busyWorkers: Gauge
    private let workers: Gauge

    /// Latency buckets in seconds: 100 µs (tiny requests) to 30 s (large gradchecks).
    static let latencyBuckets: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
    ]

    /// Every family's name (`backprop_`, subsystem, name, unit) and help text, in one place.
    enum Family {
        static func named(_ subsystem: String?, _ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor
        {
            MetricNameDescriptor(
                namespace: "backprop",
                subsystem: subsystem,
                metricName: name,
                unitName: unit,
                helpText: help
            )
        }
        static var requests: MetricNameDescriptor {
            named("http", "requests", "total", "HTTP requests answered, by route, method and status.")
        }
        static var duration: MetricNameDescriptor {
            named(
                "http",
                "request_duration",
                "seconds",
                "Seconds from a request's head to its answer being queued, by route."
            )
        }
        static var requestBytes: MetricNameDescriptor {
            named("http", "request_bytes", "total", "Request body bytes received, by route.")
        }
        static var responseBytes: MetricNameDescriptor {
            named("http", "response_bytes", "total", "Response body bytes sent, by route.")
        }
        static var computations: MetricNameDescriptor {
            named(nil, "computations", "total", "Computations that produced an answer, by operation and dtype.")
        }
        static var queueDepth: MetricNameDescriptor {
            named("worker", "queue_depth", "", "Requests waiting for a worker, read at scrape time.")
        }
        static var busyWorkers: MetricNameDescriptor {
            named(nil, "workers_busy", "", "Workers computing a request, read at scrape time.")
        }
        static var workers: MetricNameDescriptor { named(nil, "workers", "", "Worker threads the server runs.") }
        static var buildInfo: MetricNameDescriptor {
            named(nil, "build_info", "", "Always 1; the label is the running version.")
        }
    }

    public init(version: String = BuildInfo.version) {
        registry = PrometheusCollectorRegistry()
        queueDepth = registry.makeGauge(descriptor: Family.queueDepth)
        busyWorkers = registry.makeGauge(descriptor: Family.busyWorkers)
        workers = registry.makeGauge(descriptor: Family.workers)
        registry.makeGauge(descriptor: Family.buildInfo, labels: [("version", version)])
            .set(Int64(1))
    }

    /// The route label: known routes by name, anything else "other", so label sets stay bounded.
    static func routeLabel(_ path: String) -> String {
        switch Route(path: path) {
        case nil: "other"
        case .v2(let route)?: route.pattern  // model names in paths are the client's
        default: path
        }
    }

    func recordRequest(
        method: HTTPMethod,
        path: String,
        status: Int,
        requestBytes: Int,
        responseBytes: Int,
        seconds: Double
    ) {
        let route = Self.routeLabel(path)
        let knownMethod = if case .other = method { "other" } else { method.name }
        let handles = requestHandles(RequestKey(route: route, method: knownMethod, status: status))
        handles.requests.increment()
        handles.duration.recordNanoseconds(Int64(seconds * 1e9))
        handles.requestBytes.increment(by: Int64(requestBytes))
        handles.responseBytes.increment(by: Int64(responseBytes))
    }

    func recordComputation(operation: Operation, dtype: DType) {
        let key = "\(operation.wireName) \(dtype)"
        let counter = computations.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: Family.computations,
                labels: [("operation", operation.wireName), ("dtype", dtype.wireName)]
            )
            cache[key] = counter
            return counter
        }
        counter.increment()
    }

    // Handles are made once per label set and kept: making one goes through the registry's lock,
    // name validation and label lookup, which cost more than the tiny requests being counted.
    private struct RequestKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private struct RequestHandles: Sendable {
        let requests: Counter
        let duration: DurationHistogram
        let requestBytes: Counter
        let responseBytes: Counter
    }

    private let requests = Lock<[RequestKey: RequestHandles]>([:])
    private let computations = Lock<[String: Counter]>([:])

    private func requestHandles(_ key: RequestKey) -> RequestHandles {
        requests.withLock { cache in
            if let handles = cache[key] { return handles }
            let route = [("route", key.route)]
            let handles = RequestHandles(
                requests: registry.makeCounter(
                    descriptor: Family.requests,
                    labels: [("route", key.route), ("method", key.method), ("status", String(key.status))]
                ),
                duration: registry.makeDurationHistogram(
                    descriptor: Family.duration,
                    labels: route,
                    buckets: Self.latencyBuckets.map { .nanoseconds(Int64($0 * 1e9)) }
                ),
                requestBytes: registry.makeCounter(descriptor: Family.requestBytes, labels: route),
                responseBytes: registry.makeCounter(descriptor: Family.responseBytes, labels: route)
            )
            cache[key] = handles
            return handles
        }
    }

    /// The Prometheus text, with the pool gauges read now.
    func render(server: (any ServerStatus)?) -> [UInt8] {
        if let server {
            queueDepth.set(Int64(server.queueDepth))
            busyWorkers.set(Int64(server.busyWorkers))
            workers.set(Int64(server.workerCount))
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        registry.emit(into: &buffer)
        return buffer
    }
}
