import Backprop
// A libFuzzer target over the request path that strangers reach: JSON parsing, tensor decoding,
// validation and (bounded) computation, for every endpoint of /v1 and every model of /v2. Built only by scripts/fuzz.sh with
// -sanitize=fuzzer,address -DFUZZING; a plain `swift build` gets the stub below.
import GradientService
import Logging
import WireFormat

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
    configuration.parallelism = 2  // with -DFUZZING the parallel split starts at 64 bytes
    return GradientHandler(
        configuration: configuration,
        logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
    )
}()

/// Stands for the request body's owner: the input is valid for the whole call, so views of it are.
final class FuzzOwner: Sendable {}
let fuzzOwner = FuzzOwner()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let body = UnsafeRawBufferPointer(start: data, count: size)
    for operation in [Operation.gradients, .forward, .gradcheck] {
        _ = try? fuzzHandler.compute(operation, bytes: body)
    }
    // The same bytes as a binary body, its JSON part ending at the first NUL (or at the end).
    let split = body.firstIndex(of: 0) ?? size
    _ = try? fuzzHandler.compute(.gradients, bytes: body, format: .binary(jsonLength: split))
    // The Open Inference Protocol's reader, on every model, as JSON and as a binary body; the
    // binary one with an owner, so aligned tensors are views of the input (valid until we return).
    for model in ["gradients", "forward", "gradcheck"] {
        _ = fuzzHandler.infer(model: model, bytes: body, jsonLength: nil)
        _ = fuzzHandler.infer(model: model, bytes: body, jsonLength: split, owner: fuzzOwner)
    }
    differential(body)
    return 0
}

/// Crashes (a finding) when the fast paths disagree with their references: the parallel reader
/// with the serial one (value or error), the number reader with `strtod`.
func differential(_ body: UnsafeRawBufferPointer) {
    func parse(_ parallelism: Int) -> String {
        do throws(WireError) {
            return "\(try JSONParser.parse(body, parallelism: parallelism))"
        } catch {
            return "\(error)"
        }
    }
    let (serial, parallel) = (parse(1), parse(2))
    if serial != parallel { fatalError("parallel reader differs: \(parallel) vs \(serial)") }
    // Nested matrices read as one buffer (`numberRows`, /v1's reader): the same value or the same
    // fault as the general reader, and the same matrix or fault from the tensor decoder.
    let general = Result { () throws(WireError) in try JSONParser.parse(body) }
    let flat = Result { () throws(WireError) in try JSONParser.parse(body, numberRows: true) }
    switch (general, flat) {
    case (.success(let a), .success(let b)):
        if a != b { fatalError("numberRows reader differs: \(b) vs \(a)") }
        func decoded(_ value: JSONValue) -> String {
            let (at, limits) = (JSONPointer.root / "m", TensorLimits(maxElements: 1000))
            let m = Result { () throws(WireError) -> Matrix<Float> in
                try TensorDecoder.matrix(value, at: at, limits: limits)
            }
            let m64 = Result { () throws(WireError) -> Matrix<Double> in
                try TensorDecoder.matrix(value, at: at, limits: limits)
            }
            let shown = { (m: Matrix<Double>) in "\(m.rows)x\(m.columns) \(m.storage.array.map(\.bitPattern))" }
            let v = Result { () throws(WireError) -> [Double] in try TensorDecoder.vector(value, at: at, limits: limits)
            }
            return "\(m.map { "\($0.rows)x\($0.columns) \($0.storage.array)" }) \(m64.map(shown)) \(v)"
        }
        if decoded(a) != decoded(b) { fatalError("tensor decoder differs on .rows: \(decoded(b)) vs \(decoded(a))") }
    case (.failure(let a), .failure(let b)):
        if a != b { fatalError("numberRows reader fault differs: \(b) vs \(a)") }
    default:
        fatalError("numberRows reader differs: \(flat) vs \(general)")
    }
    if let (value, end) = NumberReader.read(body, from: 0) {
        let text = body[0..<end].map { CChar(bitPattern: $0) } + [0]
        let expected = strtod(text, nil)
        if value.bitPattern != expected.bitPattern {
            fatalError("number reader: \(value) for \(String(cString: text)), strtod \(expected)")
        }
    }
    // A matrix among the input is written on one thread and on two (the same bytes), as
    // `description` writes each number, and reads back to the same bits.
    guard case .array(let rows)? = try? JSONParser.parse(body), case .numbers(let first)? = rows.first else { return }
    var values: [Double] = []
    for row in rows {
        guard case .numbers(let xs) = row, xs.count == first.count else { return }
        values += xs.map { $0.isFinite ? $0 : 0 }
    }
    let matrix = Matrix(rows: rows.count, columns: first.count, storage: values)
    var (one, two) = (JSONWriter(), JSONWriter())
    two.parallelism = 2
    one.tensor(matrix, .nested)
    two.tensor(matrix, .nested)
    if one.bytes != two.bytes { fatalError("parallel writer differs") }
    let expected =
        "["
        + rows.indices.map { i in
            "[" + values[(i * first.count)..<((i + 1) * first.count)].map(\.description).joined(separator: ",") + "]"
        }.joined(separator: ",") + "]"
    if String(decoding: one.bytes, as: UTF8.self) != expected { fatalError("writer differs from description") }
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
