import Backprop
import Dispatch
import Foundation
import Logging
import Testing
import WireFormat

@testable import GradientService
@testable import HTTPServer

/// The `/v2` front end in process: `infer` on the README's 2-3-1 example equals `/v1` bit for bit
/// (JSON and binary, FP64 and FP32), and every way a request goes wrong answers in the
/// protocol's `{"error"}` form with the status and the words it should.
@Suite("GradientHandler+V2")
struct GradientHandlerV2Tests {
    let handler = GradientHandler.inProcess { $0.retryAfterSeconds = 3 }

    static let w1: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    static let w2: [Double] = [0.7, 0.8, 0.9]
    static let x: [Double] = [1, 2, 3, 4]
    static let y: [Double] = [1, 0]
    static let parameters = #""parameters": {"activations": "sigmoid,identity", "loss": "quadratic"}"#

    /// The example's inputs as JSON `data`, in `datatype`.
    static func jsonInputs(_ datatype: String = "FP64") -> String {
        """
        [{"name": "W1", "datatype": "\(datatype)", "shape": [3, 2], "data": \(w1)},
         {"name": "b1", "datatype": "\(datatype)", "shape": [3], "data": [0, 0, 0]},
         {"name": "W2", "datatype": "\(datatype)", "shape": [1, 3], "data": \(w2)},
         {"name": "inputs", "datatype": "\(datatype)", "shape": [2, 2], "data": [[1, 2], [3, 4]]},
         {"name": "targets", "datatype": "\(datatype)", "shape": [2, 1], "data": \(y)}]
        """
    }

    /// A request body in a `RequestBody` whose bytes after `jsonLength` sit on a 64-byte boundary.
    func body(_ json: String, binary: [UInt8] = []) -> (RequestBody, Int?) {
        let head = Array(json.utf8)
        let bytes = head + binary
        let body = RequestBody(capacity: bytes.count, alignedOffset: binary.isEmpty ? 0 : head.count)
        bytes.withUnsafeBytes { body.append($0.baseAddress!, count: $0.count, limit: .max) }
        return (body, binary.isEmpty ? nil : head.count)
    }

    /// The answer to `json` (+ `binary`) on `model`, rendered as the handler renders it.
    func infer(
        _ json: String,
        binary: [UInt8] = [],
        model: String = "gradients",
        deadline: DispatchTime = .distantFuture
    ) -> Response {
        let (body, jsonLength) = body(json, binary: binary)
        do {
            return try handler.infer(
                model: model,
                operation: V2Route.operation(of: model)!,
                body: body,
                jsonLength: jsonLength,
                deadline: deadline
            )
        } catch {
            return handler.render(error, as: .v2)
        }
    }

    /// The `{"error"}` message of a response, after checking it is one and has `status`.
    func error(_ response: Response, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        #expect(response.status == status, sourceLocation: sourceLocation)
        let json = try? JSONParser.parse(response.body)
        guard case .object(let members)? = json, members.count == 1, let text = json?["error"]?.stringValue else {
            Issue.record("not an {\"error\"} body: \(String(decoding: response.body, as: UTF8.self))")
            return ""
        }
        return text
    }

    func v1(_ options: String = "") throws -> JSONValue {
        let text = """
            {"network": {"layers": [
              {"weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "biases": [0, 0, 0], "activation": "sigmoid"},
              {"weights": [[0.7, 0.8, 0.9]], "activation": "identity"}]},
             "batch": {"inputs": [[1, 2], [3, 4]], "targets": [[1], [0]]}, "loss": "quadratic"\(options)}
            """
        let encoded = try Array(text.utf8).withUnsafeBytes { try handler.compute(.gradients, bytes: $0) }
        return try JSONParser.parse(encoded.json)
    }

    func outputs(_ response: Response) throws -> [String: JSONValue] {
        let answer = try JSONParser.parse(response.body)
        var out: [String: JSONValue] = [:]
        for item in answer["outputs"]?.arrayElements ?? [] { out[item["name"]!.stringValue!] = item }
        return out
    }

    @Test("JSON FP64: every output equals /v1's bit for bit, in the default order")
    func jsonEqualsV1() throws {
        let response = infer(#"{"inputs": \#(Self.jsonInputs()), \#(Self.parameters)}"#)
        #expect(response.status == 200)
        let answer = try JSONParser.parse(response.body)
        let names = answer["outputs"]?.arrayElements?.compactMap { $0["name"]?.stringValue }
        #expect(
            names == [
                "loss", "delta1", "weightGradient1", "biasGradient1", "delta2", "weightGradient2", "biasGradient2",
            ]
        )
        let v1 = try v1()
        let got = try outputs(response)
        #expect(got["loss"]?["data"]?.flatNumbers == [v1["loss"]!.double!])
        for l in 1...2 {
            let layer = v1["layers"]!.arrayElements![l - 1]
            for q in ["delta", "weightGradient", "biasGradient"] {
                #expect(got["\(q)\(l)"]?["data"]?.flatNumbers == layer[q]?.flatNumbers, "\(q)\(l)")
                #expect(got["\(q)\(l)"]?["datatype"]?.stringValue == "FP64")
            }
        }
        #expect(got["weightGradient1"]?["shape"]?.flatNumbers == [3, 2])
    }

    /// Little-endian bytes of `values` in `datatype`.
    static func bytes(_ values: [Double], _ datatype: String) -> [UInt8] {
        datatype == "FP32"
            ? values.flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }
            : values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
    }

    /// The example with every float input binary, and the binary answer's outputs as arrays.
    func binaryInfer(_ datatype: String, outputs: String = "") -> (Response, [String: [Double]]) {
        let width = datatype == "FP32" ? 4 : 8
        func input(_ name: String, _ shape: [Int], _ values: [Double]) -> String {
            #"{"name": "\#(name)", "datatype": "\#(datatype)", "shape": \#(shape), "parameters": {"binary_data_size": \#(values.count * width)}}"#
        }
        let json = """
            {"inputs": [\(input("W1", [3, 2], Self.w1)), \(input("W2", [1, 3], Self.w2)), \(input("inputs", [2, 2], Self.x)),
             \(input("targets", [2, 1], Self.y))],
             "parameters": {"activations": "sigmoid,identity", "loss": "quadratic", "binary_data_output": true}\(outputs)}
            """
        let tail = [Self.w1, Self.w2, Self.x, Self.y].flatMap { Self.bytes($0, datatype) }
        let response = infer(json, binary: tail)
        var all = response.body
        for chunk in response.tail { all += Array(chunk.bytes) }
        guard
            let length = response.headers.first(where: { $0.0 == "Inference-Header-Content-Length" }).map({ Int($0.1)! }
            ),
            let answer = try? JSONParser.parse(Array(all[0..<length]))
        else { return (response, [:]) }
        var offset = length
        var out: [String: [Double]] = [:]
        for item in answer["outputs"]?.arrayElements ?? [] {
            let size = Int(item["parameters"]!["binary_data_size"]!.double!)
            let raw = Array(all[offset..<(offset + size)])
            offset += size
            out[item["name"]!.stringValue!] = raw.withUnsafeBytes { b in
                (0..<(size / width)).map { k in
                    width == 4
                        ? Double(Float(bitPattern: b.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                        : Double(bitPattern: b.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self))
                }
            }
        }
        #expect(offset == all.count, "the binary parts add up to the body")
        return (response, out)
    }

    @Test("binary FP64 in and out equals /v1 bit for bit; FP32 equals /v1 in float32")
    func binaryEqualsV1() throws {
        let (response, got) = binaryInfer("FP64")
        #expect(response.status == 200)
        let v1 = try v1()
        #expect(got["loss"] == [v1["loss"]!.double!])
        #expect(got["weightGradient1"] == v1["layers"]![0]!["weightGradient"]!.flatNumbers)
        #expect(got["delta2"] == v1["layers"]![1]!["delta"]!.flatNumbers)
        let (response32, got32) = binaryInfer("FP32")
        #expect(response32.status == 200)
        let v1f = try self.v1(#", "options": {"dtype": "float32"}"#)
        // /v1 writes float32 in float32's shortest digits: read back as Float, they are the same bits.
        func float32(_ xs: [Double]?) -> [Float]? { xs?.map(Float.init) }
        #expect(float32(got32["weightGradient2"]) == float32(v1f["layers"]![1]!["weightGradient"]!.flatNumbers))
        #expect(float32(got32["biasGradient1"]) == float32(v1f["layers"]![0]!["biasGradient"]!.flatNumbers))
        #expect(got32["weightGradient2"]?.count == 3)
    }

    @Test("an aligned binary tensor is a view of the request body, not a copy")
    func binaryTensorsAreViews() throws {
        let json = #"""
            {"inputs": [{"name": "W1", "datatype": "FP64", "shape": [3, 2], "parameters": {"binary_data_size": 48}},
             {"name": "inputs", "datatype": "FP64", "shape": [2, 2], "parameters": {"binary_data_size": 32}}]}
            """#
        let (body, jsonLength) = body(json, binary: Self.bytes(Self.w1 + Self.x, "FP64"))
        let root = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: body.bytes[0..<jsonLength!]))
        let request = try InferenceRequest(root, operation: .forward, binary: 80)
        let assembly = try V2Assembly(
            request,
            operation: .forward,
            limits: ServiceLimits(),
            tail: UnsafeRawBufferPointer(rebasing: body.bytes[jsonLength!...]),
            owner: body
        )
        let assembled = try assembly.assemble(options: RequestOptions(operation: .forward), as: Double.self)
        let range = UInt(bitPattern: body.bytes.baseAddress!)..<UInt(bitPattern: body.bytes.baseAddress! + body.count)
        let weights = assembled.network.layers[0].weights.storage.withUnsafeBufferPointer { $0.baseAddress! }
        let inputs = assembled.inputs.storage.withUnsafeBufferPointer { $0.baseAddress! }
        #expect(range.contains(UInt(bitPattern: weights)))
        #expect(range.contains(UInt(bitPattern: inputs)))
        #expect(assembled.network.layers[0].weights.storage == Self.w1)
        #expect(assembled.inputs.storage == Self.x)
    }

    @Test("a binary tensor after an odd-sized one is copied, not viewed misaligned, and computes the same")
    func misalignedTensorsAreCopied() throws {
        // INT32 labels of one sample (4 bytes) first: W1's float64 bytes then start 4 bytes off.
        let json = #"""
            {"inputs": [{"name": "labels", "datatype": "INT32", "shape": [1], "parameters": {"binary_data_size": 4}},
             {"name": "W1", "datatype": "FP64", "shape": [2, 2], "parameters": {"binary_data_size": 32}},
             {"name": "inputs", "datatype": "FP64", "shape": [1, 2], "parameters": {"binary_data_size": 16}}],
             "parameters": {"activations": "softmax", "loss": "cross_entropy"}}
            """#
        let w: [Double] = [0.5, -0.25, 0.125, 2]
        let tail = withUnsafeBytes(of: Int32(1).littleEndian, Array.init) + Self.bytes(w + [1, 3], "FP64")
        let (body, jsonLength) = body(json, binary: tail)
        let root = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: body.bytes[0..<jsonLength!]))
        let assembly = try V2Assembly(
            try InferenceRequest(root, operation: .gradients, binary: tail.count),
            operation: .gradients,
            limits: ServiceLimits(),
            tail: UnsafeRawBufferPointer(rebasing: body.bytes[jsonLength!...]),
            owner: body
        )
        let assembled = try assembly.assemble(options: RequestOptions(operation: .gradients), as: Double.self)
        let weights = assembled.network.layers[0].weights.storage.withUnsafeBufferPointer { $0.baseAddress! }
        let start = UInt(bitPattern: body.bytes.baseAddress!)
        #expect(!(start..<(start + UInt(body.count))).contains(UInt(bitPattern: weights)), "copied, not a view")
        #expect(assembled.network.layers[0].weights.storage == w)
        #expect(assembled.targets?.storage == [0, 1])
        let v2 = try outputs(infer(json, binary: tail))["weightGradient1"]?["data"]?.flatNumbers
        let v1Text = #"""
            {"network": {"layers": [{"weights": [[0.5, -0.25], [0.125, 2]], "activation": "softmax"}]},
             "batch": {"inputs": [[1, 3]], "labels": [1]}, "loss": "cross_entropy"}
            """#
        let v1 = try Array(v1Text.utf8).withUnsafeBytes { try handler.compute(.gradients, bytes: $0) }
        let expected = try JSONParser.parse(v1.json)["layers"]?[0]?["weightGradient"]?.flatNumbers
        #expect(v2 != nil && v2 == expected)
    }

    @Test("selected outputs come in the order asked, each JSON or binary as asked")
    func selectedOutputs() throws {
        let response = infer(
            #"""
            {"inputs": \#(Self.jsonInputs()), \#(Self.parameters),
             "outputs": [{"name": "inputGradient"}, {"name": "loss"}, {"name": "activation2"}]}
            """#
        )
        #expect(response.status == 200)
        let answer = try JSONParser.parse(response.body)
        #expect(
            answer["outputs"]?.arrayElements?.compactMap { $0["name"]?.stringValue } == [
                "inputGradient", "loss", "activation2",
            ]
        )
        #expect(answer["outputs"]?[0]?["shape"]?.flatNumbers == [2, 2])
    }

    @Test(
        "each malformed request is refused in the protocol's form, naming what is wrong and what is allowed",
        arguments: [
            (
                #""parameters": {"activation": "sigmoid,identity", "loss": "quadratic"}"#, 400,
                "unknown parameter \"activation\"; model gradients takes: activations, binary_data_output, include, loss, priority, reduction, timeout"
            ),
            (
                #""parameters": {"activations": "sigmoid,identity", "loss": "quadratic", "reducton": "sum"}"#, 400,
                "unknown parameter \"reducton\""
            ),
            (
                #""parameters": {"activations": "sigmoid,identity", "loss": "quadratic", "epsilon": 1e-6}"#, 400,
                "parameter epsilon belongs to model gradcheck; model gradients takes:"
            ),
            (
                #"\#(parameters), "outputs": [{"name": "weightGradients1"}]"#, 400,
                "unknown output \"weightGradients1\" for model gradients; its outputs are loss, delta{l}"
            ),
            (
                #"\#(parameters), "outputs": [{"name": "loss"}, {"name": "loss"}]"#, 400,
                "output loss is asked for twice"
            ),
            (
                #"\#(parameters), "outputs": [{"name": "loss", "extra": 1}]"#, 400,
                "unknown member \"extra\" in output loss; allowed: name, parameters"
            ),
            (
                #"\#(parameters), "outputs": [{"name": "delta3"}]"#, 400,
                "output delta3 is not in this answer: the network has 2 layers (W1…W2)"
            ),
            (#""parameters": {"activations": "sigmoid,identity"}"#, 422, "parameter loss is needed: \"quadratic\""),
        ]
    )
    func refused(parameters: String, status: Int, message: String) {
        let text = error(infer(#"{"inputs": \#(Self.jsonInputs()), \#(parameters)}"#), status)
        #expect(text.hasPrefix(message), "\(text)")
    }

    @Test("unknown, duplicate and gapped inputs, unknown members on an input, mixed datatypes")
    func inputsRefused() {
        let base = Self.jsonInputs()
        func with(_ extra: String) -> String {
            #"{"inputs": \#(base.dropLast())\#(extra)], \#(Self.parameters)}"#
        }
        #expect(
            error(infer(with(#", {"name": "X", "datatype": "FP64", "shape": [1], "data": [1]}"#)), 400).hasPrefix(
                "unknown input \"X\"; the inputs are W1…WL without gaps (here W1…W2), b1…bL, inputs, and targets or labels"
            )
        )
        #expect(
            error(infer(with(#", {"name": "b1", "datatype": "FP64", "shape": [3], "data": [0, 0, 0]}"#)), 400)
                == "input b1 is given twice; each input once"
        )
        #expect(
            error(infer(with(#", {"name": "W4", "datatype": "FP64", "shape": [1, 1], "data": [1]}"#)), 400).hasPrefix(
                "unknown input \"W4\""
            )
        )
        let extra = base.replacingOccurrences(of: #""name": "W1","#, with: #""name": "W1", "extra": 1,"#)
        #expect(
            error(infer(#"{"inputs": \#(extra), \#(Self.parameters)}"#), 400)
                == "unknown member \"extra\" in input W1; allowed: name, datatype, shape, parameters, data"
        )
        let mixed = base.replacingOccurrences(
            of: #""name": "inputs", "datatype": "FP64""#,
            with: #""name": "inputs", "datatype": "FP32""#
        )
        #expect(
            error(infer(#"{"inputs": \#(mixed), \#(Self.parameters)}"#), 400)
                == "input inputs has datatype FP32, the others FP64; all float inputs share one datatype, the computation's"
        )
    }

    @Test("assembler faults speak the protocol's names: a chain fault, a bias count, the input width")
    func faultsInV2Words() {
        func replacing(_ old: String, _ new: String) -> String {
            #"{"inputs": \#(Self.jsonInputs().replacingOccurrences(of: old, with: new)), \#(Self.parameters)}"#
        }
        #expect(
            error(
                infer(replacing(#""shape": [1, 3], "data": [0.7, 0.8, 0.9]"#, #""shape": [1, 2], "data": [0.7, 0.8]"#)),
                422
            )
                == "input W2 has shape [1, 2], but W1 has 3 rows, so W2 needs 3 columns"
        )
        #expect(
            error(infer(replacing(#""shape": [3], "data": [0, 0, 0]"#, #""shape": [2], "data": [0, 0]"#)), 422)
                == "input b1 has 2 elements, but W1 has 3 rows, so b1 needs 3 elements"
        )
        #expect(
            error(
                infer(replacing(#""shape": [2, 2], "data": [[1, 2], [3, 4]]"#, #""shape": [2, 1], "data": [1, 3]"#)),
                422
            )
                == "input inputs has 1 column, but W1 has shape [3, 2], so inputs needs 2 columns"
        )
    }

    @Test("binary framing: sizes that do not add up, a length header past the body, a label's byte width")
    func binaryFraming() {
        let json = #"""
            {"inputs": [{"name": "W1", "datatype": "FP64", "shape": [1, 2], "parameters": {"binary_data_size": 16}},
             {"name": "inputs", "datatype": "FP64", "shape": [1, 2], "parameters": {"binary_data_size": 16}}]}
            """#
        #expect(
            error(infer(json, binary: Self.bytes([1, 2, 3], "FP64"), model: "forward"), 400)
                == "the inputs' binary_data_size add up to 32 bytes, but 24 follow the JSON part"
        )
        let mismatch = json.replacingOccurrences(
            of: #""shape": [1, 2], "parameters": {"binary_data_size": 16}}]"#,
            with: #""shape": [1, 3], "parameters": {"binary_data_size": 16}}]"#
        )
        #expect(
            error(infer(mismatch, binary: Self.bytes([1, 2, 3, 4], "FP64"), model: "forward"), 400)
                == "input inputs has shape [1, 3] of FP64, which needs 24 bytes; binary_data_size is 16"
        )
        let (body, _) = body(json, binary: Self.bytes([1, 2, 3, 4], "FP64"))
        do {
            _ = try handler.infer(
                model: "forward",
                operation: .forward,
                body: body,
                jsonLength: body.count + 1,
                deadline: .distantFuture
            )
            Issue.record("a length header past the body computed")
        } catch {
            #expect(error.status == 400)
            #expect(
                error.detail
                    == "Inference-Header-Content-Length is \(body.count + 1) but the body has \(body.count) bytes"
            )
        }
        let labels = #"""
            {"inputs": [{"name": "W1", "datatype": "FP64", "shape": [2, 2], "data": [1, 0, 0, 1]},
             {"name": "inputs", "datatype": "FP64", "shape": [2, 2], "data": [1, 2, 3, 4]},
             {"name": "labels", "datatype": "INT32", "shape": [2], "parameters": {"binary_data_size": 16}}],
             "parameters": {"activations": "softmax", "loss": "cross_entropy"}}
            """#
        let int64s = [0, 1].flatMap { withUnsafeBytes(of: Int64($0).littleEndian, Array.init) }
        #expect(
            error(infer(labels, binary: int64s), 400)
                == "input labels has shape [2] of INT32, which needs 8 bytes; binary_data_size is 16"
        )
    }

    @Test("busy, draining and past its deadline: 503 in the protocol's form with the configured Retry-After")
    func unavailable() {
        let head = RequestHead(method: .post, path: "/v2/models/gradients/infer")
        for rejection in [Rejection.overloaded, .draining] {
            let response = handler.response(for: rejection, head: head)
            #expect(!error(response, 503).isEmpty)
            #expect(response.headers.contains { $0 == ("Retry-After", "3") })
            #expect(response.headers.contains { $0 == ("Content-Type", "application/json") })
        }
        let late = infer(#"{"inputs": \#(Self.jsonInputs()), \#(Self.parameters)}"#, deadline: .now() - .seconds(1))
        #expect(error(late, 503).hasPrefix("the request took longer than the server's --request-timeout"))
        #expect(late.headers.contains { $0 == ("Retry-After", "3") })
        let tooLarge = handler.response(for: .bodyTooLarge(limit: 10), head: head)
        #expect(error(tooLarge, 413) == "the body is larger than 10 bytes (--max-body-bytes)")
    }

    @Test("heads: a wrong method, an unknown model, a bad length header, a path the protocol lacks")
    func heads() {
        func answer(_ method: HTTPMethod, _ path: String, _ headers: HTTPHeaders = [:]) -> Response? {
            if case .respond(let response) = handler.disposition(
                for: RequestHead(method: method, path: path, headers: headers)
            ) {
                return response
            }
            return nil
        }
        #expect(error(answer(.get, "/v2/models/gradients/infer")!, 405) == "GET is not allowed here; allowed: POST")
        #expect(error(answer(.post, "/v2/models/nope/infer")!, 404).hasPrefix("unknown model \"nope\""))
        #expect(
            error(answer(.post, "/v2/models/gradients/infer", ["Inference-Header-Content-Length": "-4"])!, 400)
                == "Inference-Header-Content-Length must be a non-negative integer, got \"-4\""
        )
        #expect(error(answer(.get, "/v2/nothing")!, 404) == "no route for /v2/nothing")
        if case .worker(let accepted) = handler.disposition(
            for: RequestHead(
                method: .post,
                path: "/v2/models/forward/infer",
                headers: ["Inference-Header-Content-Length": "120"]
            )
        ) {
            #expect(accepted.alignedBodyOffset == 120, "binary tensors start on an aligned boundary")
        } else {
            Issue.record("infer was not handed to a worker")
        }
    }

    @Test("a 5xx is logged once in either form; a 503 is backpressure and is not")
    func fiveHundredsLogged() {
        let recorder = LogRecorder()
        let handler = GradientHandler.inProcess(logTo: recorder)
        _ = handler.render(.internalError(), as: .v2)
        _ = handler.render(.internalError(), as: .problemJSON)
        _ = handler.render(.unavailable("busy", retryAfter: 1), as: .v2)
        #expect(recorder.errors == 2)
        // Through `handle`: a request whose context no front end made is a defect, logged once and
        // answered in its path's form.
        let request = Request(
            head: RequestHead(method: .post, path: "/v2/models/gradients/infer"),
            body: RequestBody(),
            context: "not a call",
            deadline: .distantFuture,
            server: IdleServer()
        )
        let response = handler.handle(request)
        #expect(error(response, 500) == "the server failed to compute an answer")
        #expect(recorder.errors == 3)
    }
}

/// Counts error-level log lines (swift-log's handler protocol, kept in memory).
final class LogRecorder: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var errors: Int { lock.withLock { count } }
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        if event.level == .error { lock.withLock { count += 1 } }
    }
}

/// A server with room to spare, for requests made in process.
final class IdleServer: ServerStatus {
    var isDraining: Bool { false }
    var isSaturated: Bool { false }
    var queueDepth: Int { 0 }
    var busyWorkers: Int { 0 }
    var workerCount: Int { 1 }
}
