import MaskFormat
import MaskStorage
import Synchronization

/// The masks a query noted for indexing after its answer (`IndexWriter.deferIndexing`): rows of
/// the database, and the bytes of entries they will take in `PendingEntries` (counted against
/// its limit at noting time, so that every noted mask fits when it is indexed).
struct DeferredMasks {
    private(set) var rows: Set<Int> = []
    private(set) var bytes = 0

    var count: Int { rows.count }

    func contains(_ row: Int) -> Bool { rows.contains(row) }

    /// Notes `row` with `entryBytes` of entries; false when it is noted already.
    mutating func insert(_ row: Int, entryBytes: Int) -> Bool {
        guard rows.insert(row).inserted else { return false }
        bytes += entryBytes
        return true
    }
}

/// Indexing after the answer (`QuerySession.deferIndexing`, the `masksearch query` command):
/// while the query runs, the verification pass reads only the rows it needs and notes the
/// masks the index wants (`deferIndexing`, O(1) each); after the answer is out,
/// `indexDeferred` reads them whole, builds their entries and stores them — as delta records
/// written straight from the cores (`storeIntoDelta`), or through the pending entries
/// (`observe`) that `flush` stores. The masks indexed, and so what the index holds afterwards, are those the synchronous path
/// would have indexed (the same admission, `IndexingBudget`); only the time moves, off the
/// answer's path.
extension IndexWriter {
    /// True when masks are noted during the pass and indexed by `indexDeferred`.
    public var defersIndexing: Bool {
        get { deferring.load(ordering: .relaxed) }
        set { deferring.store(newValue, ordering: .relaxed) }
    }

    /// Notes mask `row` for `indexDeferred`; false when it has entries already, is pending or
    /// noted, or would not fit in the pending entries.
    public func deferIndexing(row: Int) -> Bool {
        let (s, local) = database.locate(row: row)
        guard let t = target(s, local) else { return false }
        let bytes = t.header.keyCount * t.header.entryWidth
        return state.withLock { st in
            guard !st.pending.contains(segment: s, mask: local), st.pending.hasRoom(for: bytes + st.deferred.bytes) else { return false }
            return st.deferred.insert(row, entryBytes: bytes)
        }
    }

    /// Reads the noted masks whole, builds their entries and stores them. Where every noted
    /// mask's file exists with room in its delta region, the cores write each record as soon
    /// as it is built and the records are published at the end (`storeIntoDelta`), under the
    /// database lock throughout; otherwise (a file to create, a region to merge, a file
    /// without one) the entries go into the pending ones (`observe`) for `flush` to store.
    /// Returns the number of masks whose entries were built.
    /// - Complexity: O(noted masks × pixels), one mask buffer per core.
    public func indexDeferred() throws(StorageError) -> Int {
        let rows = state.withLock { st in
            defer { st.deferred = DeferredMasks() }
            return st.deferred.rows.sorted()
        }
        guard !rows.isEmpty else { return 0 }
        if let stored = try storeIntoDelta(rows) { return stored }
        return try readWhole(rows.map(database.locate), worker: {}) { i, pixels, _ throws(StorageError) in
            observe(row: rows[i], pixels: pixels)
        }
    }

    /// The most records a core builds before writing them, in one `pwritev` (`storeIntoDelta`).
    /// Measured (ext4, 7,488-byte records into allocated blocks, two threads writing one file;
    /// Benchmarks/results/issue-10/session10/record_writes.c): 11 µs of CPU a record written
    /// alone, 4.1 µs in writes of 16, 3.3 µs in writes of 32: the cost of a write is mostly
    /// per call, not per byte.
    static let recordsPerWrite = 32

    /// The direct path of `indexDeferred`: under the database lock, takes slots in each
    /// segment's delta region for the masks of `rows` without entries (`DeltaAppend`), builds
    /// and writes their records in parallel — each core a run of consecutive slots into its own
    /// `RecordBuilder`, written with one `pwritev` — then publishes them. A run is at most
    /// `recordsPerWrite` records and a quarter of a core's share, so the cores end close
    /// together (Figure 11 at p = 1.0 before and after: Benchmarks/results/issue-10/session10.md).
    /// Building into the pending entries instead cost fresh pages of their buffer and a serial
    /// write: in Figure 11 at p = 1.0 (200 queries of ~180 masks of 224×224), the indexing after
    /// the answers took 0.73–0.90 s with a write per record here against 0.80–1.27 s through
    /// them (Benchmarks/results/issue-10/session7.md).
    /// Nil, with nothing published, when a segment has no delta region this writer fills, too
    /// few free slots, or no space for them: the pending path then stores them (merging the
    /// region into the columns, whose blocks are reserved). A failed read throws with nothing
    /// published.
    private func storeIntoDelta(_ rows: [Int]) throws(StorageError) -> Int? {
        var locals: [Int: [Int]] = [:]
        for row in rows {
            let (s, local) = database.locate(row: row)
            guard let f = files[s], f.file.writable, f.delta != nil, f.grid == grid else { return nil }
            locals[s, default: []].append(local)
        }
        let lock = try DatabaseLock(directory: database.path)
        defer { lock.release() }
        var appends: [(segment: Int, append: DeltaAppend)] = []
        for (s, masks) in locals.sorted(by: { $0.key < $1.key }) {
            let f = files[s]!
            do throws(StorageError) {
                guard let append = try DeltaAppend(file: f, candidates: masks.filter { !f.isValid($0) }) else { return nil }
                appends.append((s, append))
            } catch {
                guard error.isOutOfSpace else { throw error }
                return nil
            }
        }
        let jobs = appends.flatMap { s, append in append.masks.indices.map { (segment: s, append: append, index: $0) } }
        let run = max(1, min(Self.recordsPerWrite, jobs.count / (4 * Parallel.coreCount)))
        let width = appends.map { $0.append.file.header.entryWidth }.max() ?? 4
        let built: Int
        do throws(StorageError) {
            built = try readWhole(jobs.map { ($0.segment, $0.append.masks[$0.index]) }, chunk: run,
                                  worker: { RecordBuilder(grid: grid, records: run, width: width) }) { k, pixels, worker throws(StorageError) in
                worker.build(pixels, width: jobs[k].append.file.header.entryWidth)
                return true
            } endChunk: { range, worker throws(StorageError) in
                try worker.write(jobs[range].map { ($0.append, $0.index) })
            }
        } catch {
            // A write the file system refused for want of space (its blocks were allocated, but
            // not every file system keeps that promise): the pending path merges instead.
            guard error.isOutOfSpace else { throw error }
            return nil
        }
        for (_, append) in appends { try append.publish() }
        state.withLock { $0.newlyIndexed += built }
        return built
    }

    /// Reads `masks` (segment, local mask number) whole in parallel — the cores take chunks of
    /// `chunk` in ascending order (`Parallel.takeChunks`), each with one mask buffer and its own
    /// `Worker` from `makeWorker` — and hands each to `body` with its index, then each chunk to
    /// `endChunk`. Stops at the first failure, which it throws (a read failure as `.corrupt`).
    /// Returns the number of calls of `body` that returned true.
    private func readWhole<Worker>(_ masks: [(segment: Int, local: Int)], chunk: Int = 1, worker makeWorker: () -> Worker,
                                   _ body: (Int, UnsafeRawBufferPointer, inout Worker) throws(StorageError) -> Bool,
                                   endChunk: (Range<Int>, inout Worker) throws(StorageError) -> Void = { _, _ in }) throws(StorageError) -> Int {
        let maskBytes = database.height * database.width * database.pixelFormat.bytesPerPixel
        let done = Atomic(0)
        try Parallel.takeChunks(count: masks.count, chunk: chunk, state: { WholeMask(bytes: maskBytes, worker: makeWorker()) }) {
            range, mask throws(StorageError) in
            for i in range {
                do throws(FormatError) {
                    try database.segments[masks[i].segment].readRows(mask: masks[i].local, rows: 0..<database.height, into: mask.pixels)
                } catch {
                    throw .corrupt(error)
                }
                if try body(i, UnsafeRawBufferPointer(mask.pixels), &mask.worker) { done.add(1, ordering: .relaxed) }
            }
            try endChunk(range, &mask.worker)
        }
        return done.load(ordering: .relaxed)
    }
}

/// One core's buffer of a whole mask for `IndexWriter.readWhole`, and its worker.
private final class WholeMask<Worker> {
    let pixels: UnsafeMutableRawBufferPointer
    var worker: Worker

    init(bytes: Int, worker: Worker) {
        pixels = .allocate(byteCount: max(1, bytes), alignment: 64)
        self.worker = worker
    }

    deinit { pixels.deallocate() }
}

/// One core's means of writing delta records (`IndexWriter.storeIntoDelta`): a builder, and
/// the entries of the run of masks it built since its last write, one row each at an index
/// file's entry width.
private final class RecordBuilder {
    private let builder: CHIBuilder
    private let entries: UnsafeMutableRawBufferPointer
    private let rowCapacity: Int
    private let runCapacity: Int
    private var rows: [UnsafeRawPointer] = []

    /// A builder for runs of up to `records` masks, at most `width` bytes an entry (a fresh page
    /// cost 1.4–2.2 µs on the measuring machine: the rows are no wider than they need be).
    init(grid: CHIGrid, records: Int, width: Int) {
        builder = CHIBuilder(grid: grid)
        rowCapacity = grid.keyCount * width
        runCapacity = records
        entries = .allocate(byteCount: records * rowCapacity, alignment: 64)
        rows.reserveCapacity(records)
    }

    deinit { entries.deallocate() }

    /// Builds the entries of a mask given as stored codes into the run's next row, `width`
    /// bytes each (at most the builder's).
    func build(_ pixels: UnsafeRawBufferPointer, width: Int) {
        precondition(width * builder.grid.keyCount <= rowCapacity && rows.count < runCapacity, "a run longer or wider than the builder's")
        let row = entries.baseAddress! + rows.count * rowCapacity
        builder.build(codes: pixels)
        builder.copyEntries(to: row, width: width)
        rows.append(UnsafeRawPointer(row))
    }

    /// Writes the run's records — `slots[j]`, the append and mask index of the `j`-th mask
    /// built (consecutive indices within each append) — one `DeltaAppend.write` per append,
    /// and starts a new run.
    func write(_ slots: [(append: DeltaAppend, index: Int)]) throws(StorageError) {
        precondition(slots.count == rows.count, "a run's slots and built rows differ")
        defer { rows.removeAll(keepingCapacity: true) }
        var start = 0
        while start < slots.count {
            var end = start + 1
            while end < slots.count, slots[end].append === slots[start].append { end += 1 }
            let first = slots[start].index
            try slots[start].append.write(first..<(first + end - start), rows: Array(rows[start..<end]))
            start = end
        }
    }
}
