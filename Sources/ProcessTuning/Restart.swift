#if canImport(Glibc)
import Glibc
#endif

/// Settings that only take effect when a library initialises, so a running process cannot change
/// them: the executable re-executes itself once with them in its environment.
public enum Restart {
    public struct Setting: Sendable, Equatable {
        public var name: String
        public var value: String
        /// Replace a value the operator set (only for one the process decided it must change).
        public var overwrite: Bool
    }

    /// The environment a fresh start of this process should have:
    /// - OPENBLAS_CORETYPE when `blasCore` is given (see `BLASTuning.betterCore`);
    /// - OPENBLAS_NUM_THREADS=1 unless set: the pool runs OpenBLAS single-threaded, and with this
    ///   set it never starts threads of its own (otherwise they exist, and were seen spinning in
    ///   sched_yield in a process that only parsed JSON);
    /// - MALLOC_ARENA_MAX=2 unless set: glibc fixes its arena limit the first time a second thread
    ///   allocates (OpenBLAS's threads do, before `main`), so `mallopt` later is too late. With one
    ///   arena per thread, peak RSS grew request after request (docs/architecture.md).
    public static func environment(blasCore core: String?) -> [Setting] {
        var settings: [Setting] = []
        if let core { settings.append(Setting(name: "OPENBLAS_CORETYPE", value: core, overwrite: true)) }
        if getenv("OPENBLAS_NUM_THREADS") == nil {
            settings.append(Setting(name: "OPENBLAS_NUM_THREADS", value: "1", overwrite: false))
        }
        if getenv("MALLOC_ARENA_MAX") == nil {
            settings.append(Setting(name: "MALLOC_ARENA_MAX", value: "2", overwrite: false))
        }
        return settings
    }

    /// Re-executes this binary with `settings` in its environment. Returns only if exec failed.
    /// The binary is run by its real path, not /proc/self/exe, so the process keeps its name
    /// (`ps`, `pgrep -x backprop-server` read it from the path executed).
    public static func reexec(setting settings: [Setting]) {
        for s in settings { setenv(s.name, s.value, s.overwrite ? 1 : 0) }
        execv(executablePath() ?? "/proc/self/exe", CommandLine.unsafeArgv)
    }

    /// This process's executable, resolved from /proc/self/exe.
    static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
