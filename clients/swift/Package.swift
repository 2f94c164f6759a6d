// swift-tools-version:6.0
// The Swift client of backprop-server: its code is generated at build time by Apple's
// swift-openapi-generator from the project's own openapi.yaml (Sources/BackpropClient/openapi.yaml
// is a link to it), over URLSession. `swift run backprop-example URL` posts the README's example.
import PackageDescription

let package = Package(
    name: "BackpropClient",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "BackpropClient", targets: ["BackpropClient"]),
        .executable(name: "backprop-example", targets: ["BackpropExample"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", exact: "1.13.4"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", exact: "1.4.0"),
    ],
    targets: [
        .target(
            name: "BackpropClient",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
            ],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .executableTarget(
            name: "BackpropExample",
            dependencies: [
                "BackpropClient",
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
            ]
        ),
    ]
)
