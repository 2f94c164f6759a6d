import Testing

@testable import ProcessTuning

#if canImport(Glibc)
import Glibc
#endif

@Suite("AvailableCPUs")
struct AvailableCPUsTests {
    @Test("cgroup v2 cpu.max: unlimited, whole and fractional limits (rounded up)")
    func cgroupV2() {
        #expect(AvailableCPUs.quota(cpuMax: "max 100000\n") == nil)
        #expect(AvailableCPUs.quota(cpuMax: "200000 100000\n") == 2)
        #expect(AvailableCPUs.quota(cpuMax: "150000 100000") == 2)
        #expect(AvailableCPUs.quota(cpuMax: "50000 100000") == 1)
        #expect(AvailableCPUs.quota(cpuMax: "garbage") == nil)
    }

    @Test("cgroup v1 quota and period: -1 is unlimited")
    func cgroupV1() {
        #expect(AvailableCPUs.quota(cfsQuota: "-1\n", period: "100000\n") == nil)
        #expect(AvailableCPUs.quota(cfsQuota: "400000\n", period: "100000\n") == 4)
        #expect(AvailableCPUs.quota(cfsQuota: "250000", period: "100000") == 3)
    }

    @Test("the count is at least one and at most the online CPUs")
    func count() {
        let n = AvailableCPUs.count()
        #expect(n >= 1)
        #expect(n <= Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
