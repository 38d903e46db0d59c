#if canImport(Glibc)
import Glibc
#endif
import MaskFormat
import MaskStorage
import Synchronization

/// The incremental indexer (CONTRACT.md section 4): an observer of the masks a query reads
/// whole. `observe` builds a mask's CHI into `PendingEntries`; `flush`, at the query's end,
/// creates the index files of segments that have none (`IndexFileCreation`), then, under the
/// database lock, stores each segment's pending masks (`CHIFile.storeEntries`: appended to
/// the file's mask-major delta region when they fit — a mask's own ~7.5 KB — else merged with
/// the delta's records into the key columns in one sweep) and settles files whose unsynced
/// mark is old enough. Two processes may store the same mask's entries at once — they are
/// identical — and validity bits and delta counts are only set under the lock.
///
/// Index entries are derived data: a flush that finds no space on the file system for a new
/// index file stores nothing, warns on stderr and lets the query answer (`flush`).
public final class IndexWriter: @unchecked Sendable {
    public let database: Database
    public let grid: CHIGrid
    let files: [CHIFile?]
    /// The most bytes of entries `observe` keeps for one `flush`.
    public static let pendingLimitBytes = 64 << 20
    /// Per segment: the header of the index file `flush` will create for it (no file yet).
    private let lazyHeaders: [IndexHeader?]
    private let parameters: Manifest.IndexParameters

    struct State {
        var builders: [CHIBuilder] = []
        var pending: PendingEntries
        var newlyIndexed = 0
        /// Masks noted by `deferIndexing` (rows), read whole and indexed by `indexDeferred`.
        var deferred = DeferredMasks()
    }
    let state: Mutex<State>
    private let created = Atomic(false)
    let deferring = Atomic(false)

    /// A writer for `files` (one per segment of `database`); `creatable`: segments without a
    /// file get one at their first flush.
    init(database: Database, grid: CHIGrid, parameters: Manifest.IndexParameters, files: [CHIFile?], creatable: Bool) {
        self.database = database
        self.grid = grid
        self.files = files
        self.parameters = parameters
        lazyHeaders = zip(database.manifest.segments, database.segments).map { entry, segment in
            guard entry.indexFile == nil, creatable else { return nil }
            return IndexHeader(height: database.height, width: database.width, pixelFormat: database.pixelFormat,
                               bins: parameters.bins, cell: parameters.cell, maskCount: segment.maskCount,
                               segmentFooterCRC: segment.footerChecksum)
        }
        state = Mutex(State(pending: PendingEntries(segments: files.count, limitBytes: IndexWriter.pendingLimitBytes)))
    }

    /// True once `flush` created index files: the `DatabaseIndex` holding this writer does not
    /// see them (their segments stay unindexed there), so a caller running more queries opens a
    /// new one.
    public var createdFiles: Bool { created.load(ordering: .relaxed) }

    /// Where a new entry of mask `local` of segment `s` goes: the grid it is built on and the
    /// header of its file (existing or to be created); nil when the mask has entries already
    /// or its segment cannot be indexed by this writer.
    func target(_ s: Int, _ local: Int) -> (grid: CHIGrid, header: IndexHeader)? {
        if let f = files[s] {
            guard f.file.writable, !f.hasEntries(local) else { return nil }
            return (f.grid, f.header)
        }
        return lazyHeaders[s].map { (grid, $0) }
    }

    /// True when reading mask `row` whole would let `observe` index it.
    public func wantsWholeMask(row: Int) -> Bool {
        let (s, local) = database.locate(row: row)
        guard let t = target(s, local) else { return false }
        let bytes = t.header.keyCount * t.header.entryWidth
        return state.withLock {
            !$0.pending.contains(segment: s, mask: local) && !$0.deferred.contains(row)
                && $0.pending.hasRoom(for: bytes + $0.deferred.bytes)
        }
    }

    /// What storing mask `row`'s entry first touches (`IndexingBudget`): in a file with a delta
    /// region (versions 3 and 4, and every file `flush` creates), the pages of its own record — the
    /// group is the mask itself; in an older file, one page of every key column, shared by the
    /// page group of `pageSize / entryWidth` consecutive masks (0 pages when a mask of the group
    /// is valid already: its pages exist). A merge of a full delta region into the columns is
    /// not counted (it happens once per `deltaCapacity` masks).
    public func storePages(row: Int) -> (group: Int, pages: Int)? {
        let (s, local) = database.locate(row: row)
        guard let h = files[s]?.header ?? lazyHeaders[s] else { return nil }
        let page = MappedFile.pageSize
        if h.hasDelta { return (s << 40 | local, (h.deltaRecordSize + page - 1) / page) }
        let perPage = page / h.entryWidth
        let group = local / perPage
        let touched = files[s]?.anyValid(in: (group * perPage)..<min(h.maskCount, (group + 1) * perPage)) ?? false
        let pages = h.columnStride >= page ? h.keyCount : (h.keyCount * h.columnStride + page - 1) / page
        return (s << 40 | group, touched ? 0 : pages)
    }

    /// Indexes a mask the executor read whole (`pixels`: its stored codes): builds its CHI
    /// into the pending entries. Returns true when a new entry was made (stored by the next
    /// `flush`); false when the mask is indexed or pending already, or the buffer is full.
    public func observe(row: Int, pixels: UnsafeRawBufferPointer) -> Bool {
        let (s, local) = database.locate(row: row)
        guard let (fileGrid, header) = target(s, local) else { return false }
        let bytes = header.keyCount * header.entryWidth
        let builder: CHIBuilder? = state.withLock { st in
            guard !st.pending.contains(segment: s, mask: local), st.pending.hasRoom(for: bytes) else { return nil }
            if let i = st.builders.lastIndex(where: { $0.grid == fileGrid }) { return st.builders.remove(at: i) }
            return CHIBuilder(grid: fileGrid)
        }
        guard let builder else { return false }
        builder.build(codes: pixels)
        // The copy runs outside the lock: under it, the cores building in parallel queued on it.
        let room = state.withLock { $0.pending.reserve(segment: s, mask: local, bytes: bytes) }
        if let room { builder.copyEntries(to: room, width: header.entryWidth) }
        state.withLock { st in
            st.builders.append(builder)
            if room != nil { st.newlyIndexed += 1 }
        }
        return room != nil
    }

    /// Masks indexed by `observe` since the writer was made.
    public var newlyIndexed: Int { state.withLock { $0.newlyIndexed } }

    /// True when observed (or noted) masks wait for `flush` (or `indexDeferred`).
    public var hasPendingEntries: Bool { state.withLock { $0.pending.count > 0 || $0.deferred.count > 0 } }

    /// Stores the entries kept by `observe`: creates the missing index files they need, then,
    /// under the database lock, stores each segment's masks (`CHIFile.storeEntries`) and settles
    /// every file whose unsynced mark is old enough (`CHIFile.settle`). When the file system has
    /// no space for a new index file, the segments that need one stay unindexed and a warning
    /// goes to stderr: the query still answers.
    public func flush() throws(StorageError) {
        let pending = state.withLock { st in
            defer { st.pending = PendingEntries(segments: files.count, limitBytes: IndexWriter.pendingLimitBytes) }
            return st.pending
        }
        // `sorted` hands out pointers into its buffer: it lives until the end of the flush.
        defer { withExtendedLifetime(pending) {} }
        let needsSettle = files.contains { $0.map { $0.file.writable && $0.needsSettle } ?? false }
        guard pending.count > 0 || needsSettle else { return }
        var targets = files
        let missing = pending.offsets.indices.filter { files[$0] == nil && lazyHeaders[$0] != nil && !pending.offsets[$0].isEmpty }
        if !missing.isEmpty {
            do throws(StorageError) {
                try openCreatedFiles(for: missing, into: &targets)
            } catch {
                guard error.isOutOfSpace else { throw error }
                IndexWriter.warn("index entries of \(missing.count) segment(s) not stored: \(error.description.dropPrefix("error: "))")
            }
        }
        let lock = try DatabaseLock(directory: database.path)
        defer { lock.release() }
        for s in pending.offsets.indices where !pending.offsets[s].isEmpty {
            guard let f = targets[s] else { continue }
            // Masks another process made valid meanwhile are left out.
            let (masks, rows) = pending.sorted(segment: s) { !f.isValid($0) }
            do throws(StorageError) {
                try f.storeEntries(masks: masks, rows: rows)
            } catch {
                guard error.isOutOfSpace else { throw error }
                IndexWriter.warn("index entries of \(masks.count) mask(s) not stored: \(error.description.dropPrefix("error: "))")
            }
        }
        for case let f? in targets where f.file.writable { try f.settle() }
    }

    /// Creates (and commits) the index files of segments `missing` and opens them into
    /// `targets` — unless another process built an index with other parameters meanwhile.
    private func openCreatedFiles(for missing: [Int], into targets: inout [CHIFile?]) throws(StorageError) {
        // Committed under the lock by `IndexFileCreation`, before the flush takes it: the lock
        // is not reentrant.
        let names = try IndexFileCreation.createMissingFiles(database: database, parameters: parameters)
        created.store(true, ordering: .relaxed)
        for s in missing {
            guard let name = names[s] else { continue }
            let f = try CHIFile(path: database.path + "/" + name, segment: database.segments[s], writable: true)
            // Only the pages the entries land in: read-around would fill the page cache with
            // megabytes of the new file's holes per fault.
            f.file.adviseRandom()
            if f.grid == grid { targets[s] = f }
        }
    }

    /// Writes `masksearch: warning: message` to stderr (index entries are derived data: a
    /// failure to store them is not the query's).
    static func warn(_ message: String) {
        let line = Array("masksearch: warning: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

extension StorageError {
    /// True for a system call that failed for want of space or quota (`ENOSPC`, `EDQUOT`).
    public var isOutOfSpace: Bool {
        if case .system(_, _, let e) = self { return e == ENOSPC || e == EDQUOT }
        return false
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> Substring {
        hasPrefix(prefix) ? dropFirst(prefix.count) : self[...]
    }
}
