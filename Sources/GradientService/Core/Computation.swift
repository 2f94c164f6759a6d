import Backprop
import WireFormat

/// The math of each operation on an assembled request, through `Backprop`, and the checks on what
/// it produced (an overflow is the request's fault). Every front end computes through here and
/// writes its answer from these typed results; nothing here writes JSON.
enum Computation {
    /// What `/v1/forward` computed: every Z^l and A^l, and the cost when targets were given.
    struct Forward<S: BLASScalar> {
        var pass: ForwardPass<S>
        var cost: S?
    }

    /// What `/v1/gradients` computed: the forward pass kept for the backward one, the gradients,
    /// and the explanation when asked for.
    struct Backward<S: BLASScalar> {
        var pass: ForwardPass<S>
        var gradients: Gradients<S>
        var explanation: [LayerExplanation]?
    }

    static func forward<S: BLASScalar>(_ r: GradientRequest<S>) throws(Fault) -> Forward<S> {
        let pass: ForwardPass<S>
        do {
            pass = try r.network.forward(r.inputs)
        } catch {
            throw Fault(error, in: r.network)
        }
        var cost: S?
        if let targets = r.targets, let loss = r.loss {
            cost = r.network.cost(pass, targets: targets, loss: loss, reduction: r.options.reduction)
        }
        try checkFinite(pass.output, cost)
        return Forward(pass: pass, cost: cost)
    }

    static func gradients<S: BLASScalar>(
        _ r: GradientRequest<S>,
        parallelism: Int,
        shouldStop: () -> Bool
    ) throws(Fault) -> Backward<S> {
        guard let targets = r.targets, let loss = r.loss else { throw Fault(.targets, .targetsRequired) }
        if shouldStop() { throw Fault(.network, .timedOut) }
        let pass: ForwardPass<S>
        let g: Gradients<S>
        do {
            (pass, g) = try r.network.gradients(
                inputs: r.inputs,
                targets: targets,
                loss: loss,
                reduction: r.options.reduction,
                inputGradient: r.options.include.contains(.inputGradient),
                parallelism: parallelism
            )
        } catch {
            throw Fault(error, in: r.network)
        }
        try checkFinite(pass.output, g.cost)
        for l in r.network.layers.indices {
            if !g.weightGradient[l].isFinite || !g.biasGradient[l].allSatisfy(\.isFinite) || !g.delta[l].isFinite {
                throw Fault(.layer(l), .gradientsOverflow(dtype: S.dtype))
            }
        }
        let explanation = r.options.explain ? r.network.explain(loss: loss, reduction: r.options.reduction) : nil
        return Backward(pass: pass, gradients: g, explanation: explanation)
    }

    static func gradcheck(_ r: GradientRequest<Double>, shouldStop: () -> Bool) throws(Fault) -> [LayerGradcheck] {
        guard let targets = r.targets, let loss = r.loss else { throw Fault(.targets, .targetsRequired) }
        do {
            return try r.network.gradcheck(
                inputs: r.inputs,
                targets: targets,
                loss: loss,
                reduction: r.options.reduction,
                tolerances: r.tolerances,
                shouldStop: shouldStop
            )
        } catch {
            throw Fault(error, in: r.network)
        }
    }

    private static func checkFinite<S: BLASScalar>(_ output: Matrix<S>, _ cost: S?) throws(Fault) {
        if !output.isFinite || !(cost?.isFinite ?? true) {
            throw Fault(.network, .forwardOverflow(dtype: S.dtype))
        }
    }
}
