import Backprop
import Foundation
import GradientService
import TestSupport
import Testing
import WireFormat

@Suite("Gradients over real HTTP", .serialized)
struct EndToEndGradientTests {
    /// The server's own cap, for reading its answers back.
    static let tensorLimits = TensorLimits(maxElements: ServiceLimits().maxTensorElements)
    static let fixtures: [(name: String, request: String, expected: JSONValue)] = {
        guard let data = try? Data(contentsOf: fixtureURL("gradients.json")),
            case .array(let cases)? = (try? JSONParser.parse([UInt8](data)))?["cases"]
        else { return [] }
        return cases.map { c in
            (c["name"]?.stringValue ?? "?", Self.render(c["request"]!), c["expected"]!)
        }
    }()

    /// Re-serialises a parsed fixture request (numbers in shortest round-trip form).
    static func render(_ v: JSONValue) -> String {
        var w = JSONWriter()
        func write(_ v: JSONValue) {
            switch v {
            case .null: w.null()
            case .bool(let b): w.bool(b)
            case .number(let d): w.number(d)
            case .string, .borrowedString: w.string(v.stringValue ?? "")
            case .numbers(let ds): ds.withUnsafeBufferPointer { w.numbers($0) }
            case .array, .rows:
                w.beginArray()
                v.arrayElements!.forEach(write)
                w.endArray()
            case .object(let members):
                w.beginObject()
                for m in members {
                    w.key(m.key)
                    write(m.value)
                }
                w.endObject()
            }
        }
        write(v)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test("the fixture set covers every activation and loss")
    func fixturesLoaded() {
        #expect(Self.fixtures.count == 24)
    }

    @Test("each fixture's gradients match the independent autodiff to 1e-9", arguments: 0..<24)
    func fixtureMatchesReference(index: Int) throws {
        let server = try LiveServer()
        let f = Self.fixtures[index]
        let reply = try server.post("/v1/gradients", f.request)
        #expect(reply.status == 200, "\(f.name): \(reply.text)")
        #expect(reply.headers["content-type"] == "application/json")
        let got = reply.json
        let loss = try #require(got["loss"]?.double)
        let expectedLoss = try #require(f.expected["loss"]?.double)
        #expect(
            abs(loss - expectedLoss) <= 1e-9 * max(1, abs(expectedLoss)),
            "\(f.name): loss \(loss) vs \(expectedLoss)"
        )
        let layers = try #require(got["layers"]?.arrayElements)
        let expectedLayers = try #require(f.expected["layers"]?.arrayElements)
        #expect(layers.count == expectedLayers.count)
        for (l, (a, e)) in zip(layers, expectedLayers).enumerated() {
            #expect(a["layer"]?.double == Double(l + 1))
            for field in ["delta", "weightGradient", "biasGradient"] {
                let x = a[field]?.flatNumbers ?? []
                let y = e[field]?.flatNumbers ?? []
                #expect(x.count == y.count && !y.isEmpty, "\(f.name) layer \(l + 1) \(field): shape")
                guard x.count == y.count else { continue }
                let err = maxRelativeError(x, y, floor: 1e-6)
                #expect(err < 1e-9, "\(f.name) layer \(l + 1) \(field): rel error \(err)")
            }
        }
    }

    @Test("the README's example (docs/api.md) over HTTP gives the hand-checked values, with explain")
    func apiExampleWithExplain() throws {
        let server = try LiveServer()
        let body = apiExample.replacingOccurrences(
            of: "\"loss\": \"quadratic\"",
            with: "\"loss\": \"quadratic\", \"options\": {\"explain\": true}"
        )
        let reply = try server.post("/v1/gradients", body)
        #expect(reply.status == 200)
        let j = reply.json
        #expect(j["loss"]?.double == 1.3107817592624795)
        #expect(j["batchSize"]?.double == 2)
        #expect(j["reduction"]?.stringValue == "mean")
        #expect(j["dtype"]?.stringValue == "float64")
        let w2 = j["layers"]?[1]?["weightGradient"]?.flatNumbers ?? []
        #expect(maxDifference(w2, [1.0532912029609725, 1.2908447734985173, 1.3889325516939668]).value < 1e-12)
        let explain = j["explain"]?[0]
        #expect(explain?["delta"]?["formula"]?.stringValue == "δ^1 = ((W^2)^T δ^2) ⊙ σ'(z^1)")
        #expect(explain?["delta"]?["needs"] == .array([.string("W^2"), .string("δ^2"), .string("z^1")]))
        #expect(explain?["weightGradient"]?["needs"] == .array([.string("δ^1"), .string("a^0")]))
    }

    @Test("forward returns outputs, the loss when targets are given, and included layers")
    func forward() throws {
        let server = try LiveServer()
        let reply = try server.post(
            "/v1/forward",
            """
            {"network": {"layers": [{"weights": [[1, -1]], "biases": [0.5], "activation": "relu"}]},
             "batch": {"inputs": [[2, 1], [0, 3]], "targets": [[1], [0]]}, "loss": "quadratic",
             "options": {"include": ["preactivation", "activation"]}}
            """
        )
        #expect(reply.status == 200, "\(reply.text)")
        let j = reply.json
        #expect(j["outputs"]?.flatNumbers == [1.5, 0])
        #expect(j["layers"]?[0]?["preactivation"]?.flatNumbers == [1.5, -2.5])
        #expect(j["loss"]?.double == 0.0625)  // ½((1.5−1)² + 0²) / 2
        let bare = try server.post(
            "/v1/forward",
            """
            {"network": {"layers": [{"weights": [[2]]}]}, "batch": {"inputs": [[3]]}}
            """
        )
        #expect(bare.status == 200)
        #expect(bare.json["outputs"]?.flatNumbers == [6])
        #expect(bare.json["loss"] == nil)
    }

    @Test("flat and base64 encodings, float32, include and labels")
    func encodingsDtypesIncludes() throws {
        let server = try LiveServer()
        let base = """
            "network": {"layers": [{"weights": {"shape": [2, 2], "data": [1, 0, 0, 1]}, "activation": "identity"}]},
            "batch": {"inputs": {"shape": [1, 2], "dtype": "float64", "base64": "AAAAAAAA8D8AAAAAAAAAwA=="}, "labels": [1]},
            "loss": "cross_entropy"
            """
        // inputs = [[1, -2]]; logits = inputs; p = softmax(1, −2); δ = p − onehot(1).
        let p0 = exp(1.0) / (exp(1.0) + exp(-2.0))
        let flat = try server.post(
            "/v1/gradients",
            "{\(base), \"options\": {\"encoding\": \"flat\", \"include\": [\"delta\", \"inputGradient\"]}}"
        )
        #expect(flat.status == 200, "\(flat.text)")
        let layer = flat.json["layers"]?[0]
        #expect(layer?["delta"]?["shape"]?.flatNumbers == [1, 2])
        #expect(maxDifference(layer?["delta"]?["data"]?.flatNumbers ?? [], [p0, 1 - p0 - 1]).value < 1e-15)
        #expect(layer?["weightGradient"] == nil, "include without weightGradient omits it")
        #expect(flat.json["inputGradient"]?["data"]?.flatNumbers.count == 2)

        let b64 = try server.post(
            "/v1/gradients",
            "{\(base), \"options\": {\"encoding\": \"base64\", \"dtype\": \"float32\"}}"
        )
        #expect(b64.status == 200, "\(b64.text)")
        #expect(b64.json["dtype"]?.stringValue == "float32")
        let grad = try #require(b64.json["layers"]?[0]?["biasGradient"])
        #expect(grad["dtype"]?.stringValue == "float32")
        let decoded: [Float] = try TensorDecoder.vector(grad, at: .root, limits: Self.tensorLimits)
        #expect(maxDifference(decoded, [Float(p0), Float(-p0)]).value < 1e-6)
    }

    /// Base64 tensors long enough to be decoded from the body in place and split across the two
    /// workers (over a MiB of text each way) give the same answer as the nested request.
    @Test("large base64 request and answer, decoded and encoded in pieces, match nested JSON")
    func largeBase64MatchesNested() throws {
        let server = try LiveServer { service, _ in service.parallelism = 2 }
        var rng = SeededGenerator(seed: 11)
        let (units, inputs, batch) = (256, 512, 80)
        let w = (0..<(units * inputs)).map { _ in Double.random(in: -0.1...0.1, using: &rng) }
        let x = (0..<(batch * inputs)).map { _ in Double.random(in: -1...1, using: &rng) }
        func base64(_ values: [Double]) -> String {
            var raw: [UInt8] = []
            raw.reserveCapacity(values.count * 8)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw += $0 } }
            return Data(raw).base64EncodedString()
        }
        func nested(_ values: [Double], columns: Int) -> String {
            "["
                + stride(from: 0, to: values.count, by: columns).map { i in
                    "[" + values[i..<(i + columns)].map { "\($0)" }.joined(separator: ",") + "]"
                }.joined(separator: ",") + "]"
        }
        func request(weights: String, inputs x: String, encoding: String) -> String {
            """
            {"network": {"layers": [{"weights": \(weights), "activation": "relu"}, {"weights": \(nested((0..<(3 * units)).map { Double($0 % 7) / 10 - 0.3 }, columns: units)), "activation": "softmax"}]},
             "batch": {"inputs": \(x), "labels": \((0..<batch).map { $0 % 3 })}, "loss": "cross_entropy",
             "options": {"encoding": "\(encoding)", "include": ["delta", "weightGradient", "biasGradient"]}}
            """
        }
        let b64Weights = #"{"shape": [\#(units), \#(inputs)], "dtype": "float64", "base64": "\#(base64(w))"}"#
        let b64Inputs = #"{"shape": [\#(batch), \#(inputs)], "dtype": "float64", "base64": "\#(base64(x))"}"#
        let reference = try server.post(
            "/v1/gradients",
            request(weights: nested(w, columns: inputs), inputs: nested(x, columns: inputs), encoding: "flat")
        )
        #expect(reference.status == 200, "\(reference.text.prefix(300))")
        let fromBase64 = try server.post(
            "/v1/gradients",
            request(weights: b64Weights, inputs: b64Inputs, encoding: "flat")
        )
        #expect(fromBase64.status == 200, "\(fromBase64.text.prefix(300))")
        #expect(fromBase64.json["layers"] == reference.json["layers"])
        #expect(fromBase64.json["loss"] == reference.json["loss"])

        let toBase64 = try server.post(
            "/v1/gradients",
            request(weights: b64Weights, inputs: b64Inputs, encoding: "base64")
        )
        #expect(toBase64.status == 200)
        let layer = try #require(toBase64.json["layers"]?[0])
        let expected = try #require(reference.json["layers"]?[0])
        for field in ["weightGradient", "delta", "biasGradient"] {
            let text = try #require(layer[field]?["base64"]?.stringValue)
            #expect(field != "weightGradient" || text.utf8.count > 1 << 20, "long enough to be encoded in pieces")
            let decoded: [Double] = try TensorDecoder.vector(
                .object([
                    ("shape", .numbers([Double(text.utf8.count / 4 * 3 / 8)])), ("dtype", .string("float64")),
                    ("base64", .string(text)),
                ]),
                at: .root,
                limits: Self.tensorLimits
            )
            #expect(decoded == expected[field]?["data"]?.flatNumbers, "\(field)")
        }
    }

    @Test("gradcheck reports per-layer errors and passes for a smooth network")
    func gradcheck() throws {
        let server = try LiveServer()
        let reply = try server.post(
            "/v1/gradcheck",
            """
            {"network": {"layers": [{"weights": [[0.3, -0.2], [0.1, 0.4]], "activation": "tanh"},
                                    {"weights": [[0.5, -0.6]], "activation": "sigmoid"}]},
             "batch": {"inputs": [[1, 2], [-1, 0.5]], "targets": [[1], [0]]}, "loss": "binary_cross_entropy"}
            """
        )
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.json["passed"] == .bool(true))
        #expect(reply.json["layers"]?.arrayElements?.count == 2)
        #expect((reply.json["layers"]?[0]?["weights"]?["maxAbsError"]?.double ?? 1) < 1e-8)
    }

    @Test("health, readiness and the embedded spec")
    func operations() throws {
        let server = try LiveServer()
        let client = try server.client()
        #expect(try client.request("GET", "/livez").status == 200)
        #expect(try client.request("GET", "/healthz").status == 200)
        #expect(try client.request("GET", "/readyz").status == 200)
        let spec = try client.request("GET", "/openapi.yaml")
        #expect(spec.status == 200)
        #expect(spec.text.hasPrefix("openapi: 3.1"))
        #expect(spec.text == (try String(contentsOf: fixtureURL("../../../openapi.yaml"), encoding: .utf8)))
    }

    @Test("the page and its files are served from the binary, with a self-only policy, open with a token")
    func page() throws {
        let resources = fixtureURL("../../../Sources/GradientService/Resources/ui")
        for token in [nil, "s3cret"] as [String?] {
            let server = try LiveServer { service, _ in service.authToken = token }
            let client = try server.client()
            for (path, file, type) in [
                ("/", "index.html", "text/html; charset=utf-8"),
                ("/ui/js/main.js", "js/main.js", "text/javascript; charset=utf-8"),
                ("/ui/js/view-steps.js", "js/view-steps.js", "text/javascript; charset=utf-8"),
                ("/ui/app.css", "app.css", "text/css; charset=utf-8"),
                ("/ui/icon.svg", "icon.svg", "image/svg+xml"),
            ] {
                let reply = try client.request("GET", path)
                #expect(reply.status == 200, "\(path)")
                #expect(reply.headers["content-type"] == type)
                #expect(
                    reply.headers["content-security-policy"]?.hasPrefix("default-src 'none'; script-src 'self'") == true
                )
                #expect(reply.headers["x-content-type-options"] == "nosniff")
                #expect(reply.body == Array(try Data(contentsOf: resources.appendingPathComponent(file))), "\(path)")
            }
            let configuration = try JSONParser.parse(try client.request("GET", "/ui/config.json").body)
            #expect(configuration["authRequired"] == .bool(token != nil))
            // The API's words, from the types /v1 reads with: what the page offers.
            let words = try #require(configuration["vocabulary"])
            let names = { (key: String) in words[key]?.arrayElements?.compactMap { $0["name"]?.stringValue } }
            #expect(names("activations") == ActivationName.wireNames.filter { $0 != "linear" })
            #expect(names("losses") == Loss.wireNames)
            #expect(words["reductions"]?.arrayElements?.compactMap(\.stringValue) == Reduction.wireNames)
            #expect(words["dtypes"]?.arrayElements?.compactMap(\.stringValue) == DType.wireNames)
            #expect(words["defaultReduction"]?.stringValue == "mean" && words["defaultDtype"]?.stringValue == "float64")
            #expect(words["encodings"]?.arrayElements?.compactMap(\.stringValue) == TensorEncoding.wireNames)
            #expect(words["defaultEncoding"]?.stringValue == "nested")
            #expect(words["quantities"]?.arrayElements?.compactMap(\.stringValue) == Quantity.wireNames)
            #expect(
                words["defaultInclude"]?.arrayElements?.compactMap(\.stringValue)
                    == ["delta", "weightGradient", "biasGradient"]
            )
            let activations = words["activations"]?.arrayElements ?? []
            let identity = activations.first { $0["name"]?.stringValue == "identity" }
            #expect(identity?["aliases"]?.arrayElements == [.string("linear")])
            let leaky = activations.first { $0["name"]?.stringValue == "leaky_relu" }
            #expect(leaky?["takesAlpha"] == .bool(true) && leaky?["defaultAlpha"] == .number(0.01))
            let crossEntropy = words["losses"]?.arrayElements?.first { $0["name"]?.stringValue == "cross_entropy" }
            #expect(crossEntropy?["outputs"]?.arrayElements?.compactMap(\.stringValue) == ["softmax", "identity"])
            let head = try client.request("HEAD", "/")
            #expect(head.status == 200 && head.body.isEmpty)
            let post = try client.request("POST", "/", body: Array("{}".utf8))
            #expect(post.status == 405)
            #expect(post.headers["allow"] == "GET, HEAD")
            #expect(try client.request("GET", "/ui/missing.js").status == 404)
            // Every module in Resources/ui/js is served as it is (RouterTests holds the list equal
            // to the server's and to openapi.yaml's).
            let modules = try FileManager.default.contentsOfDirectory(
                atPath: resources.appendingPathComponent("js").path
            )
            #expect(modules.contains("main.js") && modules.count > 10)
            for module in modules {
                let reply = try client.request("GET", "/ui/js/" + module)
                #expect(reply.status == 200 && reply.headers["content-type"] == "text/javascript; charset=utf-8")
                let file = resources.appendingPathComponent("js").appendingPathComponent(module)
                #expect(reply.body == Array(try Data(contentsOf: file)), "\(module)")
            }
        }
    }
}
