import Backprop
import Testing
import WireFormat

@testable import GradientService

/// Which outputs an answer carries: each model's defaults in order, what `include` and requested
/// outputs add, and the refusals made before anything is computed.
@Suite("V2Selection")
struct V2SelectionTests {
    let handler = GradientHandler.inProcess()

    static func request(_ parameters: String, outputs: String = "", targets: Bool = true) -> String {
        let t = targets ? #", {"name": "targets", "datatype": "FP64", "shape": [2, 1], "data": [1, 0]}"# : ""
        return #"""
            {"inputs": [{"name": "W1", "datatype": "FP64", "shape": [3, 2], "data": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]},
             {"name": "W2", "datatype": "FP64", "shape": [1, 3], "data": [0.7, 0.8, 0.9]},
             {"name": "inputs", "datatype": "FP64", "shape": [2, 2], "data": [1, 2, 3, 4]}\#(t)],
             "parameters": {\#(parameters)}\#(outputs)}
            """#
    }

    func parse(_ text: String, _ operation: Operation) throws -> InferenceRequest {
        try InferenceRequest(
            Array(text.utf8).withUnsafeBytes { try JSONParser.parse($0) },
            operation: operation,
            binary: 0
        )
    }

    /// The names of the outputs `text` gets from `operation`'s model.
    func names(_ text: String, _ operation: Operation) throws -> [String] {
        let request = try parse(text, operation)
        let hasTargets = request.inputs.contains { $0.name == "targets" } && request.parameters.loss != nil
        let selection = try V2Selection(request, operation: operation, depth: 2, hasTargets: hasTargets)
        let assembly = try V2Assembly(
            request,
            operation: operation,
            limits: ServiceLimits(),
            tail: .init(start: nil, count: 0),
            owner: nil
        )
        var options = RequestOptions(operation: operation)
        options.include = selection.include
        let assembled = try assembly.assemble(options: options, as: Double.self)
        return selection.select(try handler.run(operation, assembled, shouldStop: { false })).map(\.output.name)
    }

    @Test("each model's default outputs, in the order the answer lists them")
    func defaults() throws {
        let loss = #""activations": "sigmoid,identity", "loss": "quadratic""#
        #expect(
            try names(Self.request(loss), .gradients) == [
                "loss", "delta1", "weightGradient1", "biasGradient1", "delta2", "weightGradient2", "biasGradient2",
            ]
        )
        #expect(
            try names(Self.request(loss + #", "include": "activation,inputGradient""#), .gradients) == [
                "loss", "activation1", "activation2", "inputGradient",
            ]
        )
        #expect(
            try names(Self.request(#""activations": "sigmoid,identity""#, targets: false), .forward) == ["activation2"]
        )
        #expect(try names(Self.request(loss), .forward) == ["loss", "activation2"])
        #expect(
            try names(Self.request(loss + #", "include": "preactivation,activation""#), .forward) == [
                "loss", "activation2", "preactivation1", "activation1", "preactivation2",
            ]
        )
        #expect(
            try names(Self.request(loss), .gradcheck) == [
                "passed", "weightsMaxAbsError1", "weightsMaxRelError1", "biasesMaxAbsError1", "biasesMaxRelError1",
                "passed1", "weightsMaxAbsError2", "weightsMaxRelError2", "biasesMaxAbsError2", "biasesMaxRelError2",
                "passed2",
            ]
        )
    }

    @Test("an output asked for by name is computed, whatever include says, in the order asked")
    func requestedOutputsAreComputed() throws {
        let text = Self.request(
            #""activations": "sigmoid,identity", "loss": "quadratic", "include": "delta""#,
            outputs: #", "outputs": [{"name": "inputGradient"}, {"name": "preactivation2"}, {"name": "loss"}]"#
        )
        let selection = try V2Selection(try parse(text, .gradients), operation: .gradients, depth: 2, hasTargets: true)
        #expect(selection.include == [.delta, .inputGradient, .preactivation])
        #expect(try names(text, .gradients) == ["inputGradient", "preactivation2", "loss"])
    }

    @Test(
        "refused before computing: an unknown quantity, one the model lacks, an output without its inputs",
        arguments: [
            (
                #""loss": "quadratic", "include": "deltas""#, "", Operation.gradients, 422,
                "parameter include names \"deltas\"; model gradients includes \"delta\", \"weightGradient\", \"biasGradient\", \"preactivation\", \"activation\" or \"inputGradient\""
            ),
            (
                #""include": "delta""#, "", .forward, 422,
                "parameter include names \"delta\"; model forward includes \"preactivation\" or \"activation\""
            ),
            (
                "", #", "outputs": [{"name": "loss"}]"#, .forward, 400,
                "output loss needs the input targets (or labels) and parameter loss"
            ),
            (
                #""loss": "quadratic""#, #", "outputs": [{"name": "passed1"}]"#, .gradients, 400,
                "unknown output \"passed1\" for model gradients; its outputs are loss, delta{l}, weightGradient{l}, biasGradient{l}, preactivation{l}, activation{l} (l = 1…L) and inputGradient"
            ),
        ]
    )
    func refused(parameters: String, outputs: String, operation: Operation, status: Int, message: String) throws {
        let request = try parse(Self.request(parameters, outputs: outputs, targets: false), operation)
        #expect(throws: Problem.self) {
            _ = try V2Selection(request, operation: operation, depth: 2, hasTargets: false)
        }
        do {
            _ = try V2Selection(request, operation: operation, depth: 2, hasTargets: false)
        } catch {
            #expect(error.status == status)
            #expect(error.detail == message)
        }
    }
}
