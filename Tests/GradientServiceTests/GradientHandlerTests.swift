import Testing

@testable import GradientService
@testable import HTTPServer

/// What the handler does with a request's body: let go of it once decoded, so a large body is not
/// held while the request computes, unless binary tensors are used in place from it.
@Suite("GradientHandler")
struct GradientHandlerTests {
    let handler = GradientHandler.inProcess()

    func body(_ bytes: [UInt8], alignedOffset: Int = 0) -> RequestBody {
        let body = RequestBody(capacity: bytes.count, alignedOffset: alignedOffset)
        bytes.withUnsafeBytes { body.append($0.baseAddress!, count: $0.count, limit: .max) }
        return body
    }

    @Test("a JSON body is freed after decoding, before the math runs")
    func jsonBodyFreedBeforeMath() throws {
        var given: RequestBody? = body(Array(apiExample.utf8))
        weak let probe = given
        nonisolated(unsafe) var heldDuringMath: Bool?
        let encoded = try handler.compute(.gradients, body: given.take()!) {
            heldDuringMath = probe != nil
            return false
        }
        #expect(heldDuringMath == false)
        #expect(String(decoding: encoded.json, as: UTF8.self).hasPrefix(#"{"loss":1.3107817592624795,"#))
    }

    @Test("binary tensors used in place keep the body alive through the math, and no longer")
    func binaryBodyHeldByViews() throws {
        // The README example with the inputs as a float64 binary tensor placed on a 64-byte boundary.
        let json = apiExample.replacingOccurrences(
            of: #""inputs": [[1, 2], [3, 4]]"#,
            with: #""inputs": {"shape": [2, 2], "dtype": "float64", "binaryDataSize": 32}"#
        )
        var bytes = Array(json.utf8)
        for v in [1.0, 2, 3, 4] { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        var given: RequestBody? = body(bytes, alignedOffset: json.utf8.count)
        weak let probe = given
        nonisolated(unsafe) var heldDuringMath: Bool?
        let encoded = try handler.compute(.gradients, body: given.take()!, format: .binary(jsonLength: json.utf8.count))
        {
            heldDuringMath = probe != nil
            return false
        }
        #expect(heldDuringMath == true, "the inputs are a view of the body")
        #expect(probe == nil, "and the body is freed with the last view")
        #expect(String(decoding: encoded.json, as: UTF8.self).hasPrefix(#"{"loss":1.3107817592624795,"#))
    }

    /// The problem `text` gets from /v1/`operation`, or nil when it is answered.
    func problem(_ text: String, _ operation: Operation = .gradients) -> Problem? {
        do {
            _ = try Array(text.utf8).withUnsafeBytes { try handler.compute(operation, bytes: $0) }
            return nil
        } catch let error as Problem {
            return error
        } catch {
            return nil
        }
    }

    func example(_ old: String, _ new: String) -> String {
        precondition(apiExample.contains(old), old)
        return apiExample.replacingOccurrences(of: old, with: new)
    }

    @Test("malformed JSON says what and where: line, column and byte")
    func whereMalformed() throws {
        let p = try #require(problem(example(#""targets": [[1], [0]]"#, #""targets": [[1], [0],]"#)))
        #expect(p.status == 400)
        #expect(p.detail.hasPrefix("trailing comma before ']' at line 5, column "), "\(p.detail)")
        #expect(p.detail.contains("(byte "))
    }

    @Test("a number too large for float64 is 422 at its element, wherever it is")
    func hugeNumbers() throws {
        let cases = [
            (example("[[1, 2], [3, 4]]", "[[1, 2], [3, 1e999]]"), "/batch/inputs/1/1"),
            (example(#""biases": [0, 0, 0]"#, #""biases": [0, -1e400, 0]"#), "/network/layers/0/biases/1"),
            (example(#""activation": "sigmoid""#, #""activation": "elu", "alpha": 1e999"#), "/network/layers/0/alpha"),
        ]
        for (body, pointer) in cases {
            let p = try #require(problem(body))
            #expect(p.status == 422, "\(pointer): \(p.detail)")
            #expect(p.pointer == pointer, "\(p.detail)")
        }
        let eps = try #require(
            problem(example(#""loss": "quadratic""#, #""loss": "quadratic", "epsilon": 1e999"#), .gradcheck)
        )
        #expect(eps.status == 422 && eps.pointer == "/epsilon")
    }

    @Test("a flat array where a matrix goes: the hint names shapes that work")
    func flatForMatrix() throws {
        let p = try #require(problem(example("[[1], [0]]", "[1, 0]")))
        #expect(p.pointer == "/batch/targets")
        #expect(p.detail.contains("[[1], [0]] for 2 rows of one column"), "\(p.detail)")
        #expect(p.detail.contains("[[1, 0]] for one row of 2 columns"), "\(p.detail)")
    }

    @Test("unknown names are echoed with what is allowed; counts read right")
    func names() throws {
        let root = try #require(problem(example(#""loss": "quadratic""#, #""loss": "quadratic", "option": {}"#)))
        #expect(root.detail == #"unknown field "option"; allowed: batch, loss, network, options"#)
        let eps = try #require(problem(example(#""loss": "quadratic""#, #""loss": "quadratic", "epsilon": 0.1"#)))
        #expect(eps.detail == "epsilon belongs to /v1/gradcheck; allowed here: batch, loss, network, options")
        let layer = try #require(problem(example(#""biases": [0, 0, 0]"#, #""bias": [0, 0, 0]"#)))
        #expect(layer.detail == #"unknown layer field "bias"; allowed: activation, alpha, biases, weights"#)
        let batch = try #require(problem(example(#""targets""#, #""target""#)))
        #expect(batch.detail == #"unknown batch field "target"; allowed: inputs, labels, targets"#)
        let loss = try #require(problem(example(#""quadratic""#, #""hinge""#)))
        #expect(loss.detail.hasPrefix(#"unknown loss "hinge"; expected one of quadratic"#))
        let reduction = try #require(
            problem(example(#""loss": "quadratic""#, #""loss": "quadratic", "options": {"reduction": "avg"}"#))
        )
        #expect(reduction.detail == #"reduction must be "mean" or "sum", got "avg""#)
        let encoding = try #require(
            problem(example(#""loss": "quadratic""#, #""loss": "quadratic", "options": {"encoding": 3}"#))
        )
        #expect(encoding.detail == #"encoding must be "nested", "flat", "base64" or "binary", got 3"#)
        let oneUnit = try #require(problem(example("[[0.7, 0.8, 0.9]]", "[[0.7]]")))
        #expect(oneUnit.detail.contains("has 3 units, so W^2 needs 3 columns"), "\(oneUnit.detail)")
        let width = try #require(problem(example("[[1, 2], [3, 4]]", "[[1], [3]]")))
        #expect(width.detail.hasPrefix("inputs have 1 column;"), "\(width.detail)")
    }

    @Test("labels out of range say which indices are classes")
    func labels() throws {
        let softmax = example(#""activation": "identity""#, #""activation": "softmax""#)
            .replacingOccurrences(of: "[[0.7, 0.8, 0.9]]", with: "[[0.7, 0.8, 0.9], [0.1, 0.2, 0.3]]")
            .replacingOccurrences(of: #""quadratic""#, with: #""cross_entropy""#)
        let p = try #require(
            problem(softmax.replacingOccurrences(of: #""targets": [[1], [0]]"#, with: #""labels": [1, 2]"#))
        )
        #expect(p.pointer == "/batch/labels/1")
        #expect(p.detail == "label 2 is not a class index: expected 0 or 1")
    }

    @Test("include without per-layer quantities writes no layer objects")
    func noEmptyLayers() throws {
        let body = example(#""loss": "quadratic""#, #""loss": "quadratic", "options": {"include": ["inputGradient"]}"#)
        let json = try Array(body.utf8).withUnsafeBytes { try handler.compute(.gradients, bytes: $0).json }
        let text = String(decoding: json, as: UTF8.self)
        #expect(!text.contains(#""layers""#), "\(text)")
        #expect(text.contains(#""inputGradient":[["#))
    }
}
