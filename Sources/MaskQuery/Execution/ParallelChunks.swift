import Dispatch

/// Splits `0..<count` into contiguous chunks and runs `body(chunkIndex, range)` over them with
/// `DispatchQueue.concurrentPerform`, which spreads the chunks over the machine's cores.
/// Chunk boundaries depend only on `count`, so callers that write each item's result to its own
/// slot get the same output however the chunks are scheduled.
enum ParallelChunks {
    /// Chunks of at least `minimumChunk` items, at most 64 chunks.
    static func ranges(count: Int, minimumChunk: Int = 8) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let chunks = max(1, min(64, count / max(1, minimumChunk)))
        let size = (count + chunks - 1) / chunks
        return stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }

    static func run(count: Int, minimumChunk: Int = 8, _ body: (Int, Range<Int>) -> Void) {
        run(ranges(count: count, minimumChunk: minimumChunk), body)
    }

    /// Runs `body(chunkIndex, rs[chunkIndex])` over chunks computed beforehand (`ranges`), for a
    /// caller that planned per chunk before running.
    static func run(_ rs: [Range<Int>], _ body: (Int, Range<Int>) -> Void) {
        if rs.isEmpty { return }
        if rs.count == 1 {
            body(0, rs[0])
            return
        }
        // The chunks write disjoint slots through unsafe pointers the body captures; that is the
        // contract of this helper, so the body is passed on as unchecked-Sendable.
        withoutActuallyEscaping(body) { escapable in
            let work = UncheckedSendableBody(body: escapable)
            DispatchQueue.concurrentPerform(iterations: rs.count) { i in work.body(i, rs[i]) }
        }
    }

    /// `body(chunkIndex, rs[chunkIndex])` over the chunks in parallel (`run`); the results in
    /// chunk order, whatever the schedule.
    static func map<T>(_ rs: [Range<Int>], _ body: (Int, Range<Int>) -> T) -> [T] {
        var results = [T?](repeating: nil, count: rs.count)
        results.withUnsafeMutableBufferPointer { out in
            run(rs) { c, range in out[c] = body(c, range) }
        }
        return results.map { $0! }
    }
}

private struct UncheckedSendableBody: @unchecked Sendable {
    let body: (Int, Range<Int>) -> Void
}
