/// A dense row-major matrix: one row per sample (for a batch) or per unit (for weights).
public struct Matrix<Scalar: BLASScalar>: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Row-major: element (i, j) is at `i * columns + j`.
    public var storage: TensorStorage<Scalar>

    public init(rows: Int, columns: Int, storage: TensorStorage<Scalar>) {
        precondition(rows >= 0 && columns >= 0 && storage.count == rows * columns, "storage does not match shape")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// The matrix of `storage`'s elements (the array is held, not copied).
    public init(rows: Int, columns: Int, storage: [Scalar]) {
        self.init(rows: rows, columns: columns, storage: TensorStorage(storage))
    }

    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        self.init(rows: rows, columns: columns, storage: TensorStorage(repeating: value, count: rows * columns))
    }

    /// Builds from nested rows; all rows must have the same length.
    public init(_ nested: [[Scalar]]) {
        let columns = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == columns }, "ragged rows")
        self.init(rows: nested.count, columns: columns, storage: nested.flatMap { $0 })
    }

    @inlinable
    public subscript(row: Int, column: Int) -> Scalar {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    public var count: Int { rows * columns }
    public var shape: [Int] { [rows, columns] }

    /// Row `i` as an array (for tests and small outputs).
    public func row(_ i: Int) -> [Scalar] { Array(storage[(i * columns)..<((i + 1) * columns)]) }

    /// Rows `range` as a matrix that views this one's elements (no copy).
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(
            rows: range.count,
            columns: columns,
            storage: storage.view((range.lowerBound * columns)..<(range.upperBound * columns))
        )
    }

    public var nested: [[Scalar]] { (0..<rows).map(row) }

    /// The same values in another precision.
    public func converted<Other: BLASScalar>(to: Other.Type = Other.self) -> Matrix<Other> {
        Matrix<Other>(rows: rows, columns: columns, storage: storage.map { Other($0) })
    }
}

extension Matrix {
    /// C = op(A) · op(B) through OpenBLAS; `transposeA`/`transposeB` read A or B as transposed in place.
    @_specialize(exported:true,where Scalar == Float)
    @_specialize(exported:true,where Scalar == Double)
    public static func product(
        _ a: Matrix,
        transposed transposeA: Bool = false,
        _ b: Matrix,
        transposed transposeB: Bool = false
    ) -> Matrix {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kb, "inner dimensions differ: \(k) vs \(kb)")
        if m == 0 || n == 0 || k == 0 { return Matrix(rows: m, columns: n) }
        // beta = 0 overwrites C, so it is left uninitialised rather than zero-filled first.
        let storage = TensorStorage<Scalar>(unsafeUninitializedCapacity: m * n) { cp, initialized in
            a.storage.withUnsafeBufferPointer { ap in
                b.storage.withUnsafeBufferPointer { bp in
                    Scalar.gemm(
                        transposeA: transposeA,
                        transposeB: transposeB,
                        m: m,
                        n: n,
                        k: k,
                        alpha: 1,
                        a: ap.baseAddress!,
                        lda: max(1, a.columns),
                        b: bp.baseAddress!,
                        ldb: max(1, b.columns),
                        beta: 0,
                        c: cp.baseAddress!,
                        ldc: max(1, n)
                    )
                }
            }
            initialized = m * n
        }
        return Matrix(rows: m, columns: n, storage: storage)
    }

    /// Whether every element is finite. Inlinable so callers in other modules get a loop over
    /// their concrete scalar, not a protocol call per element.
    @inlinable
    public var isFinite: Bool {
        storage.withUnsafeBufferPointer { p in
            for v in p where !v.isFinite { return false }
            return true
        }
    }
}
