import HTTPServer

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

    /// Environment a fresh start of this process should have, for settings that only take
    /// effect when a library initialises (so they cannot change in a running process):
    /// - OPENBLAS_CORETYPE when `core` is given, see `betterBLASCore`;
    /// - OPENBLAS_NUM_THREADS=1 unless set;
    /// - MALLOC_ARENA_MAX=2 unless set: glibc fixes its arena limit the first time a second thread
    ///   allocates (OpenBLAS's threads do, before `main`), so `mallopt` later is too late. With one
    ///   arena per thread, peak RSS grew request after request (126, 153, 153 MB for three large
    ///   binary requests with `mallopt` alone; 108, 110, 110 MB with the variable; bench/RESULTS.md).
    static func restartEnvironment(blasCore core: String?) -> [(name: String, value: String, overwrite: Bool)] {
        var settings: [(name: String, value: String, overwrite: Bool)] = []
        if let core { settings.append(("OPENBLAS_CORETYPE", core, true)) }
        // The pool runs OpenBLAS single-threaded; with this set it never starts threads of its own
        // (otherwise they exist, and were seen spinning in sched_yield in a process that only
        // parsed JSON).
        if getenv("OPENBLAS_NUM_THREADS") == nil { settings.append(("OPENBLAS_NUM_THREADS", "1", false)) }
        if getenv("MALLOC_ARENA_MAX") == nil { settings.append(("MALLOC_ARENA_MAX", "2", false)) }
        return settings
    }

    /// Re-executes this binary with `settings` in its environment. Returns only if exec failed.
    static func reexec(setting settings: [(name: String, value: String, overwrite: Bool)]) {
        for s in settings { setenv(s.name, s.value, s.overwrite ? 1 : 0) }
        let argv = CommandLine.unsafeArgv
        execv("/proc/self/exe", argv)
    }

    private static func cpuFlags() -> Set<Substring> {
        guard let cpuinfo = readFile("/proc/cpuinfo") else { return [] }
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }))
    }
}
