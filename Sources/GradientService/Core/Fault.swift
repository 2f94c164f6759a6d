import Backprop
import WireFormat

/// Why a request cannot be built or computed, in the computation's terms: *where* as a typed
/// field and *what* as data, so each front end says it in its own words (`/v1` as a JSON Pointer
/// and a sentence, `/v2` as the input or parameter name and a sentence). Nothing here is text.
struct Fault: Error, Equatable, Sendable {
    var field: Field
    var reason: Reason

    init(_ field: Field, _ reason: Reason) {
        self.field = field
        self.reason = reason
    }

    /// A part of a request. Layers are counted from 0, as in a list of layers (the article's
    /// layer l is index l − 1).
    enum Field: Equatable, Sendable {
        /// The network as a whole (an overflow of the forward pass, gradcheck's size).
        case network
        /// The list of layers (how many there are).
        case layers
        /// Layer `l` as a whole (the parameters up to it).
        case layer(Int)
        case weights(Int)
        case biases(Int)
        case activation(Int)
        case inputs
        case targets
        case labels
        /// The label of sample `i`.
        case label(Int)
        case loss
        /// A setting of the computation by its `/v1` option or root name (`epsilon`, `atol`, `rtol`).
        case setting(String)
    }

    enum Reason: Equatable, Sendable {
        /// A fault `Network`'s validator found (shapes, softmax's place, the loss's output layer).
        case network(NetworkError)
        /// The inputs' width is not n_0 (the first layer has `units` rows).
        case inputWidth(expected: Int, actual: Int, units: Int)
        case tooManyLayers(count: Int, limit: Int)
        /// W^l has more rows than `--max-units` allows.
        case tooManyUnits(count: Int, limit: Int)
        /// W^1 has more columns than `--max-units` allows.
        case tooManyInputs(count: Int, limit: Int)
        case tooManyParameters(limit: Int)
        case batchTooLarge(count: Int, limit: Int)
        /// One tensor declares more elements than allowed (found before allocating).
        case tooManyElements(count: Int, limit: Int)
        /// The estimated multiply-adds of forward + backward exceed the work limit.
        case tooMuchWork(estimate: Int, limit: Int)
        case gradcheckTooLarge(parameters: Int, limit: Int)
        /// Element `element` (row-major) is NaN or infinite, or overflows `dtype`.
        case notFinite(element: Int, dtype: DType)
        case lossRequired
        case targetsRequired
        /// Targets were given to the forward pass without a loss to compare them with.
        case lossRequiredForTargets
        case targetsAndLabels
        case labelsNeedCrossEntropy
        case labelCount(labels: Int, batch: Int)
        case notAClassIndex(value: Double, outputs: Int)
        /// A tolerance or step that must be positive (or, with `allowZero`, non-negative).
        case notPositive(allowZero: Bool)
        /// The forward pass's outputs or loss are not finite in `dtype`.
        case forwardOverflow(dtype: DType)
        /// Layer `field`'s gradients are not finite in `dtype`.
        case gradientsOverflow(dtype: DType)
        /// The request's deadline passed.
        case timedOut
        /// A defect of the server's (answered 500 without internals, and logged).
        case internalError
    }

    /// The HTTP status every front end answers with (gRPC maps from it).
    var status: Int {
        switch reason {
        case .tooManyLayers, .tooManyUnits, .tooManyInputs, .tooManyParameters, .batchTooLarge, .tooManyElements,
            .tooMuchWork:
            413
        case .timedOut: 503
        case .internalError: 500
        default: 422
        }
    }
}

extension Fault {
    /// A validator fault at the field it names; `network` is the request's (for the widths a
    /// sentence quotes).
    init<S: BLASScalar>(_ error: NetworkError, in network: Network<S>) {
        let layerCount = network.layers.count
        let field: Field =
            switch error {
            case .noLayers: .layers
            case .weightsDoNotMatchPreviousLayer(let l, _, _, _): .weights(l)
            case .biasesDoNotMatchWeights(let l, _, _): .biases(l)
            case .softmaxNotOnOutputLayer(let l): .activation(l)
            case .emptyBatch, .inputsDoNotMatchFirstLayer: .inputs
            case .targetsDoNotMatchOutput: .targets
            case .lossDoesNotAcceptOutput: .activation(layerCount - 1)
            case .cancelled: .network
            }
        switch error {
        case .cancelled: self.init(field, .timedOut)
        case .inputsDoNotMatchFirstLayer(let expected, let actual):
            self.init(field, .inputWidth(expected: expected, actual: actual, units: network.layers.first?.units ?? 0))
        default: self.init(field, .network(error))
        }
    }
}

extension Fault {
    /// Runs `body` (a front end reading its syntax and handing parts to the assembler): a fault
    /// is rendered in the front end's words by `render`, a problem it found itself passes as it
    /// is. The assembler has no deadline, so a 503's Retry-After never comes from here.
    static func rendered<T>(as render: (Fault) -> Problem, _ body: () throws -> T) throws(Problem) -> T {
        do {
            return try body()
        } catch let fault as Fault {
            throw render(fault)
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem.internalError()  // only faults and problems are thrown in there
        }
    }
}
