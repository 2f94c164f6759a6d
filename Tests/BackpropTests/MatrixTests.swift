import Backprop
import TestSupport
import Testing

@Suite("Matrix products through OpenBLAS")
struct MatrixProductTests {
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func productMatchesNaiveMatmul(transposeA: Bool, transposeB: Bool) {
        var g = SeededGenerator(seed: 9)
        let a: Matrix<Double> = transposeA ? Reference.random(7, 5, using: &g) : Reference.random(5, 7, using: &g)
        let b: Matrix<Double> = transposeB ? Reference.random(3, 7, using: &g) : Reference.random(7, 3, using: &g)
        let c = Matrix.product(a, transposed: transposeA, b, transposed: transposeB)
        let na = transposeA ? Reference.transpose(a.nested) : a.nested
        let nb = transposeB ? Reference.transpose(b.nested) : b.nested
        #expect(c.shape == [5, 3])
        let d = maxDifference(c.storage, Reference.matmul(na, nb).flatMap { $0 })
        #expect(d.value < 1e-14, "max difference \(d.value) at \(d.index)")
    }

    @Test func float32ProductMatchesNaiveMatmul() {
        var g = SeededGenerator(seed: 10)
        let a: Matrix<Double> = Reference.random(9, 4, using: &g)
        let b: Matrix<Double> = Reference.random(4, 6, using: &g)
        let c = Matrix.product(a.converted(to: Float.self), b.converted(to: Float.self))
        let expected = Reference.matmul(a.nested, b.nested).flatMap { $0 }
        #expect(maxDifference(c.storage.map(Double.init), expected).value < 1e-5)
    }
}
