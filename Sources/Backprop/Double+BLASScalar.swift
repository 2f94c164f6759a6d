import CBLAS
import RealModule

extension Double: BLASScalar {
    public static func gemm(
        transposeA: Bool,
        transposeB: Bool,
        m: Int,
        n: Int,
        k: Int,
        alpha: Double,
        a: UnsafePointer<Double>,
        lda: Int,
        b: UnsafePointer<Double>,
        ldb: Int,
        beta: Double,
        c: UnsafeMutablePointer<Double>,
        ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m),
            blasint(n),
            blasint(k),
            alpha,
            a,
            blasint(lda),
            b,
            blasint(ldb),
            beta,
            c,
            blasint(ldc)
        )
    }
}
