/// Process-wide malloc settings for tensor-sized buffers.
public enum HeapTuning {
    /// Keeps buffers up to 256 MiB in malloc's heap instead of fresh mmaps. Without it every large
    /// request page-faults its buffers in again, and two workers faulting at once serialise on the
    /// kernel's mm lock (2 workers were no faster than 1 on the large benchmark).
    ///
    /// It also asks malloc for at most two arenas, which only works this early if no second thread
    /// has allocated yet; the server therefore starts with MALLOC_ARENA_MAX=2 in its environment
    /// (see `Restart`).
    public static func keepLargeBuffersInHeap() {
        // glibc's <malloc.h> values; the Glibc module does not import that header.
        let trimThreshold: Int32 = -1
        let mmapThreshold: Int32 = -3
        let arenaMax: Int32 = -8
        _ = glibcMallopt(mmapThreshold, 256 << 20)
        _ = glibcMallopt(trimThreshold, 512 << 20)
        _ = glibcMallopt(arenaMax, 2)
    }
}

/// glibc's `int mallopt(int param, int value)` (declared in <malloc.h>, which Swift's Glibc module
/// leaves out).
@_silgen_name("mallopt")
private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
