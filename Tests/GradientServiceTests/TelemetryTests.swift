import Testing

@testable import backprop_server

/// OpenTelemetry's variables, read as the specification defines them and checked like the flags.
@Suite("OTEL_* variables")
struct TelemetryTests {
    static func read(_ env: [String: String]) throws(Telemetry.BadVariable) -> Telemetry? {
        try Telemetry.read { env[$0] }
    }

    @Test("no endpoint, an empty one, or the SDK disabled: tracing off")
    func off() throws {
        #expect(try Self.read([:]) == nil)
        #expect(try Self.read(["OTEL_EXPORTER_OTLP_ENDPOINT": ""]) == nil)
        #expect(try Self.read(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "TRUE"]) == nil)
        #expect(try Self.read(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "false"]) != nil)
    }

    @Test("what is handed to the SDK: the checked variables, enumerations lower-cased, a ratio only for ratio samplers")
    func handed() throws {
        let on = try #require(
            try Self.read([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector.example:4318/base",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "HTTP/JSON", "OTEL_TRACES_SAMPLER": "ParentBased_TraceIdRatio",
                "OTEL_TRACES_SAMPLER_ARG": "0.25", "OTEL_SERVICE_NAME": "gradients",
                "OTEL_RESOURCE_ATTRIBUTES": "a=1, b = 2",
            ])
        )
        #expect(on.environment["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/json")
        #expect(on.environment["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio")
        #expect(on.environment["OTEL_TRACES_SAMPLER_ARG"] == "0.25")
        #expect(on.namesTheService)
        let always = try #require(
            try Self.read([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_SAMPLER": "always_on",
                "OTEL_TRACES_SAMPLER_ARG": "7", "OTEL_RESOURCE_ATTRIBUTES": "service.name=x",
            ])
        )
        #expect(always.environment["OTEL_TRACES_SAMPLER_ARG"] == nil)
        #expect(always.namesTheService)
        #expect(try Self.read(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"])?.namesTheService == false)
        #expect(
            Telemetry.ignored(in: ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME", "PATH"]) == [
                "OTEL_EXPORTER_OTLP_HEADERS"
            ]
        )
    }

    @Test(
        "a bad value names its variable",
        arguments: [
            ("OTEL_SDK_DISABLED", "yes"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_TRACES_SAMPLER", "jaeger_remote"), ("OTEL_TRACES_SAMPLER_ARG", "-0.1"),
            ("OTEL_TRACES_SAMPLER_ARG", "half"), ("OTEL_RESOURCE_ATTRIBUTES", "a"),
            ("OTEL_RESOURCE_ATTRIBUTES", "=1"),
        ]
    )
    func bad(name: String, value: String) {
        var env = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_SAMPLER": "traceidratio"]
        env[name] = value
        #expect(throws: Telemetry.BadVariable.self) { try Self.read(env) }
        do {
            _ = try Self.read(env)
        } catch {
            #expect(error.name == name && error.value == value)
        }
    }
}
