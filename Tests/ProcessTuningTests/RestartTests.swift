import Testing

@testable import ProcessTuning

#if canImport(Glibc)
import Glibc
#endif

@Suite("Restart")
struct RestartTests {
    @Test("asks for one BLAS thread and two malloc arenas unless set, and the kernel it is given")
    func environment() {
        let saved = (
            getenv("OPENBLAS_NUM_THREADS").map { String(cString: $0) },
            getenv("MALLOC_ARENA_MAX").map { String(cString: $0) }
        )
        defer {
            if let v = saved.0 { setenv("OPENBLAS_NUM_THREADS", v, 1) } else { unsetenv("OPENBLAS_NUM_THREADS") }
            if let v = saved.1 { setenv("MALLOC_ARENA_MAX", v, 1) } else { unsetenv("MALLOC_ARENA_MAX") }
        }
        unsetenv("OPENBLAS_NUM_THREADS")
        unsetenv("MALLOC_ARENA_MAX")
        let fresh = Restart.environment(blasCore: "Haswell")
        #expect(fresh.map(\.name) == ["OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "MALLOC_ARENA_MAX"])
        #expect(fresh.first == Restart.Setting(name: "OPENBLAS_CORETYPE", value: "Haswell", overwrite: true))
        setenv("OPENBLAS_NUM_THREADS", "4", 1)
        setenv("MALLOC_ARENA_MAX", "8", 1)
        #expect(Restart.environment(blasCore: nil).isEmpty, "the operator's values are kept, and nothing restarts")
    }
}
