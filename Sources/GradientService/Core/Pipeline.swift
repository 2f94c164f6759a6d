import Backprop
import Dispatch
import WireFormat

/// What one operation computed, for a front end to write its answer from.
enum Outcome<S: BLASScalar> {
    case forward(Computation.Forward<S>)
    case gradients(Computation.Backward<S>)
    case gradcheck([LayerGradcheck])
}

extension GradientHandler {
    /// Computes an assembled request: the one place every front end's requests are computed and
    /// counted. `shouldStop` is polled between steps (and inside gradcheck).
    func run<S: BLASScalar>(
        _ operation: Operation,
        _ request: GradientRequest<S>,
        shouldStop: @escaping () -> Bool,
        trace: TraceRecord? = nil
    ) throws(Fault) -> Outcome<S> {
        if let trace {
            trace.computeStarted = DispatchTime.now().uptimeNanoseconds
            trace.operation = operation.rawValue
            trace.layers = request.network.layers.count
            trace.batchSize = request.inputs.rows
            trace.dtype = S.dtype.rawValue
            trace.multiplyAdds = request.network.multiplyAddsPerSample &* request.inputs.rows
        }
        defer { trace?.computeEnded = DispatchTime.now().uptimeNanoseconds }
        if shouldStop() { throw Fault(.network, .timedOut) }
        let outcome: Outcome<S>
        switch operation {
        case .forward:
            outcome = .forward(try Computation.forward(request))
        case .gradients:
            outcome = .gradients(
                try Computation.gradients(request, parallelism: configuration.parallelism, shouldStop: shouldStop)
            )
        case .gradcheck:
            // Every assembler admits gradcheck in float64 only.
            guard let request = request as? GradientRequest<Double> else { throw Fault(.network, .internalError) }
            outcome = .gradcheck(try Computation.gradcheck(request, shouldStop: shouldStop))
        }
        metrics.recordComputation(operation: operation, dtype: S.dtype)
        return outcome
    }

    /// Whether `deadline` has passed: what long work polls.
    static func stopper(_ deadline: DispatchTime) -> () -> Bool { { DispatchTime.now() > deadline } }
}
