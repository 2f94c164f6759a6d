import Backprop
import Testing
import WireFormat

@testable import GradientService

/// `run` and `Computation`: every operation computed from an assembled request, counted once per
/// answer, and each way the math refuses (a deadline, an overflow) as a typed fault.
@Suite("Pipeline and Computation")
struct PipelineTests {
    let handler = GradientHandler.inProcess()

    /// The README's 2-3-1 example, assembled, with W^1 scaled by `scale`.
    func example<S: BLASScalar>(
        _ operation: Operation,
        scale: Double = 1,
        as: S.Type = Double.self
    ) throws
        -> GradientRequest<S>
    {
        var a = try RequestAssembler<S>(operation: operation, limits: ServiceLimits(), loss: .quadratic)
        try a.expectLayers(2)
        try a.checkWeights(rows: 3, columns: 2)
        try a.addLayer(
            weights: Matrix(rows: 3, columns: 2, storage: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map { S($0 * scale) }),
            biases: nil,
            activation: scale == 1 ? .sigmoid : .identity
        )
        try a.checkWeights(rows: 1, columns: 3)
        try a.addLayer(
            weights: Matrix(rows: 1, columns: 3, storage: [0.7, 0.8, 0.9]),
            biases: nil,
            activation: .identity
        )
        try a.setInputs(Matrix(rows: 2, columns: 2, storage: [1, 2, 3, 4]))
        try a.setTargets(Matrix(rows: 2, columns: 1, storage: [1, 0]))
        return try a.finish(options: RequestOptions(operation: operation))
    }

    func computations(_ operation: String, _ dtype: String) -> Double? {
        let text = String(decoding: handler.metrics.render(server: nil), as: UTF8.self)
        let series = #"backprop_computations_total{operation="\#(operation)",dtype="\#(dtype)"} "#
        return text.split(separator: "\n").first { $0.hasPrefix(series) }.flatMap { Double($0.dropFirst(series.count)) }
    }

    @Test("each operation's outcome, and one count per answer by operation and dtype")
    func outcomes() throws {
        guard case .gradients(let g) = try handler.run(.gradients, try example(.gradients), shouldStop: { false })
        else {
            Issue.record("not gradients")
            return
        }
        #expect(g.gradients.cost == 1.3107817592624795)
        guard case .forward(let f) = try handler.run(.forward, try example(.forward), shouldStop: { false })
        else {
            Issue.record("not forward")
            return
        }
        #expect(f.cost == g.gradients.cost)
        #expect(f.pass.output == g.pass.output)
        guard case .gradcheck(let checks) = try handler.run(.gradcheck, try example(.gradcheck), shouldStop: { false })
        else {
            Issue.record("not gradcheck")
            return
        }
        #expect(checks.count == 2 && checks.allSatisfy(\.passed))
        #expect(computations("gradients", "float64") == 1)
        #expect(computations("forward", "float64") == 1)
        #expect(computations("gradcheck", "float64") == 1)
    }

    @Test("a passed deadline is a timed-out fault before any math, and nothing is counted")
    func deadline() throws {
        #expect(throws: Fault(.network, .timedOut)) {
            _ = try handler.run(.gradients, try example(.gradients), shouldStop: { true })
        }
        #expect(computations("gradients", "float64") == nil)
    }

    @Test("gradcheck in float32 is a defect of the caller: an internal fault, not a crash")
    func gradcheckNeedsFloat64() throws {
        #expect(throws: Fault(.network, .internalError)) {
            _ = try handler.run(.gradcheck, try example(.gradcheck, as: Float.self), shouldStop: { false })
        }
    }

    @Test("overflow: the forward pass faults the network, the backward pass the layer, in the dtype")
    func overflow() throws {
        #expect(throws: Fault(.network, .forwardOverflow(dtype: .float32))) {
            _ = try handler.run(.forward, try example(.forward, scale: 1e38, as: Float.self), shouldStop: { false })
        }
        // Identity layers: the outputs stay finite in float64 while the cost's square does not.
        let big = try example(.gradients, scale: 1e200)
        #expect(throws: Fault.self) { _ = try handler.run(.gradients, big, shouldStop: { false }) }
        do {
            _ = try handler.run(.gradients, big, shouldStop: { false })
        } catch {
            #expect(
                error == Fault(.network, .forwardOverflow(dtype: .float64))
                    || error.reason == .gradientsOverflow(dtype: .float64)
            )
        }
    }
}
