// swift-tools-version:6.0
// Benchmarks, apart from the product (as swift-nio and Hummingbird keep theirs): depends on the
// main package by path. Run from the repository root: bench/run.sh
import PackageDescription

let package = Package(
    name: "backprop-benchmarks",
    platforms: [.macOS(.v15)],
    // `backprop-server` is a symlink to the repository root, so the package identity does not depend
    // on the name of the directory it was cloned into.
    dependencies: [
        .package(path: "backprop-server"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "backprop-bench",
            dependencies: [
                .product(name: "Backprop", package: "backprop-server"),
                .product(name: "WireFormat", package: "backprop-server"),
                .product(name: "GradientService", package: "backprop-server"),
                .product(name: "ProcessTuning", package: "backprop-server"),
                .product(name: "Logging", package: "swift-log"),
            ]
        )
    ]
)
