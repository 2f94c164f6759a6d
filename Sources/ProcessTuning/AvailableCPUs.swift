#if canImport(Glibc)
import Glibc
#endif

/// How many CPUs this process may really use: the online CPUs, narrowed by its affinity mask
/// (`taskset`, cpusets) and by a cgroup CPU quota (a container's CPU limit), as Go 1.25 and the
/// JVM count them. `sysconf` alone counts a whole Kubernetes node's cores, so a pod limited to
/// two CPUs on a 64-core node would start 64 workers and 64 I/O threads.
public enum AvailableCPUs {
    public static func count() -> Int {
        var n = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        if let affinity = affinityCount() { n = min(n, affinity) }
        if let text = readFile("/sys/fs/cgroup/cpu.max"), let limit = quota(cpuMax: text) {
            n = min(n, limit)  // cgroup v2
        } else if let q = readFile("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
            let p = readFile("/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
            let limit = quota(cfsQuota: q, period: p)
        {
            n = min(n, limit)  // cgroup v1
        }
        return max(1, n)
    }

    /// The CPUs a cgroup v2 `cpu.max` ("max 100000" or "150000 100000") allows, rounded up;
    /// nil when unlimited or unreadable.
    static func quota(cpuMax: String) -> Int? {
        let fields = cpuMax.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, let q = Double(fields[0]), let p = Double(fields[1]) else { return nil }
        return cpus(quota: q, period: p)
    }

    /// The same from cgroup v1's `cpu.cfs_quota_us` (-1 when unlimited) and `cpu.cfs_period_us`.
    static func quota(cfsQuota: String, period: String) -> Int? {
        let trim: (String) -> Substring = { $0.split(separator: "\n").first ?? "" }
        guard let q = Double(trim(cfsQuota)), let p = Double(trim(period)) else { return nil }
        return cpus(quota: q, period: p)
    }

    private static func cpus(quota q: Double, period p: Double) -> Int? {
        guard q > 0, p > 0 else { return nil }
        return max(1, Int((q / p).rounded(.up)))
    }

    private static func affinityCount() -> Int? {
        // A cpu_set_t is 1024 bits; glibc's CPU_COUNT macro is not visible from Swift.
        var mask = [UInt8](repeating: 0, count: 128)
        let ok = mask.withUnsafeMutableBytes { schedGetAffinity(0, $0.count, $0.baseAddress!) == 0 }
        guard ok else { return nil }
        let bits = mask.reduce(0) { $0 + $1.nonzeroBitCount }
        return bits > 0 ? bits : nil
    }
}

/// glibc's `sched_getaffinity` (declared only under _GNU_SOURCE, which Swift's Glibc module leaves out).
@_silgen_name("sched_getaffinity")
private func schedGetAffinity(_ pid: Int32, _ size: Int, _ mask: UnsafeMutableRawPointer) -> Int32
