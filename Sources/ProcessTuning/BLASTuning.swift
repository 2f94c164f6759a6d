import CBLAS

#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS's process-wide settings: its thread count and the kernel it runs.
///
/// The service parallelises across requests (and across row blocks of one batch) on its Dispatch
/// pool, so it runs OpenBLAS single-threaded: two workers each calling a one-thread GEMM outran
/// OpenBLAS's own threads on top of them, which oversubscribe the cores.
public enum BLASTuning {
    public static func setThreads(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }

    /// The kernel OpenBLAS chose (or was told to use), e.g. "Cooperlake".
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The OpenBLAS kernel to ask for when Debian's OpenBLAS 0.3.21 does not know this CPU and fell
    /// back to its generic "Prescott" kernels, several times slower (docs/architecture.md). nil
    /// when OpenBLAS chose well, the operator chose (OPENBLAS_CORETYPE is set), or the CPU has
    /// none of the features below.
    public static func betterCore(current: String) -> String? {
        guard getenv("OPENBLAS_CORETYPE") == nil, current.lowercased() == "prescott" else { return nil }
        let flags = cpuFlags()
        if flags.contains("avx512_bf16") && flags.contains("avx512f") { return "Cooperlake" }
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    private static func cpuFlags() -> Set<Substring> {
        guard let cpuinfo = readFile("/proc/cpuinfo") else { return [] }
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }))
    }
}
