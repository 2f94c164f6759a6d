// A libFuzzer target over the request path that strangers reach: JSON parsing, tensor decoding,
// validation and (bounded) computation, for every endpoint. Built only by scripts/fuzz.sh with
// -sanitize=fuzzer,address -DFUZZING; a plain `swift build` gets the stub below.
import GradientService
import Logging

#if FUZZING
#if canImport(Glibc)
import Glibc
#endif

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// Small limits so one input cannot spend seconds computing: the fuzzer looks for crashes, not work.
let fuzzHandler: GradientHandler = {
    var configuration = GradientHandler.Configuration()
    configuration.limits.maxWork = 2_000_000
    configuration.limits.maxGradcheckParameters = 200
    configuration.limits.maxTensorElements = 100_000
    return GradientHandler(
        configuration: configuration,
        logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
    )
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let body = UnsafeRawBufferPointer(start: data, count: size)
    for operation in [Operation.gradients, .forward, .gradcheck] {
        _ = try? fuzzHandler.compute(operation, bytes: body)
    }
    // The same bytes as a binary body, its JSON part ending at the first NUL (or at the end).
    let split = body.firstIndex(of: 0) ?? size
    _ = try? fuzzHandler.compute(.gradients, bytes: body, format: .binary(jsonLength: split))
    return 0
}

@main
struct FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
    }
}
#else
@main
struct FuzzMain {
    static func main() {
        print("FuzzRequestDecoder: build it with scripts/fuzz.sh (libFuzzer, -DFUZZING)")
    }
}
#endif
