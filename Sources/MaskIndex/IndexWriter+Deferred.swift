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
/// `indexDeferred` reads them whole, builds their entries (`observe`) and `flush` stores them.
/// The masks indexed, and so what the index holds afterwards, are those the synchronous path
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

    /// Reads the noted masks whole and builds their entries into the pending ones (`observe`),
    /// in parallel (the cores take masks in ascending order); `flush` then stores them. Returns
    /// the number of masks whose entries were built.
    /// - Complexity: O(noted masks × pixels), one mask buffer per core.
    public func indexDeferred() throws(StorageError) -> Int {
        let rows = state.withLock { st in
            defer { st.deferred = DeferredMasks() }
            return st.deferred.rows.sorted()
        }
        guard !rows.isEmpty else { return 0 }
        let maskBytes = database.height * database.width * database.pixelFormat.bytesPerPixel
        let next = Atomic(0), built = Atomic(0)
        let failure = Mutex<StorageError?>(nil)
        Parallel.run(workers: min(Parallel.coreCount, rows.count)) { _ in
            let pixels = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, maskBytes), alignment: 64)
            defer { pixels.deallocate() }
            while failure.withLock({ $0 == nil }) {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < rows.count else { return }
                let (s, local) = database.locate(row: rows[i])
                do throws(FormatError) {
                    try database.segments[s].readRows(mask: local, rows: 0..<database.height, into: pixels)
                } catch {
                    failure.withLock { $0 = $0 ?? .corrupt(error) }
                    return
                }
                if observe(row: rows[i], pixels: UnsafeRawBufferPointer(pixels)) { built.add(1, ordering: .relaxed) }
            }
        }
        if let e = failure.withLock({ $0 }) { throw e }
        return built.load(ordering: .relaxed)
    }
}
