import Backprop
import Testing
import WireFormat

@testable import GradientService

/// Inputs into typed parts: the datatypes, labels of either width, JSON data converted as `/v1`
/// converts it, non-finite elements named by input, and the checks on names before any tensor.
@Suite("V2Assembly")
struct V2AssemblyTests {
    func assembly(_ text: String, _ operation: Operation = .gradients, tail: [UInt8] = []) throws -> V2Assembly {
        let root = try Array(text.utf8).withUnsafeBytes { try JSONParser.parse($0) }
        let request = try InferenceRequest(root, operation: operation, binary: tail.count)
        return try tail.withUnsafeBytes {
            try V2Assembly(request, operation: operation, limits: ServiceLimits(), tail: $0, owner: nil)
        }
    }

    static let network = #"""
        {"name": "W1", "datatype": "FP32", "shape": [2, 2], "data": [0.1, 0.2, 0.3, 1e-46]},
        {"name": "inputs", "datatype": "FP32", "shape": [2, 2], "data": [[1, 2], [3, 4]]}
        """#

    @Test("FP32 JSON data is each number as a double, then float32: as a nested /v1 tensor")
    func jsonConversion() throws {
        let assembly = try assembly(
            #"{"inputs": [\#(Self.network)], "parameters": {"activations": "identity"}}"#,
            .forward
        )
        #expect(assembly.datatype == .fp32)
        let request = try assembly.assemble(options: RequestOptions(operation: .forward), as: Float.self)
        #expect(request.network.layers[0].weights.storage == [Float(0.1), Float(0.2), Float(0.3), Float(1e-46)])
        #expect(request.inputs.storage == [1, 2, 3, 4])
    }

    @Test("INT32 and INT64 binary labels become one-hot targets")
    func binaryLabels() throws {
        for (datatype, bytes) in [
            ("INT32", [Int32(1), 0].flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }),
            ("INT64", [Int64(1), 0].flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }),
        ] {
            let text = #"""
                {"inputs": [\#(Self.network),
                 {"name": "labels", "datatype": "\#(datatype)", "shape": [2], "parameters": {"binary_data_size": \#(bytes.count)}}],
                 "parameters": {"activations": "softmax", "loss": "cross_entropy"}}
                """#
            let request = try assembly(text, tail: bytes).assemble(
                options: RequestOptions(operation: .gradients),
                as: Float.self
            )
            #expect(request.targets?.storage == [0, 1, 1, 0], "\(datatype)")
        }
    }

    @Test("a non-finite element is named by its input and index; FP32 overflow counts")
    func notFinite() throws {
        let text =
            #"{"inputs": [\#(Self.network.replacingOccurrences(of: "[[1, 2], [3, 4]]", with: "[1, 2, 3, 1e39]"))]}"#
        #expect(throws: Problem.self) {
            _ = try assembly(text, .forward).assemble(options: RequestOptions(operation: .forward), as: Float.self)
        }
        do {
            _ = try assembly(text, .forward).assemble(options: RequestOptions(operation: .forward), as: Float.self)
        } catch let problem as Problem {
            #expect(problem.status == 422)
            #expect(problem.detail == "input inputs: element 3 is not finite (NaN, infinity, or overflows FP32)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test(
        "names and datatypes are checked before any tensor",
        arguments: [
            (
                #"{"name": "inputs", "datatype": "FP64", "shape": [1, 1], "data": [1]}"#, Operation.forward,
                "the request needs the weights of layer 1 as input W1"
            ),
            (
                #"{"name": "W1", "datatype": "FP64", "shape": [1, 1], "data": [1]}"#, .forward,
                "the request needs the input \"inputs\""
            ),
            (
                #"{"name": "W1", "datatype": "FP32", "shape": [1, 1], "data": [1]}, {"name": "inputs", "datatype": "FP32", "shape": [1, 1], "data": [1]}"#,
                .gradcheck, "model gradcheck computes in FP64 (finite differences need it); send FP64 inputs"
            ),
            (
                #"{"name": "W1", "datatype": "FP64", "shape": [1, 1], "data": [1]}, {"name": "inputs", "datatype": "FP64", "shape": [1, 1], "data": [1]}, {"name": "labels", "datatype": "FP64", "shape": [1], "data": [0]}"#,
                .gradients, "input labels has datatype FP64; it must be INT32 or INT64"
            ),
        ]
    )
    func namesFirst(inputs: String, operation: Operation, message: String) {
        do {
            _ = try assembly(#"{"inputs": [\#(inputs)]}"#, operation)
            Issue.record("assembled")
        } catch let problem as Problem {
            #expect(problem.status == 400)
            #expect(problem.detail == message)
        } catch {
            Issue.record("\(error)")
        }
    }
}
