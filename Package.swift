// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "backprop-server",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "backprop-server", targets: ["backprop-server"]),
        .library(name: "Backprop", targets: ["Backprop"]),
        .library(name: "WireFormat", targets: ["WireFormat"]),
        .library(name: "GradientService", targets: ["GradientService"]),
        .library(name: "ProcessTuning", targets: ["ProcessTuning"]),
    ],
    traits: [
        // The OpenTelemetry SDK and its OTLP/HTTP exporter (swift-otel, with async-http-client and
        // BoringSSL underneath: about 8 minutes of a first release build here). On by default;
        // `--disable-default-traits` builds a server whose OTEL_* variables are refused, and the
        // unit tests' debug build, which needs none of it.
        .trait(name: "OTLP", description: "Export traces with OpenTelemetry's SDK over OTLP/HTTP."),
        .default(enabledTraits: ["OTLP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel", exact: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C, kept in three small rooms.
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        .target(name: "CMicroHTTPDShim", dependencies: ["CMicroHTTPD"]),
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),

        // The project's one lock and one Sendable escape hatch (`package` access).
        .target(name: "Sync"),
        // The math: no HTTP, no JSON.
        .target(
            name: "Backprop",
            dependencies: ["CBLAS", "Sync", .product(name: "RealModule", package: "swift-numerics")]
        ),
        // Process-wide settings made before anything computes: heap, OpenBLAS threads and kernel,
        // the CPUs the process may use, the one-time restart that applies them.
        .target(name: "ProcessTuning", dependencies: ["CBLAS"]),
        // JSON bytes <-> tensors, with JSON Pointers for every fault.
        // The generators of its two lookup tables sit beside them.
        .target(
            name: "WireFormat",
            dependencies: ["Backprop", "Sync"],
            exclude: ["make_powers_of_five.py", "make_schubfach_table.py"]
        ),
        // HTTP over libmicrohttpd and a Dispatch worker pool; knows nothing of gradients.
        .target(
            name: "HTTPServer",
            dependencies: ["CMicroHTTPD", "CMicroHTTPDShim", "Sync", .product(name: "Logging", package: "swift-log")]
        ),
        // Routes, limits, problem+json.
        .target(
            name: "GradientService",
            dependencies: [
                "Backprop", "WireFormat", "HTTPServer", "Sync",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            resources: [
                .embedInCode("Resources/openapi.yaml"),
                .embedInCode("Resources/ui/index.html"),
                .embedInCode("Resources/ui/js/main.js"),
                .embedInCode("Resources/ui/js/dom.js"),
                .embedInCode("Resources/ui/js/state.js"),
                .embedInCode("Resources/ui/js/api.js"),
                .embedInCode("Resources/ui/js/editor.js"),
                .embedInCode("Resources/ui/js/actions.js"),
                .embedInCode("Resources/ui/js/edits.js"),
                .embedInCode("Resources/ui/js/steps.js"),
                .embedInCode("Resources/ui/js/render.js"),
                .embedInCode("Resources/ui/js/view-network.js"),
                .embedInCode("Resources/ui/js/view-needs.js"),
                .embedInCode("Resources/ui/js/view-heatmaps.js"),
                .embedInCode("Resources/ui/js/view-controls.js"),
                .embedInCode("Resources/ui/js/view-steps.js"),
                .embedInCode("Resources/ui/js/view-flow.js"),
                .embedInCode("Resources/ui/js/view-training.js"),
                .embedInCode("Resources/ui/js/view-panels.js"),
                .embedInCode("Resources/ui/app.css"),
                .embedInCode("Resources/ui/icon.svg"),
            ]
        ),
        .executableTarget(
            name: "backprop-server",
            dependencies: [
                "GradientService", "HTTPServer", "ProcessTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel", condition: .when(traits: ["OTLP"])),
                .product(
                    name: "ServiceLifecycle",
                    package: "swift-service-lifecycle",
                    condition: .when(traits: ["OTLP"])
                ),
            ]
        ),
        // libFuzzer target over the request decoder (scripts/fuzz.sh); a stub in normal builds.
        .executableTarget(
            name: "FuzzRequestDecoder",
            dependencies: [
                "Backprop", "GradientService", "WireFormat", .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(
            name: "TestSupport",
            dependencies: ["Backprop"],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "BackpropTests", dependencies: ["Backprop", "TestSupport"]),
        .testTarget(name: "WireFormatTests", dependencies: ["WireFormat", "Backprop", "TestSupport"]),
        .testTarget(name: "ProcessTuningTests", dependencies: ["ProcessTuning"]),
        .testTarget(
            name: "HTTPServerTests",
            dependencies: ["HTTPServer", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "GradientServiceTests",
            dependencies: [
                "GradientService", "HTTPServer", "WireFormat", "Backprop", "TestSupport",
                // ExecutableTests reads the command's definition and the flag table in-process.
                "backprop-server",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)
