import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Fork-join parallelism over the machine's cores: the one place that hands non-Sendable
/// buffers to worker threads. Callers guarantee that workers touch disjoint memory.
public enum Parallel {
    /// Online processors (at least 1).
    public static let coreCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Runs `body(worker)` for `worker` in `0..<workers` on up to `workers` threads and
    /// returns when all are done.
    public static func run(workers: Int, _ body: (Int) -> Void) {
        if workers <= 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { escaping in
            let box = UncheckedSendable(escaping)
            DispatchQueue.concurrentPerform(iterations: workers) { box.value($0) }
        }
    }

    /// Splits `0..<count` into contiguous chunks and runs `body(range)` on them in parallel.
    public static func forEachChunk(count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        let workers = max(1, min(coreCount, count / max(1, minimumChunk)))
        run(workers: workers) { w in
            let lo = count * w / workers, hi = count * (w + 1) / workers
            if lo < hi { body(lo..<hi) }
        }
    }
}

/// Wraps a value for a worker thread; `Parallel` is its only user.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
