import Dispatch
import Synchronization
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

extension Parallel {
    /// Runs `body` over `0..<count` in chunks of `chunk` items that the cores take in ascending
    /// order, each thread with its own `State` made once by `makeState` (its scratch buffers).
    /// No chunk is handed out after the first failure, which is thrown (the first recorded).
    /// The index build, the ROI histogram build and the index writer's whole-mask reads share it.
    public static func takeChunks<State, Failure: Error>(count: Int, chunk: Int, state makeState: () -> State,
                                                        _ body: (Range<Int>, inout State) throws(Failure) -> Void) throws(Failure) {
        let chunks = (count + chunk - 1) / chunk
        guard chunks > 0 else { return }
        let next = Atomic(0)
        let failure = Mutex<Failure?>(nil)
        run(workers: min(coreCount, chunks)) { _ in
            var state = makeState()
            while failure.withLock({ $0 == nil }) {
                let c = next.add(1, ordering: .relaxed).oldValue
                guard c < chunks else { return }
                do throws(Failure) {
                    try body((c * chunk)..<min(count, (c + 1) * chunk), &state)
                } catch {
                    failure.withLock { $0 = $0 ?? error }
                    return
                }
            }
        }
        if let e = failure.withLock({ $0 }) { throw e }
    }
}

/// Wraps a value for a worker thread; `Parallel` is its only user.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
