import Backprop

/// Test-only references the product is checked against.
public enum Reference {
    /// C = A · B by the textbook triple loop (llm.c's `matmul_forward_naive`). A: [m, k], B: [k, n].
    public static func matmul(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let m = a.count
        let k = b.count
        let n = b.first?.count ?? 0
        var c = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += a[i][p] * b[p][j] }
                c[i][j] = s
            }
        }
        return c
    }

    public static func transpose(_ a: [[Double]]) -> [[Double]] {
        guard let n = a.first?.count else { return [] }
        return (0..<n).map { j in a.map { $0[j] } }
    }

    /// A random matrix with entries uniform in ±scale.
    public static func random<S: BLASScalar>(
        _ rows: Int,
        _ columns: Int,
        scale: Double = 1,
        using g: inout SeededGenerator
    ) -> Matrix<S> where S.RawSignificand: FixedWidthInteger {
        Matrix(
            rows: rows,
            columns: columns,
            storage: (0..<(rows * columns)).map { _ in S(Double.random(in: -scale...scale, using: &g)) }
        )
    }

    /// A random network of the given widths [n_0, n_1, …, n_L].
    public static func network<S: BLASScalar>(
        widths: [Int],
        hidden: Activation,
        output: Activation,
        using g: inout SeededGenerator
    ) -> Network<S> where S.RawSignificand: FixedWidthInteger {
        var layers: [Layer<S>] = []
        for l in 1..<widths.count {
            let w: Matrix<S> = random(widths[l], widths[l - 1], scale: 0.8, using: &g)
            let b: Matrix<S> = random(1, widths[l], scale: 0.3, using: &g)
            layers.append(
                Layer(weights: w, biases: b.storage.array, activation: l == widths.count - 1 ? output : hidden)
            )
        }
        return Network(layers: layers)
    }

    /// Targets a loss accepts: probability rows for cross_entropy, values in (0, 1) for binary CE.
    public static func targets<S: BLASScalar>(
        for loss: Loss,
        rows: Int,
        columns: Int,
        using g: inout SeededGenerator
    ) -> Matrix<S> where S.RawSignificand: FixedWidthInteger {
        var y: Matrix<S> = random(rows, columns, using: &g)
        switch loss {
        case .crossEntropy:
            for i in 0..<rows {
                let raw = (0..<columns).map { _ in Double.random(in: 0.05...1, using: &g) }
                let sum = raw.reduce(0, +)
                for j in 0..<columns { y[i, j] = S(raw[j] / sum) }
            }
        case .binaryCrossEntropy:
            for k in 0..<y.count { y.storage[k] = S(Double.random(in: 0...1, using: &g)) }
        default: break
        }
        return y
    }
}

/// The largest absolute difference between two equally long sequences, and where it is.
public func maxDifference<A: Collection, B: Collection>(_ a: A, _ b: B) -> (value: Double, index: Int)
where A.Element: BinaryFloatingPoint, A.Element == B.Element {
    precondition(a.count == b.count)
    var worst = (value: 0.0, index: -1)
    for (i, (x, y)) in zip(a, b).enumerated() {
        let d = abs(Double(x) - Double(y))
        if d > worst.value || d.isNaN { worst = (d, i) }
    }
    return worst
}

/// Largest relative error max|a − b| / max(|b|, floor), for gradient comparisons.
public func maxRelativeError<A: Collection<Double>, B: Collection<Double>>(
    _ a: A,
    _ b: B,
    floor: Double = 1e-3
)
    -> Double
{
    precondition(a.count == b.count)
    var worst = 0.0
    for (x, y) in zip(a, b) {
        let e = abs(x - y) / max(abs(y), floor)
        if e > worst || e.isNaN { worst = e.isNaN ? .infinity : e }
    }
    return worst
}
