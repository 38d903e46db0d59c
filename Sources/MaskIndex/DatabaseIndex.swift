#if canImport(Glibc)
import Glibc
#endif
import MaskFormat
import MaskStorage
import Synchronization

/// The index of a whole database: one `CHIFile` per segment, the bounds source of the
/// filter-verification executor, and the incremental indexer (CONTRACT.md section 4:
/// "a mask without an index entry that a query reads is indexed then, and the entry is
/// kept on disk").
///
/// Incremental protocol: when opened `incremental`, a segment without an index file gets one
/// at the first `flush` with masks of it (created empty under the database lock, then the
/// manifest names it; a query that indexes nothing writes nothing). `observe` builds the CHI of a
/// mask the executor has read whole into a pending buffer (mask-major, at the entry width);
/// `flush` takes the database lock, stores the pending masks key by key
/// (`CHIFile.store`: one sweep per key column, instead of one scattered store per
/// entry), then publishes their validity bits (`CHIFile.publish`) and settles files whose
/// unsynced mark is old enough. Two processes may store the same mask's entries at once —
/// they are identical — and validity bits are only ever set under the lock. The pending
/// buffer is bounded (`pendingLimitBytes`): past it, `observe` declines, and the masks are
/// indexed by a later query.
public final class DatabaseIndex: @unchecked Sendable {
    public let database: Database
    public let grid: CHIGrid
    public let incremental: Bool
    /// Per segment; nil where the segment has no index file.
    public let files: [CHIFile?]
    /// The most bytes of entries `observe` keeps for one `flush`.
    public static let pendingLimitBytes = 64 << 20

    private struct State {
        var builders: [CHIBuilder] = []
        /// Masks stored in `pendingEntries` but not yet published, per segment: local mask
        /// number → slot.
        var pending: [[Int: Int]]
        /// Slot i holds `keyCount × entryWidth` bytes; allocated at `pendingLimitBytes` on the
        /// first `observe` (pages are touched as slots fill).
        var pendingEntries: UnsafeMutableRawPointer?
        var slots = 0
        var newlyIndexed = 0
    }
    private let state: Mutex<State>

    public var parameters: Manifest.IndexParameters {
        Manifest.IndexParameters(bins: grid.bins, cell: grid.cell)
    }

    /// Opens the index of `database`. With `incremental` (and a writable directory), a segment
    /// without an index file gets one when the first masks observed for it are flushed
    /// (`flush`), not before: a query that indexes nothing writes nothing.
    public init(database: Database, incremental: Bool) throws(StorageError) {
        self.database = database
        let params = database.manifest.index ?? .defaults(height: database.height, width: database.width)
        grid = CHIGrid(height: database.height, width: database.width, cell: params.cell, bins: params.bins, pixelFormat: database.pixelFormat)
        let names = database.manifest.segments.map(\.indexFile)
        let creatable = incremental && access(database.path, W_OK) == 0
        // The header a segment's file will have when `flush` creates it.
        lazyHeaders = zip(names, database.segments).map { name, segment in
            guard name == nil, creatable else { return nil }
            return IndexHeader(height: database.height, width: database.width, pixelFormat: database.pixelFormat,
                               bins: params.bins, cell: params.cell, maskCount: segment.maskCount,
                               segmentFooterCRC: segment.footerChecksum)
        }
        self.parametersToCreate = params
        self.incremental = incremental
        var files: [CHIFile?] = []
        var unusable: [String] = []
        for (i, name) in names.enumerated() {
            guard let name else { files.append(nil); continue }
            do throws(StorageError) {
                files.append(try CHIFile(path: database.path + "/" + name, segment: database.segments[i], writable: incremental))
            } catch {
                // Derived data: a missing or damaged index file leaves its segment unindexed (the
                // queries read its masks; `masksearch index` rebuilds the file). A read-only
                // directory is not damage: the caller retries read-only.
                if case .system(_, _, let e) = error, e == EACCES || e == EROFS || e == EPERM { throw error }
                files.append(nil)
                unusable.append("\(name): \(error)")
            }
        }
        self.files = files
        self.unusableFiles = unusable
        state = Mutex(State(pending: Array(repeating: [:], count: files.count)))
        wholeFilePrefetched = Mutex(Array(repeating: false, count: files.count))
        // Bounds read a few columns (constant ROI) or scattered entries (named ROIs): no
        // read-ahead around faults; the bounds functions prefetch what they read.
        for f in files { f?.file.adviseRandom() }
    }

    /// Per segment: the header of the index file `flush` will create for it (no file yet).
    private let lazyHeaders: [IndexHeader?]
    private let parametersToCreate: Manifest.IndexParameters
    /// True once `flush` created index files: this instance does not see them (their
    /// segments stay unindexed here), so a caller running more queries opens a new one.
    public private(set) var createdFiles = false

    /// Index files that could not be opened (missing or damaged), with the error: their
    /// segments are queried without an index until `masksearch index` rebuilds them.
    public let unusableFiles: [String]

    /// Files whose entries were all prefetched once (`prefetch(runs:)`).
    private let wholeFilePrefetched: Mutex<[Bool]>

    /// The end of the run of rows from `start` (before `limit`) that share one box and one
    /// segment, and so one plan.
    private static func runEnd(from start: Int, before limit: Int, boxes: [PixelBox], segmentOf: [(segment: Int, local: Int)]) -> Int {
        var end = start + 1
        while end < limit && boxes[end] == boxes[start] && segmentOf[end].segment == segmentOf[start].segment { end += 1 }
        return end
    }

    /// Read-ahead for bounds over `runs` (rows with one box each, as `boundsByRuns` plans
    /// them): with few runs, the key columns of each run's plan over its span of masks;
    /// with many (named ROIs: a box per image), every entry of the files involved, once.
    private func prefetch<Plan: MaskBoundsPlan>(_: Plan.Type, rows: [Int], boxes: [PixelBox], codes: CodeInterval,
                                                segmentOf: [(segment: Int, local: Int)]) {
        var runs: [Range<Int>] = []
        var start = 0
        while start < rows.count && runs.count <= 64 {
            let end = DatabaseIndex.runEnd(from: start, before: rows.count, boxes: boxes, segmentOf: segmentOf)
            runs.append(start..<end)
            start = end
        }
        if runs.count > 64 {
            let touched = Set(segmentOf.map(\.segment))
            let todo = wholeFilePrefetched.withLock { done in touched.filter { !done[$0] }.sorted() }
            for s in todo where files[s]?.prefetchAllEntries() == true {
                wholeFilePrefetched.withLock { $0[s] = true }
            }
            return
        }
        for r in runs {
            let s = segmentOf[r.lowerBound].segment
            guard let f = files[s] else { continue }
            let locals = segmentOf[r].map(\.local)
            let plan = Plan(grid: f.grid, box: boxes[r.lowerBound], codes: codes)
            f.prefetchColumns(plan, masks: locals.min()!..<(locals.max()! + 1))
        }
    }

    deinit { state.withLock { $0.pendingEntries?.deallocate() } }

    /// Creates empty index files for the segments that have none, and commits them.
    /// Returns the index file of every segment of `database`.
    static func createMissingFiles(database: Database, parameters: Manifest.IndexParameters) throws(StorageError) -> [String?] {
        let lock = try DatabaseLock(directory: database.path)
        defer { lock.release() }
        var manifest = try Database.readManifest(database.path)
        guard manifest.index == nil || manifest.index == parameters else {
            return database.manifest.segments.map(\.indexFile)
        }
        manifest.index = parameters
        for i in manifest.segments.indices where manifest.segments[i].indexFile == nil {
            guard let s = database.segments.first(where: { $0.path == database.path + "/" + manifest.segments[i].file }) else { continue }
            let name = Manifest.fileName(prefix: "chi", number: manifest.nextFileNumber, ext: "chi")
            manifest.nextFileNumber += 1
            let header = IndexHeader(height: database.height, width: database.width, pixelFormat: database.pixelFormat,
                                     bins: parameters.bins, cell: parameters.cell, maskCount: s.maskCount,
                                     segmentFooterCRC: s.footerChecksum)
            try CHIFile.create(path: database.path + "/" + name, directory: database.path, header: header)
            manifest.segments[i].indexFile = name
        }
        try lock.commit(manifest)
        let byFile = Dictionary(manifest.segments.map { ($0.file, $0.indexFile) }, uniquingKeysWith: { a, _ in a })
        return database.manifest.segments.map { byFile[$0.file] ?? nil }
    }

    // MARK: Bounds

    /// The last plan made, reused while queries ask for the same (box, codes) of files with
    /// the same grid — every mask of a constant ROI — so that planning costs once per query,
    /// not once per mask. (Files of index version 1 have other uint8 bin edges: `CHIGrid`.)
    private let lastPlan = Mutex<(PixelBox, CodeInterval, Bool, BoundsPlan)?>(nil)

    func plan(box: PixelBox, codes: CodeInterval, file: CHIFile) -> BoundsPlan {
        let edges = file.grid.codeEdges
        if let (b, c, e, p) = lastPlan.withLock({ $0 }), b == box, c == codes, e == edges { return p }
        let p = BoundsPlan(grid: file.grid, box: box, codes: codes)
        lastPlan.withLock { $0 = (box, codes, edges, p) }
        return p
    }

    /// Bounds on CP(mask at `row`, `box` (clipped, non-empty), codes in `codes`), or nil
    /// when the mask has no valid index entry.
    /// - Complexity: O(log bins) to plan plus at most 32 entry loads.
    public func bounds(row: Int, box: PixelBox, codes: CodeInterval) -> ClosedRange<Int>? {
        let (s, local) = database.locate(row: row)
        guard let f = files[s], f.isValid(local) else { return nil }
        return f.bounds(plan(box: box, codes: codes, file: f), mask: local)
    }

    /// Bounds of `rows[i]` over its own box `boxes[i]` (clipped, non-empty) for one code
    /// interval — a named ROI. `lower[i] == -1` where the mask has no valid entry.
    /// - Complexity: O(rows × 32 entry loads) plus a plan per run of equal boxes (the masks
    ///   of one image share its box); split between the cores.
    public func bounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32]) {
        boundsByRuns(BoundsPlan.self, rows: rows, boxes: boxes, codes: codes)
    }

    /// Cell-by-cell bounds (`CellBoundsPlan`) of `rows[i]` over `boxes[i]` (clipped,
    /// non-empty): tighter than `bounds`, at up to ~15× the entries per mask, for the rows the
    /// executor would otherwise read. `lower[i] == -1` where the mask has no valid entry.
    public func refinedBounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32])? {
        boundsByRuns(CellBoundsPlan.self, rows: rows, boxes: boxes, codes: codes)
    }

    /// Evaluates rows run by run — consecutive rows with equal boxes share one plan — with the
    /// next run's plan made, and its first mask's entries prefetched, before the current run
    /// is evaluated (each mask reads its entries from as many key columns, i.e. pages).
    /// Contiguous halves of the rows go to the cores.
    private func boundsByRuns<Plan: MaskBoundsPlan>(_: Plan.Type, rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32]) {
        let n = rows.count
        var lower = [Int32](repeating: -1, count: n), upper = [Int32](repeating: 0, count: n)
        // Every file's grid and bin span (files of index version 1 have other uint8 edges).
        let grids = files.map { $0?.grid ?? grid }
        let spans = grids.map { BinSpan(grid: $0, codes: codes) }
        let segmentOf = rows.map { database.locate(row: $0) }
        prefetch(Plan.self, rows: rows, boxes: boxes, codes: codes, segmentOf: segmentOf)
        lower.withUnsafeMutableBufferPointer { lo in
            upper.withUnsafeMutableBufferPointer { hi in
                let lo = UncheckedSendable(lo.baseAddress!), hi = UncheckedSendable(hi.baseAddress!)
                Parallel.forEachChunk(count: n, minimumChunk: 2048) { range in
                    func makePlan(_ i: Int) -> Plan {
                        let s = segmentOf[i].segment
                        return Plan(grid: grids[s], box: boxes[i], span: spans[s])
                    }
                    var start = range.lowerBound
                    var plan = makePlan(start)
                    while start < range.upperBound {
                        let end = DatabaseIndex.runEnd(from: start, before: range.upperBound, boxes: boxes, segmentOf: segmentOf)
                        let current = plan
                        if end < range.upperBound {
                            plan = makePlan(end)
                            let (s, local) = segmentOf[end]
                            if let f = files[s], f.isValid(local) { plan.prefetch(in: f, mask: local) }
                        }
                        for i in start..<end {
                            let (s, local) = segmentOf[i]
                            guard let f = files[s], f.isValid(local) else { continue }
                            let b = current.evaluate { f.entry(key: $0, mask: local) }
                            lo.value[i] = Int32(b.lowerBound)
                            hi.value[i] = Int32(b.upperBound)
                        }
                        start = end
                    }
                }
            }
        }
        return (lower, upper)
    }

    /// Bounds of every row for one (box, codes) — a constant ROI — computed column-wise over
    /// each segment's index file (`CHIFile.boundsForMasks`), the masks split between the
    /// cores. `lower[row] == -1` where the mask has no valid entry.
    public func boundsForAllRows(box: PixelBox, codes: CodeInterval) -> (lower: [Int32], upper: [Int32])? {
        let count = database.count
        var lower = [Int32](repeating: -1, count: count), upper = [Int32](repeating: 0, count: count)
        lower.withUnsafeMutableBufferPointer { lo in
            upper.withUnsafeMutableBufferPointer { hi in
                let lo = UncheckedSendable(lo.baseAddress!), hi = UncheckedSendable(hi.baseAddress!)
                for (s, file) in files.enumerated() {
                    guard let file else { continue }
                    let start = database.segmentStarts[s]
                    let plan = BoundsPlan(grid: file.grid, box: box, codes: codes)
                    file.prefetchColumns(plan, masks: 0..<file.maskCount)
                    // Below ~16k masks a second thread costs more than it saves.
                    Parallel.forEachChunk(count: file.maskCount, minimumChunk: 16_384) { range in
                        file.boundsForMasks(range, plan: plan, lower: lo.value + start + range.lowerBound,
                                            upper: hi.value + start + range.lowerBound)
                    }
                }
            }
        }
        return (lower, upper)
    }

    /// True when reading mask `row` whole would let `observe` index it.
    public func wantsWholeMask(row: Int) -> Bool {
        guard incremental else { return false }
        let (s, local) = database.locate(row: row)
        guard let target = indexTarget(s, local) else { return false }
        return state.withLock { $0.pending[s][local] == nil && $0.slots < target.maxSlots }
    }

    /// Where a new entry of mask `local` of segment `s` goes: the grid it is built on, its
    /// entry width, and how many masks of that width the pending buffer holds; nil when the
    /// mask is indexed already or its segment cannot be indexed by this instance.
    private func indexTarget(_ s: Int, _ local: Int) -> (grid: CHIGrid, width: Int, maxSlots: Int)? {
        let fileGrid: CHIGrid, width: Int
        if let f = files[s] {
            guard f.file.writable, !f.isValid(local) else { return nil }
            fileGrid = f.grid
            width = f.header.entryWidth
        } else if let h = lazyHeaders[s] {
            fileGrid = grid
            width = h.entryWidth
        } else {
            return nil
        }
        return (fileGrid, width, max(1, DatabaseIndex.pendingLimitBytes / max(1, grid.keyCount * width)))
    }

    /// The page group of mask `row`'s entries in its index file (one page of each key column
    /// holds `pageSize / entryWidth` consecutive masks) and the number of key columns — or 0
    /// pages when a mask of the group is valid already (its pages exist).
    /// A column shorter than a page shares its pages with the next columns: then the pages of
    /// the whole (single) group are the entries' bytes over the page size.
    public func storePages(row: Int) -> (group: Int, pages: Int)? {
        let (s, local) = database.locate(row: row)
        guard let h = files[s]?.header ?? lazyHeaders[s] else { return nil }
        let perPage = MappedFile.pageSize / h.entryWidth
        let group = local / perPage
        let touched = files[s]?.anyValid(in: (group * perPage)..<min(h.maskCount, (group + 1) * perPage)) ?? false
        let pages = h.columnStride >= MappedFile.pageSize ? h.keyCount : (h.keyCount * h.columnStride + MappedFile.pageSize - 1) / MappedFile.pageSize
        return (s << 40 | group, touched ? 0 : pages)
    }

    /// True when mask `row` has a valid index entry.
    public func isIndexed(row: Int) -> Bool {
        let (s, local) = database.locate(row: row)
        return files[s]?.isValid(local) ?? false
    }

    // MARK: Incremental indexing

    /// Indexes a mask the executor read whole (`pixels`: its stored codes): builds its CHI
    /// into the pending buffer. Returns true when a new entry was made (published by the next
    /// `flush`); false when the mask is indexed or pending already, or the buffer is full.
    public func observe(row: Int, pixels: UnsafeRawBufferPointer) -> Bool {
        guard incremental else { return false }
        let (s, local) = database.locate(row: row)
        guard let (fileGrid, width, maxSlots) = indexTarget(s, local) else { return false }
        let keys = grid.keyCount
        let builder: CHIBuilder? = state.withLock { st in
            guard st.pending[s][local] == nil, st.slots < maxSlots else { return nil }
            if let i = st.builders.lastIndex(where: { $0.grid == fileGrid }) { return st.builders.remove(at: i) }
            return CHIBuilder(grid: fileGrid)
        }
        guard let builder else { return false }
        builder.build(codes: pixels)
        let inserted: Bool = state.withLock { st in
            defer { st.builders.append(builder) }
            guard st.pending[s][local] == nil, st.slots < maxSlots else { return false }
            let slot = st.slots
            st.slots += 1
            st.pending[s][local] = slot
            st.newlyIndexed += 1
            if st.pendingEntries == nil {
                st.pendingEntries = .allocate(byteCount: max(1, maxSlots * keys * width), alignment: 64)
            }
            builder.copyEntries(to: st.pendingEntries! + slot * keys * width, width: width)
            return true
        }
        return inserted
    }

    /// Masks indexed by `observe` since the index was opened.
    public var newlyIndexed: Int { state.withLock { $0.newlyIndexed } }

    /// True when observed masks wait for `flush`.
    public var hasPendingEntries: Bool { state.withLock { $0.slots > 0 } }

    /// Publishes the entries kept by `observe`, under the database lock: stores them key by
    /// key, sets their validity bits (`CHIFile.publish`), then settles every file whose
    /// unsynced mark is old enough (`CHIFile.settle`).
    public func flush() throws(StorageError) {
        let (pending, entries) = state.withLock { st -> ([[Int: Int]], UnsafeMutableRawPointer?) in
            let p = st.pending, e = st.pendingEntries
            st.pending = Array(repeating: [:], count: p.count)
            st.pendingEntries = nil
            st.slots = 0
            return (p, e)
        }
        defer { entries?.deallocate() }
        let hasPending = pending.contains { !$0.isEmpty }
        let needsSettle = files.contains { $0.map { $0.file.writable && $0.needsSettle } ?? false }
        guard incremental, hasPending || needsSettle else { return }
        // Segments whose first entries these are get their index files now (committed under
        // the lock by `createMissingFiles`, before this flush takes it: the lock is a POSIX
        // record lock, which any release by the process would drop).
        var targets = files
        if pending.indices.contains(where: { files[$0] == nil && lazyHeaders[$0] != nil && !pending[$0].isEmpty }) {
            let names = try DatabaseIndex.createMissingFiles(database: database, parameters: parametersToCreate)
            createdFiles = true
            for s in pending.indices where files[s] == nil && !pending[s].isEmpty {
                guard let name = names[s] else { continue }
                let f = try CHIFile(path: database.path + "/" + name, segment: database.segments[s], writable: true)
                // Only the pages the entries land in: read-around would fill the page cache with
                // megabytes of the new file's holes per fault.
                f.file.adviseRandom()
                // Another process may have built an index with other parameters meanwhile.
                if f.grid == grid { targets[s] = f }
            }
        }
        let lock = try DatabaseLock(directory: database.path)
        defer { lock.release() }
        for (s, slots) in pending.enumerated() where !slots.isEmpty {
            guard let f = targets[s] else { continue }
            let masks = slots.keys.sorted()
            let bytesPerMask = grid.keyCount * f.header.entryWidth
            guard let entries else { continue }
            var sorted = [UInt8](repeating: 0, count: masks.count * bytesPerMask)
            sorted.withUnsafeMutableBytes { dst in
                for (i, m) in masks.enumerated() {
                    (dst.baseAddress! + i * bytesPerMask).copyMemory(from: entries + slots[m]! * bytesPerMask, byteCount: bytesPerMask)
                }
            }
            sorted.withUnsafeBytes { f.store(masks: masks, entries: $0, parallel: true) }
            try f.publish(masks)
        }
        for case let f? in targets where f.file.writable { try f.settle() }
    }
}
