#if canImport(Glibc)
import Glibc
#endif

/// A value behind a pthread mutex: the project's one lock type.
///
/// Not Synchronization's `Mutex`: on Linux it waits on raw futexes, which ThreadSanitizer does not
/// intercept, so accesses it orders were reported as races (in the connection watch and the
/// worker pool); pthread mutexes are intercepted. `package`: for this project's modules only.
package final class Lock<Value>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var value: Value

    package init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&value)
    }
}
