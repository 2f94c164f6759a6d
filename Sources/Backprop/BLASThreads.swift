import CBLAS

/// OpenBLAS's own thread count, process-wide.
///
/// The service parallelises across requests (and across row blocks of one batch) on its Dispatch
/// pool, so it runs OpenBLAS single-threaded: two workers each calling a 1-thread dgemm measured
/// 98 GFLOP/s here, against 89–92 with OpenBLAS threads on top (oversubscribed).
public enum BLASThreads {
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
    public static var current: Int { Int(openblas_get_num_threads()) }
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
