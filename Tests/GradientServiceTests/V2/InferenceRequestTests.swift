import Testing
import WireFormat

@testable import GradientService

/// An `infer` body read strictly into typed parts: every unknown name refused with what is
/// allowed, each parameter's type, inputs and outputs once each, binary sizes that add up, and the
/// names tritonclient sends accepted.
@Suite("InferenceRequest")
struct InferenceRequestTests {
    static func read(_ text: String, _ operation: Operation = .gradients, binary: Int = 0) throws -> InferenceRequest {
        let root = try Array(text.utf8).withUnsafeBytes { try JSONParser.parse($0) }
        return try InferenceRequest(root, operation: operation, binary: binary)
    }

    /// The detail of the 400 reading `text` gives (nil, recorded as an issue, when it is read).
    static func refusal(_ text: String, _ operation: Operation = .gradients, binary: Int = 0) -> String? {
        let root: JSONValue
        do {
            root = try Array(text.utf8).withUnsafeBytes { try JSONParser.parse($0) }
        } catch {
            Issue.record("not JSON (\(error)): \(text)")
            return nil
        }
        do {
            _ = try InferenceRequest(root, operation: operation, binary: binary)
            Issue.record("accepted: \(text)")
            return nil
        } catch {
            #expect(error.status == 400)
            #expect(error.kind == "bad-request")
            return error.detail
        }
    }

    static let w1 = #"{"name": "W1", "datatype": "FP64", "shape": [1, 2], "data": [1, 2]}"#

    /// A request of W1 with `members` added at the root (each a `"key": value` text).
    static func request(_ members: String...) -> String {
        (["\"inputs\": [\(w1)]"] + members).joined(separator: ", ").wrapped
    }

    static let gradientsParameters = "activations, binary_data_output, include, loss, priority, reduction, timeout"
    static let gradcheckParameters =
        "activations, atol, binary_data_output, epsilon, loss, priority, reduction, rtol, timeout"

    // MARK: - Unknown names

    @Test("an unknown member of the request is refused with the members allowed")
    func unknownMember() throws {
        #expect(
            Self.refusal(Self.request(#""input": []"#))
                == #"unknown member "input" in the request; allowed: id, parameters, inputs, outputs"#
        )
    }

    @Test("an unknown parameter is refused with the model's parameters", arguments: Operation.allCases)
    func unknownParameter(_ operation: Operation) throws {
        let allowed =
            switch operation {
            case .gradients, .forward: Self.gradientsParameters
            case .gradcheck: Self.gradcheckParameters
            }
        #expect(
            Self.refusal(Self.request(#""parameters": {"activation": "relu"}"#), operation)
                == #"unknown parameter "activation"; model \#(operation.wireName) takes: \#(allowed)"#
        )
    }

    @Test(
        "a gradcheck parameter given to another model says it is gradcheck's",
        arguments: [Operation.gradients, .forward],
        ["epsilon", "atol", "rtol"]
    )
    func gradcheckOnly(_ operation: Operation, _ name: String) throws {
        #expect(
            Self.refusal(Self.request(#""parameters": {"\#(name)": 0.1}"#), operation)
                == "parameter \(name) belongs to model gradcheck; model \(operation.wireName) takes: \(Self.gradientsParameters)"
        )
    }

    @Test("an unknown member of an input is refused with the input's members")
    func unknownInputMember() throws {
        let input = #"{"name": "W1", "datatype": "FP64", "shape": [1], "data": [1], "contents": {}}"#
        #expect(
            Self.refusal(#"{"inputs": [\#(input)]}"#)
                == #"unknown member "contents" in input W1; allowed: name, datatype, shape, parameters, data"#
        )
    }

    @Test("an unknown parameter of an input is refused; binary_data_size is the one allowed")
    func unknownInputParameter() throws {
        let input = #"{"name": "b1", "datatype": "FP64", "shape": [1], "parameters": {"shared_memory_region": "r"}}"#
        #expect(
            Self.refusal(#"{"inputs": [\#(input)]}"#)
                == #"unknown member "shared_memory_region" in the parameters of input b1; allowed: binary_data_size"#
        )
    }

    @Test("an unknown member of an output is refused with the output's members")
    func unknownOutputMember() throws {
        #expect(
            Self.refusal(Self.request(#""outputs": [{"name": "loss", "binary_data": true}]"#))
                == #"unknown member "binary_data" in output loss; allowed: name, parameters"#
        )
    }

    @Test("an unknown parameter of an output is refused; binary_data is the one allowed")
    func unknownOutputParameter() throws {
        #expect(
            Self.refusal(Self.request(#""outputs": [{"name": "loss", "parameters": {"classification": 2}}]"#))
                == #"unknown member "classification" in the parameters of output loss; allowed: binary_data"#
        )
    }

    // MARK: - Parameter types

    static let badParameters: [(String, Operation, String)] = [
        (#""activations": 1"#, .gradients, "parameter activations must be a string, got 1"),
        (#""loss": true"#, .gradients, "parameter loss must be a string, got boolean"),
        (#""reduction": null"#, .forward, "parameter reduction must be a string, got null"),
        (#""include": ["delta"]"#, .gradients, "parameter include must be a string, got array"),
        (
            #""binary_data_output": "true""#, .gradients,
            #"parameter binary_data_output must be true or false, got "true""#
        ),
        (#""binary_data_output": 1"#, .gradients, "parameter binary_data_output must be true or false, got 1"),
        (#""epsilon": "small""#, .gradcheck, #"parameter epsilon must be a number, got "small""#),
        (#""atol": false"#, .gradcheck, "parameter atol must be a number, got boolean"),
        (#""rtol": {}"#, .gradcheck, "parameter rtol must be a number, got object"),
        (#""timeout": -1"#, .gradients, "parameter timeout must be a non-negative integer, got -1"),
        (#""timeout": 1.5"#, .gradients, "parameter timeout must be a non-negative integer, got 1.5"),
        (#""timeout": "100""#, .gradients, #"parameter timeout must be a non-negative integer, got "100""#),
        (#""priority": -2"#, .forward, "parameter priority must be a non-negative integer, got -2"),
    ]

    @Test("each parameter must have its type", arguments: badParameters)
    func parameterType(_ parameter: String, _ operation: Operation, _ detail: String) throws {
        #expect(Self.refusal(Self.request(#""parameters": {\#(parameter)}"#), operation) == detail)
    }

    @Test("parameters of the right types are read, numbers also from strings")
    func parameters() throws {
        let gradients = try Self.read(
            Self.request(
                #""parameters": {"activations": "relu,softmax", "loss": "cross_entropy", "reduction": "sum", "include": "delta", "binary_data_output": true, "timeout": 250, "priority": 0}"#
            )
        )
        #expect(gradients.parameters.activations == "relu,softmax")
        #expect(gradients.parameters.loss == "cross_entropy")
        #expect(gradients.parameters.reduction == "sum")
        #expect(gradients.parameters.include == "delta")
        #expect(gradients.parameters.binaryDataOutput)
        #expect(gradients.parameters.timeout == 250)

        let gradcheck = try Self.read(
            Self.request(#""parameters": {"epsilon": "1e-4", "atol": 0, "rtol": 0.25}"#),
            .gradcheck
        )
        #expect(gradcheck.parameters.epsilon == 1e-4)
        #expect(gradcheck.parameters.atol == 0)
        #expect(gradcheck.parameters.rtol == 0.25)
        #expect(!gradcheck.parameters.binaryDataOutput)
        #expect(gradcheck.parameters.timeout == nil)
    }

    // MARK: - Inputs and outputs

    @Test("an input given twice is refused")
    func duplicateInput() throws {
        #expect(
            Self.refusal(#"{"inputs": [\#(Self.w1), \#(Self.w1)]}"#) == "input W1 is given twice; each input once"
        )
    }

    @Test("an output asked for twice is refused")
    func duplicateOutput() throws {
        #expect(
            Self.refusal(Self.request(#""outputs": [{"name": "loss"}, {"name": "delta1"}, {"name": "loss"}]"#))
                == "output loss is asked for twice; each output once"
        )
    }

    @Test("outputs are kept in the order asked, with their binary choice; none asked is nil")
    func outputs() throws {
        let asked = try Self.read(
            Self.request(
                #""outputs": [{"name": "delta2"}, {"name": "loss", "parameters": {"binary_data": true}}, {"name": "x", "parameters": {"binary_data": false}}]"#
            )
        )
        #expect(asked.outputs?.map(\.name) == ["delta2", "loss", "x"])
        #expect(asked.outputs?.map(\.binary) == [nil, true, false])
        #expect(try Self.read(Self.request()).outputs == nil)
        #expect(
            Self.refusal(Self.request(#""outputs": [{"name": "loss", "parameters": {"binary_data": 1}}]"#))
                == "output loss: binary_data must be true or false, got 1"
        )
    }

    /// Three inputs: two in bytes after the JSON part (16 and 8 bytes), one as JSON between them.
    static let mixed = #"""
        {"inputs": [
          {"name": "W1", "datatype": "FP64", "shape": [1, 2], "parameters": {"binary_data_size": 16}},
          {"name": "b1", "datatype": "FP64", "shape": [1], "data": [0.5]},
          {"name": "inputs", "datatype": "FP32", "shape": [1, 2], "parameters": {"binary_data_size": 8}}]}
        """#

    @Test("binary inputs take consecutive byte ranges in the order given")
    func binaryOffsets() throws {
        let request = try Self.read(Self.mixed, binary: 24)
        #expect(request.inputs.map(\.name) == ["W1", "b1", "inputs"])
        #expect(request.inputs.map(\.bytes) == [0..<16, nil, 16..<24])
        #expect(request.inputs[1].data?.arrayElements?.count == 1)
        #expect(request.inputs[0].data == nil)
        #expect(request.inputs.map(\.datatype) == [.fp64, .fp64, .fp32])
        #expect(request.inputs.map(\.shape) == [[1, 2], [1], [1, 2]])
    }

    @Test("the binary sizes must add up to the bytes after the JSON part", arguments: [0, 23, 25])
    func binarySum(_ bytes: Int) throws {
        #expect(
            Self.refusal(Self.mixed, binary: bytes)
                == "the inputs' binary_data_size add up to 24 bytes, but \(bytes) follow the JSON part"
        )
    }

    @Test("bytes after a request with no binary inputs are refused")
    func unexpectedBytes() throws {
        #expect(
            Self.refusal(Self.request(), binary: 4)
                == "the inputs' binary_data_size add up to 0 bytes, but 4 follow the JSON part"
        )
    }

    static let badSizes: [(String, String)] = [
        (
            #"{"binary_data_size": -1}, "data": [1]"#,
            #"input b1: binary_data_size must be a non-negative integer, got -1"#
        ),
        (#"{"binary_data_size": 1.5}"#, "input b1: binary_data_size must be a non-negative integer, got 1.5"),
        (#"{"binary_data_size": "8"}"#, #"input b1: binary_data_size must be a non-negative integer, got "8""#),
        (#"{"binary_data_size": 8}, "data": [1]"#, #"input b1 has both "data" and binary_data_size; give one"#),
        ("{}", #"input b1 needs "data" or parameters.binary_data_size"#),
    ]

    @Test("binary_data_size is a byte count, given instead of data", arguments: badSizes)
    func binarySize(_ parameters: String, _ detail: String) throws {
        let input = #"{"name": "b1", "datatype": "FP64", "shape": [1], "parameters": \#(parameters)}"#
        #expect(Self.refusal(#"{"inputs": [\#(input)]}"#, binary: 8) == detail)
    }

    @Test("a shape dimension must be a positive integer", arguments: ["0", "-1", "2.5", #""3""#, "1e16", "null"])
    func dimension(_ dimension: String) throws {
        let input = #"{"name": "W1", "datatype": "FP64", "shape": [1, \#(dimension)], "data": [1]}"#
        let got = dimension == "1e16" ? "1e+16" : dimension
        let detail = Self.refusal(#"{"inputs": [\#(input)]}"#)
        #expect(detail == "input W1 has shape dimension \(got); dimensions must be positive integers")
    }

    @Test(
        "datatypes are the four this server reads; BOOL and unknown ones are refused",
        arguments: ["BOOL", "FP16", "fp32"]
    )
    func datatype(_ datatype: String) throws {
        let input = #"{"name": "W1", "datatype": "\#(datatype)", "shape": [1], "data": [1]}"#
        #expect(
            Self.refusal(#"{"inputs": [\#(input)]}"#)
                == #"input W1 has datatype "\#(datatype)"; this server reads FP32, FP64, INT32 and INT64"#
        )
    }

    // MARK: - tritonclient

    /// A body as tritonclient's HTTP client writes it: `binary_data_output`, a per-input
    /// `binary_data_size`, per-output `binary_data`, `priority` and `timeout`.
    static let tritonclient = #"""
        {"id": "42", "parameters": {"binary_data_output": true, "priority": 1, "timeout": 5000000},
         "inputs": [
          {"name": "W1", "shape": [1, 2], "datatype": "FP64", "parameters": {"binary_data_size": 16}},
          {"name": "inputs", "shape": [1, 2], "datatype": "FP64", "data": [1.0, 2.0]},
          {"name": "targets", "shape": [1, 1], "datatype": "FP64", "parameters": {"binary_data_size": 8}}],
         "outputs": [{"name": "loss", "parameters": {"binary_data": false}},
                     {"name": "delta1", "parameters": {"binary_data": true}}]}
        """#

    @Test("the names tritonclient sends are accepted and read", arguments: Operation.allCases)
    func tritonclientNames(_ operation: Operation) throws {
        let request = try Self.read(Self.tritonclient, operation, binary: 24)
        #expect(request.id == "42")
        #expect(request.parameters.binaryDataOutput)
        #expect(request.parameters.timeout == 5_000_000)
        #expect(request.inputs.map(\.name) == ["W1", "inputs", "targets"])
        #expect(request.inputs.map(\.bytes) == [0..<16, nil, 16..<24])
        #expect(request.outputs?.map(\.name) == ["loss", "delta1"])
        #expect(request.outputs?.map(\.binary) == [false, true])
    }

    @Test("an id must be a string")
    func id() throws {
        #expect(Self.refusal(Self.request(#""id": 42"#)) == #""id" must be a string, got number"#)
    }
}

extension String {
    /// The text in braces: a JSON object of these members.
    fileprivate var wrapped: String { "{\(self)}" }
}
