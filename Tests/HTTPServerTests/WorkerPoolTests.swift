import Dispatch
import Testing

@testable import HTTPServer

#if canImport(Glibc)
import Glibc
#endif

@Suite("WorkerPool")
struct WorkerPoolTests {
    @Test("admits workers + queue capacity jobs, refuses the next, and frees slots as jobs finish")
    func admission() {
        let pool = WorkerPool(workers: 2, queueCapacity: 1)
        let gate = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for _ in 0..<3 {
            #expect(pool.tryReserve())
            done.enter()
            pool.run {
                gate.wait()
                done.leave()
            }
        }
        #expect(!pool.tryReserve(), "two running and one waiting fill the pool")
        #expect(pool.isSaturated)
        for _ in 0..<3 { gate.signal() }
        done.wait()
        // The last job's bookkeeping follows its body; wait for the slot to come back.
        for _ in 0..<1000 where pool.isSaturated { usleep(1000) }
        #expect(!pool.isSaturated)
        #expect(pool.tryReserve())
        pool.run {}
    }

    @Test("never runs more than `workers` jobs at once")
    func width() {
        let pool = WorkerPool(workers: 2, queueCapacity: 64)
        let counter = Counter()
        let done = DispatchGroup()
        for _ in 0..<40 {
            #expect(pool.tryReserve())
            done.enter()
            pool.run {
                counter.enter()
                usleep(500)
                counter.leave()
                done.leave()
            }
        }
        done.wait()
        #expect(counter.peak <= 2)
        #expect(counter.peak >= 1)
    }
}

/// Counts jobs inside at once and remembers the most.
private final class Counter: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var inside = 0
    private(set) var peak = 0
    init() { pthread_mutex_init(&lock, nil) }
    func enter() {
        pthread_mutex_lock(&lock)
        inside += 1
        peak = max(peak, inside)
        pthread_mutex_unlock(&lock)
    }
    func leave() {
        pthread_mutex_lock(&lock)
        inside -= 1
        pthread_mutex_unlock(&lock)
    }
}
