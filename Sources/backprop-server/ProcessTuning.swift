#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings made before anything computes; each measured in bench/RESULTS.md.
enum ProcessTuning {
    /// The OpenBLAS kernel to ask for when Debian's OpenBLAS 0.3.21 does not know this CPU and fell
    /// back to its generic "Prescott" kernels (measured 20 GFLOP/s sgemm here, against 131 with
    /// Cooperlake). nil when OpenBLAS chose well, the operator chose (OPENBLAS_CORETYPE is set), or
    /// the CPU has none of the features below.
    static func betterBLASCore(current: String) -> String? {
        guard getenv("OPENBLAS_CORETYPE") == nil, current.lowercased() == "prescott" else { return nil }
        let flags = cpuFlags()
        if flags.contains("avx512_bf16") && flags.contains("avx512f") { return "Cooperlake" }
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// Re-executes this binary with OPENBLAS_CORETYPE set (OpenBLAS reads it when it loads, so it
    /// cannot change in a running process). Returns only if exec failed.
    static func reexec(withBLASCore core: String) {
        setenv("OPENBLAS_CORETYPE", core, 1)
        // The pool runs OpenBLAS single-threaded; with this set it never starts threads of its own.
        setenv("OPENBLAS_NUM_THREADS", "1", 0)
        let argv = CommandLine.unsafeArgv
        execv("/proc/self/exe", argv)
    }

    private static func cpuFlags() -> Set<Substring> {
        guard let cpuinfo = readFile("/proc/cpuinfo") else { return [] }
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }))
    }
}
