import Backprop
import Testing
import WireFormat

@testable import GradientService

/// The assembler alone, fed typed parts as a reader would: each check, each limit with small
/// `ServiceLimits`, and the exact `Fault` (field and reason) it throws.
@Suite("RequestAssembler")
struct RequestAssemblerTests {
    typealias Assembler = RequestAssembler<Double>

    static func limits(_ change: (inout ServiceLimits) -> Void = { _ in }) -> ServiceLimits {
        var limits = ServiceLimits()
        change(&limits)
        return limits
    }

    /// A `rows`×`columns` matrix of `value`s.
    static func matrix(_ rows: Int, _ columns: Int, _ value: Double = 0.5) -> Matrix<Double> {
        Matrix(rows: rows, columns: columns, repeating: value)
    }

    /// An assembler holding a 2 → 3 → `outputs` network (sigmoid, then `output`).
    static func network(
        _ operation: Operation = .gradients,
        loss: Loss? = .mse,
        outputs: Int = 1,
        output: Activation = .identity,
        limits: ServiceLimits = ServiceLimits()
    ) throws -> Assembler {
        var a = try Assembler(operation: operation, limits: limits, loss: loss)
        try a.expectLayers(2)
        try a.checkWeights(rows: 3, columns: 2)
        try a.addLayer(weights: matrix(3, 2), biases: nil, activation: .sigmoid)
        try a.checkWeights(rows: outputs, columns: 3)
        try a.addLayer(weights: matrix(outputs, 3), biases: nil, activation: output)
        return a
    }

    /// The same, with inputs of `batch` rows set.
    static func batch(
        _ batch: Int,
        _ operation: Operation = .gradients,
        loss: Loss? = .mse,
        outputs: Int = 1,
        output: Activation = .identity,
        limits: ServiceLimits = ServiceLimits()
    ) throws -> Assembler {
        var a = try network(operation, loss: loss, outputs: outputs, output: output, limits: limits)
        try a.setInputs(matrix(batch, 2))
        return a
    }

    // MARK: - Starting

    @Test("a loss is required for every operation but the forward pass", arguments: Operation.allCases)
    func lossRequired(_ operation: Operation) throws {
        if operation == .forward {
            let a = try Assembler(operation: operation, limits: ServiceLimits(), loss: nil)
            #expect(a.loss == nil)
        } else {
            #expect(throws: Fault(.loss, .lossRequired)) {
                try Assembler(operation: operation, limits: ServiceLimits(), loss: nil)
            }
        }
        #expect(try Assembler(operation: operation, limits: ServiceLimits(), loss: .mse).loss == .mse)
    }

    // MARK: - The network

    @Test("no layers, or more than the limit, are refused before any is read")
    func expectLayers() throws {
        var a = try Assembler(operation: .gradients, limits: Self.limits { $0.maxLayers = 2 }, loss: .mse)
        #expect(throws: Fault(.layers, .network(.noLayers))) { try a.expectLayers(0) }
        #expect(throws: Fault(.layers, .tooManyLayers(count: 3, limit: 2))) { try a.expectLayers(3) }
        try a.expectLayers(2)
    }

    @Test("a layer with more units than the limit is refused at its weights")
    func tooManyUnits() throws {
        var a = try Assembler(operation: .gradients, limits: Self.limits { $0.maxUnits = 4 }, loss: .mse)
        try a.expectLayers(2)
        try a.checkWeights(rows: 4, columns: 4)
        try a.addLayer(weights: Self.matrix(4, 4), biases: nil, activation: .relu)
        #expect(throws: Fault(.weights(1), .tooManyUnits(count: 5, limit: 4))) {
            try a.checkWeights(rows: 5, columns: 4)
        }
    }

    @Test("only the first layer's columns are inputs, limited like units")
    func tooManyInputs() throws {
        var a = try Assembler(operation: .gradients, limits: Self.limits { $0.maxUnits = 4 }, loss: .mse)
        try a.expectLayers(2)
        #expect(throws: Fault(.weights(0), .tooManyInputs(count: 5, limit: 4))) {
            try a.checkWeights(rows: 3, columns: 5)
        }
        try a.checkWeights(rows: 3, columns: 2)
        try a.addLayer(weights: Self.matrix(3, 2), biases: nil, activation: .relu)
        // Layer 1's columns are n_1, which the chain check (not the input limit) compares.
        try a.checkWeights(rows: 1, columns: 5)
    }

    @Test("the parameter count (weights and biases) is summed layer by layer up to the limit")
    func tooManyParameters() throws {
        // 3×2 + 3, then 2×3 + 2, then 1×2 + 1: 9, 17, 20.
        func assemble(_ maxParameters: Int) throws {
            var a = try Assembler(
                operation: .gradients,
                limits: Self.limits { $0.maxParameters = maxParameters },
                loss: .mse
            )
            try a.expectLayers(3)
            for (rows, columns) in [(3, 2), (2, 3), (1, 2)] {
                try a.checkWeights(rows: rows, columns: columns)
                try a.addLayer(weights: Self.matrix(rows, columns), biases: nil, activation: .tanh)
            }
        }
        try assemble(20)
        #expect(throws: Fault(.layer(2), .tooManyParameters(limit: 19))) { try assemble(19) }
        #expect(throws: Fault(.layer(1), .tooManyParameters(limit: 16))) { try assemble(16) }
    }

    @Test("a layer that does not chain is refused at its weights, and not added")
    func chain() throws {
        var a = try Assembler(operation: .gradients, limits: ServiceLimits(), loss: .mse)
        try a.expectLayers(2)
        try a.addLayer(weights: Self.matrix(3, 2), biases: nil, activation: .sigmoid)
        #expect(
            throws: Fault(
                .weights(1),
                .network(.weightsDoNotMatchPreviousLayer(layer: 1, units: 1, columns: 4, previousUnits: 3))
            )
        ) {
            try a.addLayer(weights: Self.matrix(1, 4), biases: nil, activation: .identity)
        }
        #expect(a.layers.count == 1)
    }

    @Test("biases of the wrong length are refused at the biases")
    func biases() throws {
        var a = try Assembler(operation: .gradients, limits: ServiceLimits(), loss: .mse)
        try a.expectLayers(2)
        #expect(throws: Fault(.biases(0), .network(.biasesDoNotMatchWeights(layer: 0, units: 3, biases: 1)))) {
            try a.addLayer(weights: Self.matrix(3, 2), biases: [0], activation: .sigmoid)
        }
        try a.addLayer(weights: Self.matrix(3, 2), biases: [1, 2, 3], activation: .sigmoid)
        #expect(a.layers[0].biases == [1, 2, 3])
    }

    @Test("softmax is refused on a hidden layer and taken on the declared last one")
    func softmax() throws {
        var a = try Assembler(operation: .gradients, limits: ServiceLimits(), loss: .crossEntropy)
        try a.expectLayers(2)
        #expect(throws: Fault(.activation(0), .network(.softmaxNotOnOutputLayer(layer: 0)))) {
            try a.addLayer(weights: Self.matrix(3, 2), biases: nil, activation: .softmax)
        }
        try a.addLayer(weights: Self.matrix(3, 2), biases: nil, activation: .relu)
        try a.addLayer(weights: Self.matrix(2, 3), biases: nil, activation: .softmax)
        #expect(a.layers.map(\.activation) == [.relu, .softmax])
    }

    // MARK: - The batch

    @Test("inputs over the batch limit are refused; the limit itself is taken")
    func batchLimit() throws {
        let limits = Self.limits { $0.maxBatch = 2 }
        var a = try Self.network(limits: limits)
        #expect(throws: Fault(.inputs, .batchTooLarge(count: 3, limit: 2))) { try a.setInputs(Self.matrix(3, 2)) }
        try a.setInputs(Self.matrix(2, 2))
    }

    @Test("inputs of the wrong width quote W1's shape; an empty batch is refused")
    func inputWidth() throws {
        var a = try Self.network()
        #expect(throws: Fault(.inputs, .inputWidth(expected: 2, actual: 5, units: 3))) {
            try a.setInputs(Self.matrix(1, 5))
        }
        #expect(throws: Fault(.inputs, .network(.emptyBatch))) { try a.setInputs(Self.matrix(0, 2)) }
    }

    @Test("a loss that does not take the output layer is refused when the inputs come")
    func lossAndOutput() throws {
        var a = try Self.network(loss: .crossEntropy, outputs: 2, output: .tanh)
        #expect(throws: Fault(.activation(1), .network(.lossDoesNotAcceptOutput(loss: .crossEntropy, output: .tanh)))) {
            try a.setInputs(Self.matrix(1, 2))
        }
    }

    @Test("targets and labels together are refused, before either is read")
    func targetsAndLabels() throws {
        let a = try Self.network()
        #expect(throws: Fault(.labels, .targetsAndLabels)) { try a.checkTargets(given: true, labels: true) }
        try a.checkTargets(given: true, labels: false)
        try a.checkTargets(given: false, labels: true)
        try a.checkTargets(given: false, labels: false)
    }

    @Test(
        "targets must be [B, n_L]",
        arguments: [(2, 2), (3, 1), (1, 1)]
    )
    func targetShape(rows: Int, columns: Int) throws {
        var a = try Self.batch(2)
        #expect(
            throws: Fault(
                .targets,
                .network(
                    .targetsDoNotMatchOutput(
                        expectedRows: 2,
                        expectedColumns: 1,
                        actualRows: rows,
                        actualColumns: columns
                    )
                )
            )
        ) {
            try a.setTargets(Self.matrix(rows, columns))
        }
        try a.setTargets(Self.matrix(2, 1))
    }

    // MARK: - Labels

    @Test("labels are refused with any loss but cross-entropy", arguments: [Loss.quadratic, .mse, .binaryCrossEntropy])
    func labelsNeedCrossEntropy(_ loss: Loss) throws {
        var a = try Self.batch(2, loss: loss)
        #expect(throws: Fault(.labels, .labelsNeedCrossEntropy)) { try a.checkLabelsAllowed() }
        #expect(throws: Fault(.labels, .labelsNeedCrossEntropy)) { try a.setLabels([0, 0]) }
    }

    static let badLabels: [([Double], Fault)] = [
        ([0], Fault(.labels, .labelCount(labels: 1, batch: 2))),
        ([0, 1, 2], Fault(.labels, .labelCount(labels: 3, batch: 2))),
        ([0, 1.5], Fault(.label(1), .notAClassIndex(value: 1.5, outputs: 3))),
        ([-1, 0], Fault(.label(0), .notAClassIndex(value: -1, outputs: 3))),
        ([0, 3], Fault(.label(1), .notAClassIndex(value: 3, outputs: 3))),
        ([.infinity, 0], Fault(.label(0), .notAClassIndex(value: .infinity, outputs: 3))),
    ]

    @Test("labels must be one class index per sample", arguments: badLabels)
    func badLabel(_ labels: [Double], _ fault: Fault) throws {
        var a = try Self.batch(2, loss: .crossEntropy, outputs: 3, output: .softmax)
        try a.checkLabelsAllowed()
        #expect(throws: fault) { try a.setLabels(labels) }
    }

    @Test("a NaN label is not a class index")
    func nanLabel() throws {
        var a = try Self.batch(2, loss: .crossEntropy, outputs: 3, output: .softmax)
        // NaN is not equal to itself, so the fault is taken apart rather than compared whole.
        let fault = #expect(throws: Fault.self) { try a.setLabels([0, .nan]) }
        #expect(fault?.field == .label(1))
        guard case .notAClassIndex(let value, let outputs) = fault?.reason else {
            Issue.record("not a class-index fault: \(String(describing: fault))")
            return
        }
        #expect(value.isNaN)
        #expect(outputs == 3)
    }

    @Test("labels become one-hot targets")
    func oneHot() throws {
        var a = try Self.batch(3, loss: .crossEntropy, outputs: 3, output: .softmax)
        try a.setLabels([2, 0, 2])
        let request = try a.finish(options: RequestOptions(operation: .gradients))
        #expect(request.targets?.shape == [3, 3])
        #expect(request.targets?.nested == [[0, 0, 1], [1, 0, 0], [0, 0, 1]])
    }

    // MARK: - Finishing

    @Test("the gradients need targets (or labels)")
    func targetsRequired() throws {
        let a = try Self.batch(2)
        #expect(throws: Fault(.targets, .targetsRequired)) {
            try a.finish(options: RequestOptions(operation: .gradients))
        }
    }

    @Test("the forward pass needs no targets, with or without a loss")
    func forwardWithoutTargets() throws {
        for loss in [nil, Loss.mse] {
            let a = try Self.batch(2, .forward, loss: loss)
            let request = try a.finish(options: RequestOptions(operation: .forward))
            #expect(request.targets == nil)
            #expect(request.loss == loss)
            #expect(request.inputs.shape == [2, 2])
            #expect(request.network.layers.count == 2)
        }
    }

    @Test("targets given to the forward pass need a loss")
    func lossRequiredForTargets() throws {
        var a = try Self.batch(2, .forward, loss: nil)
        try a.setTargets(Self.matrix(2, 1))
        #expect(throws: Fault(.loss, .lossRequiredForTargets)) {
            try a.finish(options: RequestOptions(operation: .forward))
        }
    }

    @Test("without inputs there is no batch")
    func noInputs() throws {
        let a = try Self.network()
        #expect(throws: Fault(.inputs, .network(.emptyBatch))) {
            try a.finish(options: RequestOptions(operation: .gradients))
        }
    }

    @Test("the work estimate is 3·Σ n_l·n_{l−1}·B, refused above the limit and taken at it")
    func workLimit() throws {
        // 2 → 3 → 1 over 4 samples: 3 · (3·2 + 1·3) · 4 = 108.
        func finish(_ maxWork: Int) throws {
            var a = try Self.batch(4, limits: Self.limits { $0.maxWork = maxWork })
            try a.setTargets(Self.matrix(4, 1))
            _ = try a.finish(options: RequestOptions(operation: .gradients))
        }
        try finish(108)
        #expect(throws: Fault(.inputs, .tooMuchWork(estimate: 108, limit: 107))) { try finish(107) }
    }

    /// A gradcheck request over the 2 → 3 → 1 network, finished with these settings.
    static func gradcheck(
        epsilon: Double? = nil,
        atol: Double? = nil,
        rtol: Double? = nil,
        limits: ServiceLimits = ServiceLimits()
    ) throws -> GradcheckTolerances {
        var a = try batch(2, .gradcheck, limits: limits)
        try a.setTargets(matrix(2, 1))
        let request = try a.finish(
            options: RequestOptions(operation: .gradcheck),
            epsilon: epsilon,
            atol: atol,
            rtol: rtol
        )
        return request.tolerances
    }

    @Test("gradcheck's settings default when not given and are kept when given")
    func tolerances() throws {
        #expect(try Self.gradcheck() == GradcheckTolerances(epsilon: 1e-6, atol: 1e-5, rtol: 1e-3))
        #expect(
            try Self.gradcheck(epsilon: 1e-4, atol: 0, rtol: 0) == GradcheckTolerances(epsilon: 1e-4, atol: 0, rtol: 0)
        )
        #expect(try Self.gradcheck(atol: 0.5) == GradcheckTolerances(epsilon: 1e-6, atol: 0.5, rtol: 1e-3))
    }

    static let badSettings: [(Double?, Double?, Double?, Fault)] = [
        (.nan, nil, nil, Fault(.setting("epsilon"), .notPositive(allowZero: false))),
        (0, nil, nil, Fault(.setting("epsilon"), .notPositive(allowZero: false))),
        (-1e-6, nil, nil, Fault(.setting("epsilon"), .notPositive(allowZero: false))),
        (.infinity, nil, nil, Fault(.setting("epsilon"), .notPositive(allowZero: false))),
        (nil, .nan, nil, Fault(.setting("atol"), .notPositive(allowZero: true))),
        (nil, -1, nil, Fault(.setting("atol"), .notPositive(allowZero: true))),
        (nil, nil, .nan, Fault(.setting("rtol"), .notPositive(allowZero: true))),
        (nil, nil, -0.1, Fault(.setting("rtol"), .notPositive(allowZero: true))),
        (nil, nil, .infinity, Fault(.setting("rtol"), .notPositive(allowZero: true))),
    ]

    @Test(
        "epsilon must be positive; atol and rtol non-negative; none NaN or infinite",
        arguments: badSettings
    )
    func badSetting(epsilon: Double?, atol: Double?, rtol: Double?, fault: Fault) {
        #expect(throws: fault) { try Self.gradcheck(epsilon: epsilon, atol: atol, rtol: rtol) }
    }

    @Test("only gradcheck reads its settings")
    func settingsOnlyForGradcheck() throws {
        var a = try Self.batch(2)
        try a.setTargets(Self.matrix(2, 1))
        let request = try a.finish(options: RequestOptions(operation: .gradients), epsilon: .nan, atol: -1, rtol: -1)
        #expect(request.tolerances == GradcheckTolerances())
    }

    @Test("gradcheck is refused above its parameter limit and taken at it")
    func gradcheckParameterLimit() throws {
        // 3×2 + 3 + 1×3 + 1 = 13 parameters.
        _ = try Self.gradcheck(limits: Self.limits { $0.maxGradcheckParameters = 13 })
        #expect(throws: Fault(.network, .gradcheckTooLarge(parameters: 13, limit: 12))) {
            try Self.gradcheck(limits: Self.limits { $0.maxGradcheckParameters = 12 })
        }
    }

    // MARK: - Declared shapes

    @Test("a declared shape is checked against the element limit before allocating")
    func checkElements() throws {
        let a = try Assembler(operation: .gradients, limits: Self.limits { $0.maxTensorElements = 12 }, loss: .mse)
        try a.checkElements(of: [3, 4], at: .inputs)
        try a.checkElements(of: [0, Int.max], at: .inputs)
        #expect(a.tensorLimits.maxElements == 12)
        #expect(throws: Fault(.weights(0), .tooManyElements(count: 13, limit: 12))) {
            try a.checkElements(of: [13, 1], at: .weights(0))
        }
        #expect(throws: Fault(.targets, .tooManyElements(count: 15, limit: 12))) {
            try a.checkElements(of: [3, 5], at: .targets)
        }
    }

    @Test("a declared shape whose product overflows reports Int.max elements")
    func checkElementsOverflow() throws {
        let a = try Assembler(operation: .gradients, limits: Self.limits { $0.maxTensorElements = 12 }, loss: .mse)
        #expect(throws: Fault(.biases(1), .tooManyElements(count: Int.max, limit: 12))) {
            try a.checkElements(of: [2, Int.max], at: .biases(1))
        }
        let unlimited = try Assembler(
            operation: .gradients,
            limits: Self.limits { $0.maxTensorElements = Int.max },
            loss: .mse
        )
        #expect(throws: Fault(.inputs, .tooManyElements(count: Int.max, limit: Int.max))) {
            try unlimited.checkElements(of: [1 << 32, 1 << 32], at: .inputs)
        }
    }
}
