import TestSupport
import Testing
import WireFormat

/// Triton/KServe-style binary bodies: a JSON part, then raw little-endian tensor bytes.
@Suite("Binary tensor bodies", .serialized)
struct BinaryBodyTests {
    static func float64Bytes(_ values: [Double]) -> [UInt8] {
        var out: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    static func float32Bytes(_ values: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        return out
    }

    /// the README's example (docs/api.md) with W^1 (float32) and the inputs (float64) sent as binary tensors; the
    /// inputs come first in the document, so their bytes come first.
    static func request(encoding: String = "nested", tamper: Int = 0) -> (body: [UInt8], jsonLength: Int) {
        let json = """
            {"batch": {"inputs": {"shape": [2, 2], "dtype": "float64", "binaryDataSize": 32}, "targets": [[1], [0]]},
             "network": {"layers": [
               {"weights": {"shape": [3, 2], "dtype": "float32", "binaryDataSize": 24}, "biases": [0, 0, 0], "activation": "sigmoid"},
               {"weights": [[0.7, 0.8, 0.9]], "activation": "identity"}]},
             "loss": "quadratic", "options": {"encoding": "\(encoding)"}}
            """
        let bytes = float64Bytes([1, 2, 3, 4]) + float32Bytes([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        return (Array(json.utf8) + bytes + Array(repeating: 0, count: tamper), json.utf8.count)
    }

    func post(_ server: LiveServer, _ body: [UInt8], jsonLength: Int?) throws -> HTTPClient.Reply {
        var headers = [("Content-Type", "application/octet-stream")]
        if let jsonLength { headers.append(("Inference-Header-Content-Length", String(jsonLength))) }
        return try server.client().request("POST", "/v1/gradients", body: body, headers: headers)
    }

    @Test("a binary request gives the same gradients as JSON (W^1 rounded to float32 on the way in)")
    func binaryRequest() throws {
        let server = try LiveServer()
        let (body, length) = Self.request()
        let reply = try post(server, body, jsonLength: length)
        #expect(reply.status == 200, "\(reply.text)")
        // The same request in JSON, with W^1 as the float32 values it was sent as.
        let w1 = [Float(0.1), 0.2, 0.3, 0.4, 0.5, 0.6].map { String(Double($0)) }
        let json = """
            {"network": {"layers": [{"weights": [[\(w1[0]), \(w1[1])], [\(w1[2]), \(w1[3])], [\(w1[4]), \(w1[5])]], "activation": "sigmoid"},
              {"weights": [[0.7, 0.8, 0.9]]}]}, "batch": {"inputs": [[1, 2], [3, 4]], "targets": [[1], [0]]}, "loss": "quadratic"}
            """
        let reference = try server.post("/v1/gradients", json)
        #expect(reply.json["loss"] == reference.json["loss"])
        #expect(reply.json["layers"] == reference.json["layers"])
    }

    @Test("encoding binary answers with the JSON part's length and the tensor bytes after it")
    func binaryResponse() throws {
        let server = try LiveServer()
        let (body, length) = Self.request(encoding: "binary")
        let reply = try post(server, body, jsonLength: length)
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"] == "application/octet-stream")
        let jsonLength = try #require(reply.headers["inference-header-content-length"].flatMap { Int($0) })
        let head = try JSONParser.parse(Array(reply.body[0..<jsonLength]))
        let layers = try #require(head["layers"]?.arrayElements)
        var offset = jsonLength
        var values: [String: [Double]] = [:]
        for (l, layer) in layers.enumerated() {
            for field in ["delta", "weightGradient", "biasGradient"] {
                let size = Int(try #require(layer[field]?["binaryDataSize"]?.double))
                #expect(layer[field]?["dtype"] == .string("float64"))
                let raw = Array(reply.body[offset..<(offset + size)])
                values["\(l)/\(field)"] = stride(from: 0, to: size, by: 8).map { k in
                    Double(
                        bitPattern: raw[k..<(k + 8)].enumerated().reduce(UInt64(0)) {
                            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
                        }
                    )
                }
                offset += size
            }
        }
        #expect(offset == reply.body.count, "the sizes add up to the body")
        let nested = try post(server, Self.request().body, jsonLength: Self.request().jsonLength).json
        #expect(values["1/weightGradient"] == nested["layers"]?[1]?["weightGradient"]?.flatNumbers)
        #expect(values["0/delta"] == nested["layers"]?[0]?["delta"]?.flatNumbers)
    }

    /// Answers up to 64 KiB of tensors are joined into one buffer; larger ones go to microhttpd
    /// as one I/O vector per tensor. Both must carry the same bytes as the JSON answer.
    @Test("a binary answer larger than 64 KiB (sent as I/O vectors) has the JSON answer's values", arguments: [8, 100])
    func largeBinaryResponse(width: Int) throws {
        let server = try LiveServer()
        func matrix(_ rows: Int, _ value: (Int, Int) -> Double) -> [[Double]] {
            (0..<rows).map { i in (0..<width).map { j in value(i, j) } }
        }
        let weights = matrix(width) { i, j in Double((i * 7 + j * 3) % 11) / 10 - 0.5 }
        let inputs = matrix(2) { r, j in Double((r + j) % 5) / 4 }
        let targets = matrix(2) { r, j in Double((r * j) % 3) }
        func body(_ encoding: String) -> String {
            """
            {"network": {"layers": [{"weights": \(weights), "activation": "tanh"}]},
             "batch": {"inputs": \(inputs), "targets": \(targets)}, "loss": "quadratic",
             "options": {"encoding": "\(encoding)"}}
            """
        }
        let reference = try server.post("/v1/gradients", body("flat")).json
        let reply = try server.client().request(
            "POST",
            "/v1/gradients",
            body: Array(body("binary").utf8),
            headers: [("Content-Type", "application/json")]
        )
        #expect(reply.status == 200)
        let jsonLength = try #require(reply.headers["inference-header-content-length"].flatMap { Int($0) })
        let doubles = stride(from: jsonLength, to: reply.body.count, by: 8).map { k in
            Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(reply.body[k + $1]) << (8 * UInt64($1)) })
        }
        let layer = reference["layers"]?[0]
        let expected = try ["delta", "weightGradient", "biasGradient"].flatMap { field in
            try #require(layer?[field]?["data"]?.flatNumbers)
        }
        #expect(reply.body.count - jsonLength == 8 * (2 * width + width * width + width))
        #expect(doubles == expected)
    }

    @Test("sizes that do not add up are 400; a tensor whose size does not match its shape is 422")
    func badSizes() throws {
        let server = try LiveServer()
        let (extra, length) = Self.request(tamper: 8)
        let tooLong = try post(server, extra, jsonLength: length)
        #expect(tooLong.status == 400)
        #expect(tooLong.headers["content-type"] == "application/problem+json")
        let (body, _) = Self.request()
        #expect(try post(server, body, jsonLength: nil).status == 400, "the JSON length header is required")
        #expect(try post(server, body, jsonLength: body.count + 1).status == 400)
        let wrong = """
            {"network": {"layers": [{"weights": {"shape": [1, 2], "dtype": "float64", "binaryDataSize": 8}}]},
             "batch": {"inputs": [[1, 2]], "targets": [[1]]}, "loss": "mse"}
            """
        let mismatch = try post(server, Array(wrong.utf8) + Self.float64Bytes([1]), jsonLength: wrong.utf8.count)
        #expect(mismatch.status == 422)
        #expect(mismatch.json["pointer"]?.stringValue == "/network/layers/0/weights/binaryDataSize")
    }
}
