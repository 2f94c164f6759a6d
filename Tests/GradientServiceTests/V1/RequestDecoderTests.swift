import Backprop
import HTTPServer
import Testing
import WireFormat

@testable import GradientService

/// The decoder on parsed documents, in process: options, defaults, each validator fault mapped to
/// its field, and the limits checked before tensors are allocated.
@Suite("RequestDecoder")
struct RequestDecoderTests {
    static let example = #"""
        {"network": {"layers": [
          {"weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "biases": [0, 0, 0], "activation": "sigmoid"},
          {"weights": [[0.7, 0.8, 0.9]], "activation": "identity"}]},
         "batch": {"inputs": [[1, 2], [3, 4]], "targets": [[1], [0]]}, "loss": "quadratic"}
        """#

    func parse(_ text: String) throws -> JSONValue {
        try Array(text.utf8).withUnsafeBytes { try JSONParser.parse($0) }
    }

    /// The problem decoding `text` as `operation` gives, or nil when it decodes.
    func problem(
        _ text: String,
        _ operation: Operation = .gradients,
        limits: ServiceLimits = ServiceLimits()
    ) throws
        -> Problem?
    {
        let root = try parse(text)
        let decoder = RequestDecoder(operation: operation, limits: limits)
        do {
            let options = try decoder.options(root)
            _ = try decoder.decode(root, options: options, as: Double.self)
            return nil
        } catch {
            return error
        }
    }

    /// The example with `old` replaced by `new` (exactly once).
    func example(replacing old: String, with new: String) -> String {
        precondition(Self.example.components(separatedBy: old).count == 2, "\(old) must occur once")
        return Self.example.replacingOccurrences(of: old, with: new)
    }

    @Test("the example decodes with the contract's defaults")
    func defaults() throws {
        let root = try parse(Self.example)
        let decoder = RequestDecoder(operation: .gradients, limits: ServiceLimits())
        let options = try decoder.options(root)
        #expect(options.dtype == .float64)
        #expect(options.reduction == .mean)
        #expect(options.encoding == .nested)
        #expect(options.include == [.delta, .weightGradient, .biasGradient])
        #expect(options.explain == false)
        let request = try decoder.decode(root, options: options, as: Double.self)
        #expect(request.network.layers.map(\.activation) == [.sigmoid, .identity])
        #expect(request.network.layers[1].biases == [0])
        #expect(request.inputs.shape == [2, 2])
        #expect(request.targets?.nested == [[1], [0]])
        #expect(request.loss == .quadratic)
        #expect(request.tolerances == GradcheckTolerances())
        #expect(try RequestDecoder(operation: .forward, limits: ServiceLimits()).options(root).include.isEmpty)
    }

    @Test(
        "every validator fault points at its field",
        arguments: [
            ("[[0.7, 0.8, 0.9]]", "[[0.7, 0.8]]", "/network/layers/1/weights", "so W^2 needs 3 columns"),
            (#""biases": [0, 0, 0]"#, #""biases": [0, 0]"#, "/network/layers/0/biases", "biases have 2 entries"),
            (
                #""activation": "sigmoid""#, #""activation": "softmax""#, "/network/layers/0/activation",
                "output layer only"
            ),
            ("[[1, 2], [3, 4]]", "[[1, 2, 3], [3, 4, 5]]", "/batch/inputs", "inputs have 3 columns"),
            ("[[1], [0]]", "[[1, 0], [0, 1]]", "/batch/targets", "targets have shape [2, 2]; expected [2, 1]"),
        ]
    )
    func faults(old: String, new: String, pointer: String, detail: String) throws {
        let p = try #require(try problem(example(replacing: old, with: new)))
        #expect(p.status == 422)
        #expect(p.pointer == pointer)
        #expect(p.detail.contains(detail), "\(p.detail)")
    }

    @Test("a loss that does not accept the output activation points at that activation")
    func lossAndOutput() throws {
        let tanh = example(replacing: #""activation": "identity""#, with: #""activation": "tanh""#)
        let p = try #require(try problem(tanh.replacingOccurrences(of: #""quadratic""#, with: #""cross_entropy""#)))
        #expect(p.pointer == "/network/layers/1/activation")
        #expect(p.detail == "cross_entropy needs a softmax or identity output layer, not tanh")
    }

    @Test("activation names, their alias and alpha")
    func activations() throws {
        let root = try parse(
            example(replacing: #""activation": "sigmoid""#, with: #""activation": "leaky_relu", "alpha": 0.2"#)
        )
        let decoder = RequestDecoder(operation: .gradients, limits: ServiceLimits())
        let request = try decoder.decode(root, options: try decoder.options(root), as: Float.self)
        #expect(request.network.layers[0].activation == .leakyReLU(alpha: 0.2))
        let linear = try parse(example(replacing: #""activation": "identity""#, with: #""activation": "linear""#))
        #expect(
            try decoder.decode(linear, options: try decoder.options(linear), as: Double.self).network.layers[1]
                .activation == .identity
        )
        let unknown = try #require(try problem(example(replacing: #""sigmoid""#, with: #""sigmod""#)))
        #expect(unknown.pointer == "/network/layers/0/activation")
        #expect(unknown.detail.hasSuffix(ActivationName.wireNames.joined(separator: ", ")))
        let alpha = try #require(
            try problem(example(replacing: #""activation": "sigmoid""#, with: #""activation": "relu", "alpha": 1"#))
        )
        #expect(alpha.pointer == "/network/layers/0/alpha")
    }

    @Test("limits are refused with 413 before the tensors they protect are kept")
    func limits() throws {
        var limits = ServiceLimits()
        limits.maxUnits = 2
        #expect(try problem(Self.example, limits: limits)?.status == 413)
        limits = ServiceLimits()
        limits.maxBatch = 1
        #expect(try problem(Self.example, limits: limits)?.pointer == "/batch/inputs")
        limits = ServiceLimits()
        limits.maxLayers = 1
        #expect(try problem(Self.example, limits: limits)?.pointer == "/network/layers")
        limits = ServiceLimits()
        limits.maxWork = 10
        #expect(try problem(Self.example, limits: limits)?.status == 413)
    }

    @Test("options per endpoint: unknown ones and gradcheck's float64 only")
    func options() throws {
        let withOptions = { (o: String) in
            Self.example.replacingOccurrences(
                of: #""loss": "quadratic""#,
                with: #""loss": "quadratic", "options": \#(o)"#
            )
        }
        #expect(try problem(withOptions(#"{"explain": true}"#), .forward)?.pointer == "/options/explain")
        #expect(try problem(withOptions(#"{"dtype": "float32"}"#), .gradcheck)?.pointer == "/options/dtype")
        #expect(try problem(withOptions(#"{"include": ["delta"]}"#), .forward)?.pointer == "/options/include/0")
        #expect(try problem(withOptions(#"{"encoding": "hex"}"#))?.pointer == "/options/encoding")
        #expect(try problem(withOptions(#"{"dtype": "float32", "encoding": "base64"}"#)) == nil)
    }
}
