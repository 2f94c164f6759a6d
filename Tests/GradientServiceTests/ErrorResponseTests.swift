import GradientService
import TestSupport
import Testing
import WireFormat

@Suite("Errors are problem+json with the right status and pointer", .serialized)
struct ErrorResponseTests {
    static let layer0 = #"{"weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "activation": "sigmoid"}"#

    /// (name, body, status, pointer)
    static let cases: [(String, String, Int, String?)] = [
        ("malformed JSON", #"{"network": "#, 400, nil),
        ("body not an object", "[1, 2]", 422, ""),
        (
            "layers do not chain",
            #"{"network": {"layers": [\#(layer0), {"weights": [[1, 2]]}]}, "batch": {"inputs": [[1, 2]], "targets": [[1]]}, "loss": "mse"}"#,
            422, "/network/layers/1/weights"
        ),
        (
            "ragged weights",
            #"{"network": {"layers": [{"weights": [[1, 2], [3]]}]}, "batch": {"inputs": [[1, 2]], "targets": [[1, 1]]}, "loss": "mse"}"#,
            422, "/network/layers/0/weights/1"
        ),
        (
            "a string among the weights",
            #"{"network": {"layers": [{"weights": [[1, 2], [3, "x"]]}]}, "batch": {"inputs": [[1, 2]], "targets": [[1, 1]]}, "loss": "mse"}"#,
            422, "/network/layers/0/weights/1/1"
        ),
        (
            "inputs of the wrong width",
            #"{"network": {"layers": [\#(layer0)]}, "batch": {"inputs": [[1, 2, 3]], "targets": [[1, 1, 1]]}, "loss": "mse"}"#,
            422, "/batch/inputs"
        ),
        (
            "targets of the wrong width",
            #"{"network": {"layers": [\#(layer0)]}, "batch": {"inputs": [[1, 2]], "targets": [[1, 1]]}, "loss": "mse"}"#,
            422, "/batch/targets"
        ),
        (
            "biases of the wrong length",
            #"{"network": {"layers": [{"weights": [[1, 2]], "biases": [1, 2]}]}, "batch": {"inputs": [[1, 2]], "targets": [[1]]}, "loss": "mse"}"#,
            422, "/network/layers/0/biases"
        ),
        (
            "unknown activation",
            #"{"network": {"layers": [{"weights": [[1, 2]], "activation": "swish2"}]}, "batch": {"inputs": [[1, 2]], "targets": [[1]]}, "loss": "mse"}"#,
            422, "/network/layers/0/activation"
        ),
        (
            "unknown loss",
            #"{"network": {"layers": [{"weights": [[1, 2]]}]}, "batch": {"inputs": [[1, 2]], "targets": [[1]]}, "loss": "hinge"}"#,
            422, "/loss"
        ),
        (
            "softmax on a hidden layer",
            #"{"network": {"layers": [{"weights": [[1, 2], [3, 4]], "activation": "softmax"}, {"weights": [[1, 1]]}]}, "batch": {"inputs": [[1, 2]], "targets": [[1]]}, "loss": "mse"}"#,
            422, "/network/layers/0/activation"
        ),
        (
            "cross_entropy on a tanh output",
            #"{"network": {"layers": [{"weights": [[1, 2], [3, 4]], "activation": "tanh"}]}, "batch": {"inputs": [[1, 2]], "targets": [[1, 0]]}, "loss": "cross_entropy"}"#,
            422, "/network/layers/0/activation"
        ),
        (
            "binary_cross_entropy on a relu output",
            #"{"network": {"layers": [{"weights": [[1, 2]], "activation": "relu"}]}, "batch": {"inputs": [[1, 2]], "targets": [[1]]}, "loss": "binary_cross_entropy"}"#,
            422, "/network/layers/0/activation"
        ),
        (
            "label out of range",
            #"{"network": {"layers": [{"weights": [[1, 2], [3, 4]], "activation": "softmax"}]}, "batch": {"inputs": [[1, 2]], "labels": [2]}, "loss": "cross_entropy"}"#,
            422, "/batch/labels/0"
        ),
        (
            "number too large for float64",
            #"{"network": {"layers": [{"weights": [[1e999]]}]}, "batch": {"inputs": [[1]], "targets": [[1]]}, "loss": "mse"}"#,
            422, "/network/layers/0/weights/0/0"
        ),
        (
            "number too large for float32",
            #"{"network": {"layers": [{"weights": [[1e300]]}]}, "batch": {"inputs": [[1]], "targets": [[1]]}, "loss": "mse", "options": {"dtype": "float32"}}"#,
            422, "/network/layers/0/weights/0/0"
        ),
        (
            "base64 length not matching shape",
            #"{"network": {"layers": [{"weights": {"shape": [1, 2], "dtype": "float64", "base64": "AAAAAAAA8D8="}}]}, "batch": {"inputs": [[1, 2]], "targets": [[1]]}, "loss": "mse"}"#,
            422, "/network/layers/0/weights/base64"
        ),
        (
            "a declared shape over the limits",
            #"{"network": {"layers": [{"weights": {"shape": [100000000, 100000000], "dtype": "float32", "base64": ""}}]}, "batch": {"inputs": [[1]], "targets": [[1]]}, "loss": "mse"}"#,
            413, "/network/layers/0/weights/shape"
        ),
        (
            "unknown option",
            #"{"network": {"layers": [{"weights": [[1]]}]}, "batch": {"inputs": [[1]], "targets": [[1]]}, "loss": "mse", "options": {"dtyp": "float32"}}"#,
            422, "/options/dtyp"
        ),
        (
            "missing targets",
            #"{"network": {"layers": [{"weights": [[1]]}]}, "batch": {"inputs": [[1]]}, "loss": "mse"}"#, 422,
            "/batch/targets"
        ),
    ]

    /// Decoding faults need no socket: the handler's own entry point, and the problem's JSON.
    @Test(arguments: cases.indices)
    func badRequest(index: Int) throws {
        let (name, body, status, pointer) = Self.cases[index]
        let handler = GradientHandler.inProcess()
        let problem: Problem
        do {
            _ = try Array(body.utf8).withUnsafeBytes { try handler.compute(.gradients, bytes: $0) }
            Issue.record("\(name): accepted")
            return
        } catch let error as Problem {
            problem = error
        }
        #expect(problem.status == status, "\(name): \(problem.detail)")
        let j = try JSONParser.parse(problem.json)
        #expect(j["status"]?.double == Double(status), "\(name)")
        #expect(j["type"]?.stringValue?.hasPrefix("https://") == true)
        #expect(j["title"]?.stringValue?.isEmpty == false)
        #expect(j["detail"]?.stringValue?.isEmpty == false)
        #expect(j["pointer"]?.stringValue == pointer, "\(name): \(problem.detail)")
    }

    @Test("404, 405 with Allow, 415 and 413 on the HTTP level")
    func httpLevelErrors() throws {
        let server = try LiveServer { _, http in http.maxBodyBytes = 4096 }
        let client = try server.client()
        let notFound = try client.request("GET", "/v3/nothing")
        #expect(notFound.status == 404)
        #expect(notFound.headers["content-type"] == "application/problem+json")
        // Under /v2 (the Open Inference Protocol) errors take that protocol's form.
        let v2 = try client.request("GET", "/v2/nothing")
        #expect(v2.status == 404)
        #expect(v2.headers["content-type"] == "application/json")
        #expect(v2.text == #"{"error":"no route for /v2/nothing"}"#)
        let wrongMethod = try client.request("GET", "/v1/gradients")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "POST")
        let wrongMethod2 = try client.request("POST", "/healthz")
        #expect(wrongMethod2.status == 405)
        #expect(wrongMethod2.headers["allow"] == "GET, HEAD")
        let notJSON = try client.request(
            "POST",
            "/v1/gradients",
            body: Array(apiExample.utf8),
            headers: [("Content-Type", "text/plain")]
        )
        #expect(notJSON.status == 415)
        #expect(notJSON.json["status"]?.double == 415)
        let charset = try client.request(
            "POST",
            "/v1/gradients",
            body: Array(apiExample.utf8),
            headers: [("Content-Type", "application/json; charset=utf-8")]
        )
        #expect(charset.status == 200)
        let big = try server.client().post("/v1/gradients", json: String(repeating: " ", count: 5000) + apiExample)
        #expect(big.status == 413)
        #expect(big.headers["content-type"] == "application/problem+json")
    }

    @Test("with a token configured, /v1/* needs it; health stays open")
    func auth() throws {
        let server = try LiveServer { service, _ in service.authToken = "s3cret" }
        let none = try server.post("/v1/gradients", apiExample)
        #expect(none.status == 401)
        #expect(none.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(
            try server.post("/v1/gradients", apiExample, headers: [("Authorization", "Bearer wrong")]).status == 401
        )
        #expect(
            try server.post("/v1/gradients", apiExample, headers: [("Authorization", "Bearer s3cret")]).status == 200
        )
        #expect(try server.client().request("GET", "/healthz").status == 200)
        #expect(try server.client().request("GET", "/metrics").status == 200, "metrics open by default")
        let locked = try LiveServer { service, _ in
            service.authToken = "s3cret"
            service.protectMetrics = true
        }
        #expect(try locked.client().request("GET", "/metrics").status == 401)
        #expect(
            try locked.client().request("GET", "/metrics", headers: [("Authorization", "Bearer s3cret")]).status == 200
        )
        #expect(try locked.client().request("GET", "/readyz").status == 200)
    }

    @Test("a bad request does not harm the good ones beside it")
    func badBesideGood() throws {
        let server = try LiveServer()
        let client = try server.client()
        for k in 0..<20 {
            let body = k % 2 == 0 ? apiExample : #"{"network": [}"#
            let reply = try client.post("/v1/gradients", json: body)
            #expect(reply.status == (k % 2 == 0 ? 200 : 400))
            if k % 2 == 0 { #expect(reply.json["loss"]?.double == 1.3107817592624795) }
        }
    }
}
