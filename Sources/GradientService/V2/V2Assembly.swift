import Backprop
import WireFormat

/// Hands an inference request's inputs and parameters to `RequestAssembler` as typed parts:
/// `W1…WL`, `b1…bL`, `inputs`, `targets` or `labels`, and the parameters `activations`, `loss`,
/// `reduction`, `include` and gradcheck's. A binary float tensor becomes a view of the request
/// body when it is aligned for its type (the server aligns the binary section), with no copy.
struct V2Assembly {
    let request: InferenceRequest
    let operation: Operation
    let limits: ServiceLimits
    /// The bytes after the JSON part, and what keeps them valid (nil: copy every tensor).
    let tail: UnsafeRawBufferPointer
    let owner: AnyObject?
    /// L: the weight inputs W1, W2, … given without a gap.
    let depth: Int
    /// The float datatype every float input shares: the computation's.
    let datatype: V2Datatype
    private var byName: [String: InferenceRequest.Input] = [:]

    /// Checks the inputs' names and datatypes; the tensors are read by `assemble`.
    init(
        _ request: InferenceRequest,
        operation: Operation,
        limits: ServiceLimits,
        tail: UnsafeRawBufferPointer,
        owner: AnyObject?
    ) throws(Problem) {
        self.request = request
        self.operation = operation
        self.limits = limits
        self.tail = tail
        self.owner = owner
        for input in request.inputs { byName[input.name] = input }
        var depth = 0
        while byName["W\(depth + 1)"] != nil { depth += 1 }
        self.depth = depth
        let known = Set((1...max(depth, 1)).flatMap { ["W\($0)", "b\($0)"] } + ["inputs", "targets", "labels"])
        if let stray = request.inputs.first(where: { !known.contains($0.name) }) {
            throw .badRequest(
                "unknown input \"\(stray.name)\"; the inputs are W1…WL without gaps (here W1…W\(max(depth, 1))), b1…bL, inputs, and targets or labels"
            )
        }
        guard depth > 0 else { throw .badRequest("the request needs the weights of layer 1 as input W1") }
        guard byName["inputs"] != nil else { throw .badRequest("the request needs the input \"inputs\"") }
        var shared: V2Datatype?
        for input in request.inputs where input.name != "labels" {
            guard input.datatype.dtype != nil else {
                throw .badRequest(
                    "input \(input.name) has datatype \(input.datatype.wireName); it must be FP32 or FP64"
                )
            }
            if let shared, shared != input.datatype {
                throw .badRequest(
                    "input \(input.name) has datatype \(input.datatype.wireName), the others \(shared.wireName); all float inputs share one datatype, the computation's"
                )
            }
            shared = input.datatype
        }
        datatype = shared ?? .fp64
        if let labels = byName["labels"], !V2Datatype.integers.contains(labels.datatype) {
            throw .badRequest("input labels has datatype \(labels.datatype.wireName); it must be INT32 or INT64")
        }
        if operation == .gradcheck && datatype != .fp64 {
            throw .badRequest("model gradcheck computes in FP64 (finite differences need it); send FP64 inputs")
        }
    }

    /// The request in `S` (the datatype's scalar), each part checked as it is read.
    func assemble<S: BLASScalar>(options: RequestOptions, as: S.Type) throws(Problem) -> GradientRequest<S> {
        let parameters = request.parameters
        let activations = try parameters.layerActivations(depth: depth)
        let loss = try parameters.lossFunction()
        return try Fault.rendered(as: v2) {
            var assembler = try RequestAssembler<S>(operation: operation, limits: limits, loss: loss)
            try assembler.expectLayers(depth)
            for l in 0..<depth {
                let w = byName["W\(l + 1)"]!
                try shape(w, rank: 2)
                try assembler.checkElements(of: w.shape, at: .weights(l))
                try assembler.checkWeights(rows: w.shape[0], columns: w.shape[1])
                let weights = Matrix(
                    rows: w.shape[0],
                    columns: w.shape[1],
                    storage: try tensor(w, .weights(l), as: S.self)
                )
                var biases: [S]?
                if let b = byName["b\(l + 1)"] {
                    try shape(b, rank: 1)
                    try assembler.checkElements(of: b.shape, at: .biases(l))
                    biases = try tensor(b, .biases(l), as: S.self).array
                }
                try assembler.addLayer(weights: weights, biases: biases, activation: activations?[l] ?? .identity)
            }
            try assembler.setInputs(try matrix("inputs", .inputs, checkedBy: assembler, as: S.self))
            try assembler.checkTargets(given: byName["targets"] != nil, labels: byName["labels"] != nil)
            if byName["targets"] != nil {
                try assembler.setTargets(try matrix("targets", .targets, checkedBy: assembler, as: S.self))
            } else if let labels = byName["labels"] {
                try assembler.checkLabelsAllowed()
                try assembler.setLabels(try self.labels(labels, checkedBy: assembler))
            }
            return try assembler.finish(
                options: options,
                epsilon: parameters.epsilon,
                atol: parameters.atol,
                rtol: parameters.rtol
            )
        }
    }

    private func shape(_ input: InferenceRequest.Input, rank: Int) throws {
        guard input.shape.count == rank else {
            throw Problem.badRequest(
                "input \(input.name) has shape \(input.shape); it needs \(Wording.count(rank, "dimension"))"
            )
        }
    }

    private func matrix<S: BLASScalar>(
        _ name: String,
        _ field: Fault.Field,
        checkedBy assembler: RequestAssembler<S>,
        as: S.Type
    ) throws -> Matrix<S> {
        let input = byName[name]!
        try shape(input, rank: 2)
        try assembler.checkElements(of: input.shape, at: field)
        return Matrix(rows: input.shape[0], columns: input.shape[1], storage: try tensor(input, field, as: S.self))
    }

    /// A float input's elements in `S` (its declared size already checked against the limit):
    /// a view of the body or one conversion of the JSON numbers.
    private func tensor<S: BLASScalar>(
        _ input: InferenceRequest.Input,
        _ field: Fault.Field,
        as: S.Type
    ) throws -> TensorStorage<S> {
        let count = input.shape.reduce(1, *)
        let storage: TensorStorage<S>
        if let range = input.bytes {
            let width = datatype.byteWidth
            guard range.count == count * width else {
                throw Problem.badRequest(
                    "input \(input.name) has shape \(input.shape) of \(datatype.wireName), which needs \(count * width) bytes; binary_data_size is \(range.count)"
                )
            }
            storage = TensorDecoder.fromLittleEndian(
                UnsafeRawBufferPointer(rebasing: tail[range]),
                count: count,
                width: width,
                owner: owner
            )
        } else {
            let numbers = try self.numbers(input, count: count)
            if S.self == Double.self {
                storage = TensorStorage(numbers as! [S])  // the parsed array itself, not a copy
            } else {
                // As a nested /v1 tensor: the JSON number as a double, then the dtype.
                storage = TensorStorage(unsafeUninitializedCapacity: count) { out, initialized in
                    for k in 0..<count { out[k] = S(numbers[k]) }
                    initialized = count
                }
            }
        }
        if let bad = storage.withUnsafeBufferPointer({ $0.firstIndex { !$0.isFinite } }) {
            throw Fault(field, .notFinite(element: bad, dtype: S.dtype))
        }
        return storage
    }

    /// The JSON `data` of `input`, flattened, exactly `count` numbers.
    private func numbers(_ input: InferenceRequest.Input, count: Int) throws -> [Double] {
        var numbers: [Double] = []
        if case .numbers(let flat)? = input.data {
            numbers = flat
        } else {
            numbers.reserveCapacity(count)
            guard let data = input.data, Self.flatten(data, into: &numbers) else {
                throw Problem.badRequest("input \(input.name): \"data\" must be an array of numbers (nested or flat)")
            }
        }
        guard numbers.count == count else {
            throw Problem.badRequest(
                "input \(input.name) has shape \(input.shape), which needs \(Wording.count(count, "value")); data has \(numbers.count)"
            )
        }
        return numbers
    }

    private static func flatten(_ value: JSONValue, into out: inout [Double]) -> Bool {
        switch value {
        case .numbers(let xs):
            out.append(contentsOf: xs)
            return true
        case .array(let items):
            for item in items where !flatten(item, into: &out) { return false }
            return true
        case .number(let x):
            out.append(x)
            return true
        default: return false
        }
    }

    /// Class indices from INT32 or INT64 labels, JSON or binary, as the assembler takes them.
    private func labels<S: BLASScalar>(
        _ input: InferenceRequest.Input,
        checkedBy assembler: RequestAssembler<S>
    ) throws -> [Double] {
        try shape(input, rank: 1)
        try assembler.checkElements(of: input.shape, at: .labels)
        let count = input.shape[0]
        guard let range = input.bytes else {
            let numbers = try self.numbers(input, count: count)
            for (i, x) in numbers.enumerated() where x != x.rounded() {
                throw Problem.badRequest(
                    "input labels: element \(i) is \(Wording.number(x)), not an \(input.datatype.wireName)"
                )
            }
            return numbers
        }
        let width = input.datatype.byteWidth
        guard range.count == count * width else {
            throw Problem.badRequest(
                "input labels has shape \(input.shape) of \(input.datatype.wireName), which needs \(count * width) bytes; binary_data_size is \(range.count)"
            )
        }
        let bytes = UnsafeRawBufferPointer(rebasing: tail[range])
        return (0..<count).map { k in
            width == 4
                ? Double(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: k * 4, as: Int32.self)))
                : Double(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: k * 8, as: Int64.self)))
        }
    }
}

/// The assembler's fault in `/v2`'s words (the assembler has no deadline: no Retry-After applies).
private func v2(_ fault: Fault) -> Problem { Problem(v2: fault, retryAfter: 1) }
