// backprop-bench: compute-only and wire-only timings, printed one JSON object per line so
// bench/run.sh can set them beside numpy and orjson from the same run.
//   backprop-bench compute [REPEATS [SHAPE [DTYPE [WORKERS]]]]
//                                        forward+backward for tiny/medium/large, float32/float64
//   backprop-bench peak                  1024×1024 sgemm/dgemm, one thread
//   backprop-bench wire FILE [REPEATS [WORKERS]]  parse FILE (a nested JSON matrix) and write it back
//   backprop-bench base64 [MB [REPEATS [THREADS]]]  base64 encode and decode of MB random bytes
import Backprop
import Dispatch
import GradientService
import Logging
import ProcessTuning
import WireFormat

#if canImport(Glibc)
import Glibc
#endif

func seconds(_ body: () -> Void) -> Double {
    let t = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
}

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

struct Rng: RandomNumberGenerator {
    var s: UInt64
    mutating func next() -> UInt64 {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let shapes: [(name: String, widths: [Int], batch: Int)] = [
    ("tiny", [4, 8, 8, 2], 32), ("medium", [784, 256, 128, 10], 64), ("large", [1024, 1024, 1024, 10], 256),
]

/// Multiply-adds × 2 of forward (B·n_l·n_{l−1} per layer) and backward (∇W every layer, Δ W for l > 1).
func flops(_ widths: [Int], _ batch: Int) -> Double {
    var f = 0.0
    for l in 1..<widths.count {
        let mn = Double(widths[l] * widths[l - 1] * batch)
        f += 2 * mn * (l == 1 ? 2 : 3)
    }
    return f
}

func computeBench<S: BLASScalar>(_: S.Type, repeats: Int, parallelism: Int, only: String? = nil) {
    for shape in shapes where only == nil || only == shape.name {
        var g = Rng(s: 42)
        var layers: [Layer<S>] = []
        for l in 1..<shape.widths.count {
            let (n, m) = (shape.widths[l], shape.widths[l - 1])
            let scale = 1 / Double(m).squareRoot()
            let w = Matrix<S>(
                rows: n,
                columns: m,
                storage: (0..<(n * m)).map { _ in S(Double.random(in: -scale...scale, using: &g)) }
            )
            layers.append(Layer(weights: w, activation: l == shape.widths.count - 1 ? .softmax : .relu))
        }
        let net = Network(layers: layers)
        let x = Matrix<S>(
            rows: shape.batch,
            columns: shape.widths[0],
            storage: (0..<(shape.batch * shape.widths[0])).map { _ in S(Double.random(in: -1...1, using: &g)) }
        )
        var y = Matrix<S>(rows: shape.batch, columns: shape.widths.last!)
        for i in 0..<shape.batch { y[i, i % shape.widths.last!] = 1 }
        let iterations = shape.name == "tiny" ? 2000 : shape.name == "medium" ? 50 : 5
        var times: [Double] = []
        for r in 0..<(repeats + 1) {
            let t = seconds {
                for _ in 0..<iterations {
                    _ = try! net.gradients(inputs: x, targets: y, loss: .crossEntropy, parallelism: parallelism)
                }
            }
            if r > 0 { times.append(t / Double(iterations)) }  // first round warms up
        }
        let m = median(times)
        print(
            #"{"bench":"compute","shape":"\#(shape.name)","dtype":"\#(S.dtype)","workers":\#(parallelism),"#
                + #""median_s":\#(m),"gflops":\#(flops(shape.widths, shape.batch) / m / 1e9)}"#
        )
    }
}

func peak() {
    let n = 1024
    for dtype in ["float32", "float64"] {
        var times: [Double] = []
        if dtype == "float32" {
            let a = Matrix<Float>(rows: n, columns: n, repeating: 0.5)
            for _ in 0..<7 { times.append(seconds { _ = Matrix.product(a, a) }) }
        } else {
            let a = Matrix<Double>(rows: n, columns: n, repeating: 0.5)
            for _ in 0..<7 { times.append(seconds { _ = Matrix.product(a, a) }) }
        }
        print(#"{"bench":"peak","dtype":"\#(dtype)","gflops":\#(2 * Double(n * n * n) / median(times) / 1e9)}"#)
    }
}

/// Two threads each multiplying 1024×1024 matrices at once: does OpenBLAS scale across callers?
func peakConcurrent() {
    let n = 1024
    let a = Matrix<Float>(rows: n, columns: n, repeating: 0.5)
    var times: [Double] = []
    for _ in 0..<5 {
        times.append(
            seconds {
                DispatchQueue.concurrentPerform(iterations: 2) { _ in for _ in 0..<4 { _ = Matrix.product(a, a) } }
            }
        )
    }
    print(#"{"bench":"peak-2-threads","dtype":"float32","gflops":\#(8 * 2 * Double(n * n * n) / median(times) / 1e9)}"#)
}

func readAll(_ path: String) -> [UInt8] {
    guard let f = fopen(path, "rb") else { fatalError("cannot open \(path)") }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = fread(&chunk, 1, chunk.count, f)
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    return bytes
}

func wire(_ path: String, repeats: Int, workers: Int = 1) {
    let bytes = readAll(path)
    var parseTimes: [Double] = []
    var writeTimes: [Double] = []
    var matrix = Matrix<Double>(rows: 0, columns: 0)
    for _ in 0..<repeats {
        parseTimes.append(
            seconds {
                let v = bytes.withUnsafeBytes { try! JSONParser.parse($0, parallelism: workers) }
                matrix = try! TensorDecoder.matrix(v, at: .root, limits: TensorLimits(maxElements: 1 << 28))
            }
        )
    }
    var written = 0
    for _ in 0..<repeats {
        writeTimes.append(
            seconds {
                var w = JSONWriter(capacity: bytes.count + 1024)
                w.parallelism = workers
                w.tensor(matrix, .nested)
                written = w.bytes.count
            }
        )
    }
    let mb = Double(bytes.count) / 1e6
    print(
        #"{"bench":"wire","bytes":\#(bytes.count),"parse_mb_s":\#(mb / median(parseTimes)),"#
            + #""write_mb_s":\#(Double(written) / 1e6 / median(writeTimes)),"elements":\#(matrix.count),"#
            + #""workers":\#(workers)}"#
    )
}

/// Base64 encode and decode of `megabytes` of random bytes (the base64 tensor path's codec alone).
func base64(megabytes: Int, repeats: Int, parallelism: Int) {
    var g = Rng(s: 7)
    let raw = (0..<(megabytes << 20)).map { _ in UInt8.random(in: 0...255, using: &g) }
    var text: [UInt8] = []
    var encodeTimes: [Double] = []
    for _ in 0..<repeats {
        encodeTimes.append(
            seconds {
                text = []
                text.reserveCapacity(Base64.encodedLength(raw.count))
                raw.withUnsafeBytes { Base64.encode($0, into: &text, parallelism: parallelism) }
            }
        )
    }
    var back = [UInt8](repeating: 0, count: raw.count)
    var decodeTimes: [Double] = []
    for _ in 0..<repeats {
        decodeTimes.append(
            seconds {
                let ok = text.withUnsafeBufferPointer { t in
                    back.withUnsafeMutableBytes { Base64.decode(t, into: $0, parallelism: parallelism) }
                }
                precondition(ok)
            }
        )
    }
    precondition(back == raw)
    // The parser's pass over the same text as a JSON string (borrowed: scanned, not copied).
    let document = Array(#"{"base64": ""#.utf8) + text + Array(#""}"#.utf8)
    var scanTimes: [Double] = []
    for _ in 0..<repeats {
        scanTimes.append(
            seconds {
                let v = document.withUnsafeBytes { try! JSONParser.parse($0, borrowingLongStrings: true) }
                guard case .borrowedString = v["base64"] else { fatalError("not borrowed") }
            }
        )
    }
    let mb = Double(text.count) / 1e6
    print(
        #"{"bench":"base64","workers":\#(parallelism),"text_bytes":\#(text.count),"encode_text_mb_s":\#(mb / median(encodeTimes)),"#
            + #""decode_text_mb_s":\#(mb / median(decodeTimes)),"parse_text_mb_s":\#(mb / median(scanTimes))}"#
    )
}

/// One whole request in process (parse, decode, compute, encode), as a worker runs it.
func request(_ path: String, jsonLength: Int?, repeats: Int) {
    let bytes = readAll(path)
    let handler = GradientHandler(
        configuration: GradientHandler.Configuration(),
        logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
    )
    var times: [Double] = []
    var size = 0
    for _ in 0..<(repeats + 1) {
        times.append(
            seconds {
                size = bytes.withUnsafeBytes {
                    try! handler.compute(
                        .gradients,
                        bytes: $0,
                        format: jsonLength.map { .binary(jsonLength: $0) } ?? .json
                    ).json.count
                }
            }
        )
    }
    print(
        #"{"bench":"request","file":"\#(path)","median_s":\#(median(Array(times.dropFirst()))),"json_bytes":\#(size)}"#
    )
}

BLASTuning.setThreads(1)
HeapTuning.keepLargeBuffersInHeap()
let args = CommandLine.arguments
switch args.count > 1 ? args[1] : "" {
case "compute":
    let repeats = args.count > 2 ? Int(args[2]) ?? 5 : 5
    // Optional filters, for profiling one case: compute REPEATS SHAPE DTYPE WORKERS
    let only = args.count > 3 ? args[3] : nil
    let dtype = args.count > 4 ? args[4] : nil
    let workers = args.count > 5 ? [Int(args[5])!] : [1, 2]
    for p in workers {
        if dtype != "float64" { computeBench(Float.self, repeats: repeats, parallelism: p, only: only) }
        if dtype != "float32" { computeBench(Double.self, repeats: repeats, parallelism: p, only: only) }
    }
case "request":
    request(args[2], jsonLength: args.count > 3 ? Int(args[3]) : nil, repeats: args.count > 4 ? Int(args[4])! : 10)
case "base64":
    let megabytes = args.count > 2 ? Int(args[2])! : 20
    let repeats = args.count > 3 ? Int(args[3])! : 7
    for p in args.count > 4 ? [Int(args[4])!] : [1, 2] {
        base64(megabytes: megabytes, repeats: repeats, parallelism: p)
    }
case "peak": peak()
case "peak2": peakConcurrent()
case "wire":
    wire(
        args[2],
        repeats: args.count > 3 ? Int(args[3]) ?? 5 : 5,
        workers: args.count > 4 ? Int(args[4]) ?? 1 : 1
    )
default:
    print("usage: backprop-bench compute [REPEATS] | peak | wire FILE [REPEATS]")
    exit(2)
}
