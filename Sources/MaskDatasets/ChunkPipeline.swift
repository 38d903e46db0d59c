import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The hand-offs between the generator's threads: rendering workers fill *slots* (reusable
/// chunk buffers) with chunks of images, and the consumers — the masks writer (`masks.npy` and
/// the CSV files, in chunk order) and, with images, the image writer — take the chunks in
/// order and give each slot back when all of them are done with it.
///
/// Chunks are handed out in increasing order together with a free slot, so the chunk a
/// consumer waits for is always either published or being rendered by a worker that already
/// holds its slot: the pipeline cannot deadlock, whatever the number of slots (at least 1).
/// A bounded slot pool is the back-pressure: workers wait when the writers fall behind, the
/// writers wait when rendering does, and memory stays O(slots · chunk).
///
/// All state is guarded by one mutex, with one condition variable per kind of waiter; a
/// failure (`fail`) wakes everyone, and every wait then returns nil.
final class ChunkPipeline: @unchecked Sendable {
    enum Consumer: Int, CaseIterable {
        case masks = 0
        case images = 1
    }

    let chunkCount: Int
    let slots: [ChunkSlot]
    let consumers: [Consumer]

    private let monitor = Monitor(conditionCount: 4)
    private static let slotFreed = 2, threadFinished = 3   // 0 and 1: Consumer.rawValue
    private var freeSlots: [Int]
    private var nextChunk = 0
    /// Per consumer: published chunk → slot.
    private var published: [[Int: Int]]
    /// Per slot: consumers still to release it.
    private var pendingReleases: [Int]
    private var failure: DatasetGenerationError?
    private var runningThreads = 0

    init(chunkCount: Int, slotCount: Int, slotMaskBytes: Int, consumers: [Consumer]) {
        self.chunkCount = chunkCount
        self.consumers = consumers
        slots = (0..<max(1, slotCount)).map { _ in ChunkSlot(maskCapacity: slotMaskBytes) }
        freeSlots = Array((0..<slots.count).reversed())
        published = Consumer.allCases.map { _ in [:] }
        pendingReleases = [Int](repeating: 0, count: slots.count)
    }

    /// Worker: the next chunk and a free slot to render it into (waiting for one); nil when
    /// every chunk has been handed out or the pipeline failed.
    func takeChunk() -> (chunk: Int, slot: Int)? {
        monitor.lock()
        defer { monitor.unlock() }
        while failure == nil, nextChunk < chunkCount, freeSlots.isEmpty { monitor.wait(Self.slotFreed) }
        guard failure == nil, nextChunk < chunkCount else { return nil }
        nextChunk += 1
        return (nextChunk - 1, freeSlots.removeLast())
    }

    /// Worker: `slot` now holds `chunk`; every consumer may take it.
    func publish(chunk: Int, slot: Int) {
        monitor.lock()
        pendingReleases[slot] = consumers.count
        for consumer in consumers {
            published[consumer.rawValue][chunk] = slot
            monitor.signal(consumer.rawValue)
        }
        monitor.unlock()
    }

    /// Consumer: waits until `chunk` is published and returns its slot; nil when the pipeline
    /// failed.
    func take(_ consumer: Consumer, chunk: Int) -> Int? {
        monitor.lock()
        defer { monitor.unlock() }
        while failure == nil, published[consumer.rawValue][chunk] == nil { monitor.wait(consumer.rawValue) }
        guard failure == nil else { return nil }
        return published[consumer.rawValue].removeValue(forKey: chunk)
    }

    /// Consumer: done with `slot`; the last consumer frees it.
    func release(slot: Int) {
        monitor.lock()
        pendingReleases[slot] -= 1
        if pendingReleases[slot] == 0 {
            freeSlots.append(slot)
            monitor.signal(Self.slotFreed)
        }
        monitor.unlock()
    }

    /// Records the first failure and wakes every waiter.
    func fail(_ error: DatasetGenerationError) {
        monitor.lock()
        if failure == nil { failure = error }
        for condition in 0..<4 { monitor.broadcast(condition) }
        monitor.unlock()
    }

    /// The first failure, if any.
    var firstFailure: DatasetGenerationError? {
        monitor.lock()
        defer { monitor.unlock() }
        return failure
    }

    /// Runs `body` on a new thread, counted until it returns.
    func spawn(_ body: @escaping @Sendable () -> Void) {
        monitor.lock()
        runningThreads += 1
        monitor.unlock()
        let thread = Thread { [self] in
            body()
            monitor.lock()
            runningThreads -= 1
            monitor.signal(Self.threadFinished)
            monitor.unlock()
        }
        thread.start()
    }

    /// Waits until every spawned thread has returned.
    func waitForThreads() {
        monitor.lock()
        while runningThreads > 0 { monitor.wait(Self.threadFinished) }
        monitor.unlock()
    }
}

/// One reusable chunk buffer: the masks of up to `imagesPerChunk` images (contiguous, in mask
/// order, exactly as they go into `masks.npy`), their CSV rows and their PNG files.
/// Written by one worker, then only read by the consumers (the pipeline's mutex orders the two).
final class ChunkSlot: @unchecked Sendable {
    let masks: UnsafeMutableRawBufferPointer
    var maskByteCount = 0
    var maskCount = 0
    var firstImage = 0
    var meta = CSVRowWriter()
    var objects = CSVRowWriter()
    /// The PNG files of the chunk's images, concatenated.
    var png: [UInt8] = []
    /// The end offset in `png` of each image's file, in image order.
    var pngEnds: [Int] = []

    init(maskCapacity: Int) {
        masks = .allocate(byteCount: max(1, maskCapacity), alignment: 64)
    }

    deinit { masks.deallocate() }

    /// Empties the slot for chunk images starting at `firstImage`, keeping its allocations.
    func reset(firstImage: Int) {
        self.firstImage = firstImage
        maskByteCount = 0
        maskCount = 0
        meta.removeAll()
        objects.removeAll()
        png.removeAll(keepingCapacity: true)
        pngEnds.removeAll(keepingCapacity: true)
    }
}

/// A pthread mutex with `conditionCount` condition variables. (Foundation's `NSCondition`
/// pairs each condition with its own lock; the pipeline needs several on one lock.)
final class Monitor: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let conditions: UnsafeMutablePointer<pthread_cond_t>
    private let conditionCount: Int

    init(conditionCount: Int) {
        self.conditionCount = conditionCount
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        conditions = .allocate(capacity: conditionCount)
        for k in 0..<conditionCount {
            (conditions + k).initialize(to: pthread_cond_t())
            pthread_cond_init(conditions + k, nil)
        }
    }

    deinit {
        for k in 0..<conditionCount { pthread_cond_destroy(conditions + k) }
        pthread_mutex_destroy(mutex)
        conditions.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    /// Waits on condition `k`; the mutex must be held.
    func wait(_ k: Int) { pthread_cond_wait(conditions + k, mutex) }
    func signal(_ k: Int) { pthread_cond_signal(conditions + k) }
    func broadcast(_ k: Int) { pthread_cond_broadcast(conditions + k) }
}
