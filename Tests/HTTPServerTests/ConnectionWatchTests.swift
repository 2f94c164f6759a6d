import Testing

@testable import HTTPServer

#if canImport(Glibc)
import Glibc
#endif

@Suite("ConnectionWatch")
struct ConnectionWatchTests {
    @Test("a socket waiting past the deadline is shut down once; one in a request is left alone")
    func sweeps() throws {
        var pair: [Int32] = [0, 0]
        var busy: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &busy) == 0)
        defer { for fd in pair + busy { close(fd) } }
        let watch = ConnectionWatch(deadlineSeconds: 3600)  // its own timer never fires in this test
        defer { watch.cancel() }
        watch.opened(pair[0])
        watch.opened(busy[0])
        watch.headComplete(busy[0])
        #expect(watch.sweep() == 0, "nothing is late yet")
        // This one's own timer runs every 50 ms too, so the test checks sockets, not sweep counts.
        let fast = ConnectionWatch(deadlineSeconds: 0.01)
        defer { fast.cancel() }
        fast.opened(pair[0])
        fast.opened(busy[0])
        fast.headComplete(busy[0])
        usleep(50_000)
        _ = fast.sweep()
        #expect(fast.sweep() == 0, "a socket already shut down is not swept again (and does not trap)")
        var byte: UInt8 = 0
        #expect(read(pair[1], &byte, 1) == 0, "the peer of the late socket sees end of file")
        var flags = fcntl(busy[1], F_GETFL)
        flags |= O_NONBLOCK
        _ = fcntl(busy[1], F_SETFL, flags)
        #expect(read(busy[1], &byte, 1) == -1 && errno == EAGAIN, "the busy socket is still open")
        fast.closed(pair[0])
        fast.requestEnded(busy[0])
        usleep(50_000)
        _ = fast.sweep()  // (its own 50 ms timer may have got there first)
        flags &= ~O_NONBLOCK
        _ = fcntl(busy[1], F_SETFL, flags)
        #expect(read(busy[1], &byte, 1) == 0, "after its request ends, an idle socket is on the clock again")
    }
}
