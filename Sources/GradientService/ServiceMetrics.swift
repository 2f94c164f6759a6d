import Dispatch
import HTTPServer
import Metrics
import Prometheus
import Sync
import WireFormat

/// The service's metrics, recorded through swift-metrics into one Prometheus registry and
/// rendered at `GET /metrics` in the Prometheus text format.
///
/// The registry is owned here, not bootstrapped globally, so tests (and two servers in one
/// process) each get their own counters.
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let queueDepth: Metrics.Gauge
    private let busyWorkers: Metrics.Gauge
    private let workers: Metrics.Gauge

    /// Latency buckets in seconds: 100 µs (tiny requests) to 30 s (large gradchecks).
    static let latencyBuckets: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
    ]

    public init(version: String = BuildInfo.version) {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets.map { .nanoseconds(Int64($0 * 1e9)) }
        self.factory = factory
        queueDepth = Metrics.Gauge(label: "worker_queue_depth", factory: factory)
        busyWorkers = Metrics.Gauge(label: "worker_busy", factory: factory)
        workers = Metrics.Gauge(label: "worker_count", factory: factory)
        Metrics.Gauge(label: "backprop_build_info", dimensions: [("version", version)], factory: factory).record(1)
    }

    /// The route label: known routes by name, anything else "other", so label sets stay bounded.
    static func routeLabel(_ path: String) -> String {
        GradientHandler.route(path) == nil ? "other" : path
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
        handles.requestBytes.increment(by: requestBytes)
        handles.responseBytes.increment(by: responseBytes)
    }

    func recordComputation(operation: Operation, dtype: DType) {
        let key = "\(operation.wireName) \(dtype)"
        let counter = computations.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Metrics.Counter(
                label: "gradient_computations_total",
                dimensions: [("operation", operation.wireName), ("dtype", dtype.wireName)],
                factory: factory
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
        let requests: Metrics.Counter
        let duration: Metrics.Timer
        let requestBytes: Metrics.Counter
        let responseBytes: Metrics.Counter
    }

    private let requests = Lock<[RequestKey: RequestHandles]>([:])
    private let computations = Lock<[String: Metrics.Counter]>([:])

    private func requestHandles(_ key: RequestKey) -> RequestHandles {
        requests.withLock { cache in
            if let handles = cache[key] { return handles }
            let handles = RequestHandles(
                requests: Metrics.Counter(
                    label: "http_requests_total",
                    dimensions: [("route", key.route), ("method", key.method), ("status", String(key.status))],
                    factory: factory
                ),
                duration: Metrics.Timer(
                    label: "http_request_duration_seconds",
                    dimensions: [("route", key.route)],
                    factory: factory
                ),
                requestBytes: Metrics.Counter(
                    label: "http_request_bytes_total",
                    dimensions: [("route", key.route)],
                    factory: factory
                ),
                responseBytes: Metrics.Counter(
                    label: "http_response_bytes_total",
                    dimensions: [("route", key.route)],
                    factory: factory
                )
            )
            cache[key] = handles
            return handles
        }
    }

    /// The Prometheus text, with the pool gauges read now.
    func render(server: (any ServerStatus)?) -> [UInt8] {
        if let server {
            queueDepth.record(server.queueDepth)
            busyWorkers.record(server.busyWorkers)
            workers.record(server.workerCount)
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        registry.emit(into: &buffer)
        return buffer
    }
}

/// What the binary is.
public enum BuildInfo {
    public static let version = "0.1.0"
}
