#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex.
///
/// Used where ThreadSanitizer must see the lock: Synchronization's `Mutex` waits on raw futexes on
/// Linux, which TSan does not intercept, so accesses it orders were reported as races
/// (scripts/sanitize.sh on ConnectionWatch). pthread mutexes are intercepted.
final class PThreadLock<Value>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&value)
    }
}
