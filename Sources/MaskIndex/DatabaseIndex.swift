#if canImport(Glibc)
import Glibc
#endif
import MaskFormat
import MaskStorage
import Synchronization

/// The index of a whole database, read side: one `CHIFile` per segment (nil where a segment
/// has none), opened once, and the bounds the filter-verification executor asks for
/// (`DatabaseIndex+Bounds`). Opened `incremental`, it also has an `IndexWriter` — the
/// observer of the masks a query reads whole, which keeps their entries pending and stores
/// them at `flush` (CONTRACT.md section 4: "a mask without an index entry that a query reads
/// is indexed then, and the entry is kept on disk"); `observe`, `wantsWholeMask`,
/// `storePages`, `hasPendingEntries`, `flush` and the deferred calls (`defersIndexing`,
/// `deferIndexing`, `indexDeferred`) forward to it.
public final class DatabaseIndex: @unchecked Sendable {
    public let database: Database
    public let grid: CHIGrid
    public let incremental: Bool
    /// Per segment; nil where the segment has no index file.
    public let files: [CHIFile?]
    /// The incremental writer; nil unless opened `incremental`.
    public let writer: IndexWriter?
    /// The most bytes of entries `observe` keeps for one `flush`.
    public static let pendingLimitBytes = IndexWriter.pendingLimitBytes

    /// Index files that could not be opened (missing or damaged), with the error: their
    /// segments are queried without an index until `masksearch index` rebuilds them.
    public let unusableFiles: [String]

    /// Per file, the bins whose key columns were prefetched whole (`prefetch`, named ROIs).
    let prefetchedBins: Mutex<[Set<Int>]>

    /// Per named ROI set, its ROI histogram files by segment (nil where none is usable),
    /// opened the first time a query asks (`roiHistograms(named:)`).
    let histogramFiles = Mutex<[String: [ROIHistogramFile?]]>([:])

    /// ROI histogram files found damaged by this instance's queries (the file name and the
    /// damage): their rows took the grid's bounds; `masksearch index` rebuilds them.
    let damagedHistograms = Mutex<[String]>([])
    public var unusableHistogramFiles: [String] { damagedHistograms.withLock { $0 } }

    /// The last plan made, reused while queries ask for the same (box, codes) of files with
    /// the same grid — every mask of a constant ROI — so that planning costs once per query,
    /// not once per mask. (Files of index version 1 have other uint8 bin edges: `CHIGrid`.)
    let lastPlan = Mutex<(PixelBox, CodeInterval, Bool, BoundsPlan)?>(nil)

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
        self.incremental = incremental
        (files, unusableFiles) = try DatabaseIndex.openFiles(database: database, writable: incremental)
        writer = incremental ? IndexWriter(database: database, grid: grid, parameters: params, files: files,
                                           creatable: access(database.path, W_OK) == 0) : nil
        prefetchedBins = Mutex(Array(repeating: [], count: files.count))
        // Bounds read a few columns (constant ROI) or scattered entries (named ROIs): no
        // read-ahead around faults; the bounds functions prefetch what they read.
        for f in files { f?.file.adviseRandom() }
    }

    /// Opens the index file of every segment that names one. A missing or damaged file leaves
    /// its segment unindexed (derived data: the queries read its masks, `masksearch index`
    /// rebuilds the file) and is listed with its error; a read-only directory is not damage:
    /// it is thrown, and the caller retries read-only.
    private static func openFiles(database: Database, writable: Bool) throws(StorageError) -> ([CHIFile?], [String]) {
        var files: [CHIFile?] = []
        var unusable: [String] = []
        for (i, name) in database.manifest.segments.map(\.indexFile).enumerated() {
            guard let name else { files.append(nil); continue }
            do throws(StorageError) {
                files.append(try CHIFile(path: database.path + "/" + name, segment: database.segments[i], writable: writable))
            } catch {
                if case .system(_, _, let e) = error, e == EACCES || e == EROFS || e == EPERM { throw error }
                files.append(nil)
                unusable.append("\(name): \(error)")
            }
        }
        return (files, unusable)
    }

    // MARK: The writer's calls (see `IndexWriter`)

    /// True when reading mask `row` whole would let `observe` index it.
    public func wantsWholeMask(row: Int) -> Bool { writer?.wantsWholeMask(row: row) ?? false }

    /// Where `observe`'s entry of mask `row` would be stored (`IndexWriter.storePages`).
    public func storePages(row: Int) -> (group: Int, pages: Int)? { writer?.storePages(row: row) }

    /// Indexes a mask the executor read whole (`IndexWriter.observe`); false when this index
    /// does not write.
    public func observe(row: Int, pixels: UnsafeRawBufferPointer) -> Bool { writer?.observe(row: row, pixels: pixels) ?? false }

    /// Masks indexed by `observe` since the index was opened.
    public var newlyIndexed: Int { writer?.newlyIndexed ?? 0 }

    /// True when observed masks wait for `flush`.
    public var hasPendingEntries: Bool { writer?.hasPendingEntries ?? false }

    /// True once `flush` created index files: this instance does not see them (their
    /// segments stay unindexed here), so a caller running more queries opens a new one.
    public var createdFiles: Bool { writer?.createdFiles ?? false }

    /// Stores the entries kept by `observe` (`IndexWriter.flush`).
    public func flush() throws(StorageError) { try writer?.flush() }

    /// True when the masks a query would read whole are noted during the query and indexed after
    /// its answer (`IndexWriter.defersIndexing`); false without a writer.
    public var defersIndexing: Bool {
        get { writer?.defersIndexing ?? false }
        set { writer?.defersIndexing = newValue }
    }

    /// Notes mask `row` for `indexDeferred` (`IndexWriter.deferIndexing`).
    public func deferIndexing(row: Int) -> Bool { writer?.deferIndexing(row: row) ?? false }

    /// Reads the noted masks whole, builds their entries and stores them as delta records, or
    /// keeps them for `flush` (`IndexWriter.indexDeferred`). The number of masks built.
    public func indexDeferred() throws(StorageError) -> Int { try writer?.indexDeferred() ?? 0 }
}
