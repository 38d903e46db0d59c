import MaskFormat
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An open masksearch database: a directory with a `MANIFEST`, segment files, ROI set
/// files and (later) index files. Opening reads the manifest, maps every live segment (checking
/// its fixed-size framing: header, footer, column directory) and ROI set file: O(files +
/// columns), independent of the number of masks. Metadata is then read in place from the mappings, each column chunk and
/// ROI set checked the first time it is read (`SegmentReader.column`, `roiSet(named:)`).
/// The result is an immutable snapshot that implements `MaskTable` for the query layer.
///
/// Damage found by those first-read checks cannot be thrown by the non-throwing `MaskTable`
/// readers: they return NULL (0 from `builtinColumn`) for the damaged chunk and remember the
/// error, which `checkIntegrity()` throws. A reader of metadata calls it before using its
/// answer (`QuerySession.run` does), so damage gives an error, never a wrong answer.
///
/// Writers (`Ingester`, `ROISetLoader`, the index builder) take the directory's lock file
/// (`LOCK`), write new files, then replace the manifest atomically.
public final class Database: MaskTable, @unchecked Sendable {
    public let path: String
    public let manifest: Manifest
    public let segments: [SegmentReader]
    /// Row number of the first mask of each segment, plus the total at the end.
    public let segmentStarts: [Int]
    private let roiFiles: [String: MappedFile]
    /// The chunk view of column c of segment s at `s * columns.count + c`: what `value` reads
    /// once column c's chunks passed their checks (bit c of `checkedColumns`).
    private let views: [ColumnChunkView]
    /// Bit c set: every segment's chunk of column c passed its first-read check (columns
    /// from 64 on have no bit and always take the per-chunk path).
    private let checkedColumns = Atomic<UInt64>(0)
    /// The builtin columns, concatenated over segments on first use.
    private let builtinCache = Mutex<[[Int64]?]>(Array(repeating: nil, count: ColumnDescriptor.builtins.count))
    private let roiCache = Mutex<[String: ROISet]>([:])
    /// The first damage the first-read checks found.
    private let damage = Mutex<StorageError?>(nil)

    public let height: Int
    public let width: Int
    public let pixelFormat: PixelFormat
    public let columns: [ColumnDescriptor]

    public var count: Int { segmentStarts.last ?? 0 }

    public static func manifestPath(_ dir: String) -> String { dir + "/" + Manifest.fileName }

    /// True when `dir` holds a manifest.
    public static func exists(at dir: String) -> Bool { SystemCalls.exists(manifestPath(dir)) }

    public static func readManifest(_ dir: String) throws(StorageError) -> Manifest {
        let mpath = manifestPath(dir)
        guard SystemCalls.isDirectory(dir) else {
            throw StorageError.notADatabase(path: dir, reason: SystemCalls.exists(dir) ? "not a directory" : "no such directory")
        }
        guard SystemCalls.exists(mpath) else {
            throw StorageError.notADatabase(path: dir, reason: "no MANIFEST (create one with `masksearch ingest`)")
        }
        let file = try MappedFile(path: mpath)
        do throws(FormatError) {
            return try Manifest.decode(file.bytes, file: mpath)
        } catch {
            throw StorageError.corrupt(error)
        }
    }

    /// Opens the database at `path`: the manifest, each segment's framing, the ROI set mappings.
    /// - Complexity: O(files + columns); no per-mask work.
    ///
    /// Opening races with writers: a commit (by another process) may replace the manifest after
    /// it was read and its writer then deletes the files the new one no longer names (a replaced
    /// ROI set). A file of the manifest that is missing when the MANIFEST changed meanwhile is
    /// therefore not damage: the open starts again on the new manifest (`Database.openFiles`).
    public init(path: String) throws(StorageError) {
        self.path = path
        let opened = try Database.openFiles(path)
        manifest = opened.manifest
        height = manifest.height
        width = manifest.width
        pixelFormat = opened.format
        columns = opened.columns
        segments = opened.segments
        segmentStarts = opened.starts
        views = segments.flatMap { s in s.columnDescriptors.indices.map { s.uncheckedColumn($0) } }
        roiFiles = opened.rois
    }

    /// What `openFiles` opened: one manifest and the files it names.
    private struct OpenedFiles {
        var manifest: Manifest
        var format: PixelFormat
        var columns: [ColumnDescriptor]
        var segments: [SegmentReader]
        var starts: [Int]
        var rois: [String: MappedFile]
    }

    /// Reads the manifest and opens the files it names; when one is missing (ENOENT) while the
    /// MANIFEST's stamp changed since it was read, a writer replaced it: starts again (at most
    /// 16 times; a missing file under an unchanged MANIFEST is damage, thrown at once).
    /// - Complexity: O(files + columns) per attempt.
    private static func openFiles(_ path: String) throws(StorageError) -> OpenedFiles {
        var attempt = 0
        while true {
            let stamp = ManifestStamp(directory: path)
            let manifest = try readManifest(path)
            guard let format = manifest.format else {
                throw StorageError.corrupt(FormatError(.invalidField, structure: "manifest", file: manifestPath(path), detail: "pixel format"))
            }
            do throws(StorageError) {
                let columns = try schema(manifest, path: path)
                let (segments, starts) = try openSegments(manifest, path: path, columns: columns, format: format)
                var rois: [String: MappedFile] = [:]
                for entry in manifest.roiSets { rois[entry.name] = try MappedFile(path: path + "/" + entry.file) }
                return OpenedFiles(manifest: manifest, format: format, columns: columns, segments: segments, starts: starts, rois: rois)
            } catch {
                guard case .system(_, _, ENOENT) = error, attempt < 16, ManifestStamp(directory: path) != stamp else { throw error }
                attempt += 1
            }
        }
    }

    /// The table's columns: the builtins, then the manifest's extra columns.
    private static func schema(_ manifest: Manifest, path: String) throws(StorageError) -> [ColumnDescriptor] {
        var out = ColumnDescriptor.builtins
        for c in manifest.extraColumns {
            guard let type = ColumnType(name: c.type) else {
                throw StorageError.corrupt(FormatError(.invalidField, structure: "manifest", file: Database.manifestPath(path), detail: "column type \(c.type)"))
            }
            out.append(ColumnDescriptor(name: c.name, type: type))
        }
        return out
    }

    /// Opens the manifest's segments, each checked against the manifest (shape, pixel format,
    /// mask count, schema), and the row number each starts at (plus the total).
    private static func openSegments(_ manifest: Manifest, path: String, columns: [ColumnDescriptor],
                                     format: PixelFormat) throws(StorageError) -> ([SegmentReader], [Int]) {
        var segments: [SegmentReader] = []
        var starts = [0]
        for s in manifest.segments {
            let reader = try SegmentReader(path: path + "/" + s.file)
            let h = reader.header
            func mismatch(_ what: String) -> StorageError {
                .corrupt(FormatError(.invalidField, structure: "segment header", file: reader.path, detail: what))
            }
            guard h.height == manifest.height, h.width == manifest.width, h.pixelFormat == format else {
                throw mismatch("shape or pixel format differs from the manifest")
            }
            guard h.maskCount == s.maskCount else { throw mismatch("\(h.maskCount) masks, the manifest says \(s.maskCount)") }
            guard reader.columnDescriptors.count == columns.count,
                  zip(reader.columnDescriptors, columns).allSatisfy({ $0.name == $1.name && $0.type == $1.type }) else {
                throw mismatch("metadata columns differ from the manifest's schema")
            }
            segments.append(reader)
            starts.append(starts[starts.count - 1] + h.maskCount)
        }
        return (segments, starts)
    }

    // MARK: MaskTable

    /// - Complexity: O(log segments); the first read of a column checks its chunks in every
    /// segment (O(column bytes)).
    public func value(row: Int, column: Int) -> ColumnValue {
        guard column < 64, checkedColumns.load(ordering: .acquiring) & (1 << UInt64(column)) != 0 else {
            return valueCheckingColumn(row: row, column: column)
        }
        if segments.count == 1 { return views[column].value(at: row) }
        let (s, local) = locate(row: row)
        return views[s * columns.count + column].value(at: local)
    }

    /// `value` before column `column` passed its checks: checks its chunks in every segment
    /// (a failed check is remembered, and its segment's rows read as NULL).
    private func valueCheckingColumn(row: Int, column: Int) -> ColumnValue {
        var passed = true
        for s in segments.indices where chunk(segment: s, column: column) == nil { passed = false }
        if passed && column < 64 {
            checkedColumns.bitwiseOr(1 << UInt64(column), ordering: .releasing)
        }
        let (s, local) = locate(row: row)
        return chunk(segment: s, column: column)?.value(at: local) ?? .null
    }

    /// Column `column` of segment `s`, checked; nil (the damage remembered) when damaged.
    @inline(__always)
    private func chunk(segment s: Int, column: Int) -> ColumnChunkView? {
        do throws(FormatError) {
            return try segments[s].column(column)
        } catch {
            remember(.corrupt(error))
            return nil
        }
    }

    private func remember(_ error: StorageError) {
        damage.withLock { if $0 == nil { $0 = error } }
    }

    /// The builtin columns as arrays: 0 mask_id, 1 image_id, 2 model_id, 3 mask_type, copied
    /// from the segments' chunks on first use and kept.
    /// - Complexity: O(rows) the first time, O(1) after.
    public func builtinColumn(_ i: Int) -> [Int64] {
        if let cached = builtinCache.withLock({ $0[i] }) { return cached }
        var out: [Int64] = []
        out.reserveCapacity(count)
        for s in segments.indices {
            if let c = chunk(segment: s, column: i) {
                c.appendInt64s(to: &out)
            } else {
                out.append(contentsOf: repeatElement(0, count: segments[s].maskCount))
            }
        }
        builtinCache.withLock { $0[i] = out }
        return out
    }

    /// Every segment's chunk of `column`, checked on first read (nil where damaged).
    public func columnChunks(_ column: Int) -> [ColumnChunkView?]? {
        segments.indices.map { chunk(segment: $0, column: column) }
    }

    /// Each segment's chunk of `column` described from its column directory: nothing read.
    public func columnChunkSummaries(_ column: Int) -> [ColumnChunkSummary]? {
        segments.map { ColumnChunkSummary(rows: $0.maskCount, statistics: $0.columnDescriptors[column].statistics) }
    }

    /// Segment `chunk`'s chunk of `column`, checked on first read (nil where damaged).
    public func columnChunk(_ column: Int, chunk: Int) -> ColumnChunkView? {
        self.chunk(segment: chunk, column: column)
    }

    public var roiSetNames: [String] { roiFiles.keys.sorted() }

    /// The ROI set `name`, read in place from its file (checked on first use: CRC, ids
    /// increasing) and kept; nil when there is none, or when its file is damaged (the damage
    /// remembered). Looking a box up is then a binary search in the mapping.
    /// - Complexity: O(file bytes) the first time, O(1) after.
    public func roiSet(named name: String) -> ROISet? {
        guard let file = roiFiles[name] else { return nil }
        return roiCache.withLock { cache in
            if let set = cache[name] { return set }
            do throws(FormatError) {
                let set = try ROISetFile.decode(file)
                cache[name] = set
                return set
            } catch {
                remember(.corrupt(error))
                return nil
            }
        }
    }

    /// The CRC-32C stored at the end of ROI set `name`'s file (Format/roi.md), read without
    /// checking the file: what a ROI histogram file names to say which boxes it was built
    /// from. nil when there is no such set or its file is too short.
    /// - Complexity: O(1) (the file's last page).
    public func roiSetFileChecksum(named name: String) -> UInt32? {
        guard let file = roiFiles[name], file.count >= 4 else { return nil }
        return file.bytes.loadUnaligned(fromByteOffset: file.count - 4, as: UInt32.self).littleEndian
    }

    /// Throws the first damage found by the first-read checks of what was read so far.
    public func checkIntegrity() throws(StorageError) {
        if let error = damage.withLock({ $0 }) { throw error }
    }

    /// The segment holding `row`, and the row's index in it.
    /// - Complexity: O(log segments).
    public func locate(row: Int) -> (segment: Int, local: Int) {
        var lo = 0, hi = segments.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if segmentStarts[mid] <= row { lo = mid } else { hi = mid - 1 }
        }
        return (lo, row - segmentStarts[lo])
    }

    public func readPixels(row: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws {
        let (s, local) = locate(row: row)
        do throws(FormatError) {
            try segments[s].readRows(mask: local, rows: rows, into: buffer)
        } catch {
            throw StorageError.corrupt(error)
        }
    }

    public func readCoveringRows(row: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws -> Range<Int> {
        let (s, local) = locate(row: row)
        do throws(FormatError) {
            return try segments[s].readCoveringBands(mask: local, rows: rows, into: buffer)
        } catch {
            throw StorageError.corrupt(error)
        }
    }

    /// Requests grouped by segment (runs of consecutive requests in one segment), each group
    /// prefetched by its segment (`SegmentReader.prefetchBands`).
    public func prefetchPixels(_ requests: [(row: Int, rows: Range<Int>)]) {
        var i = 0
        while i < requests.count {
            let (s, _) = locate(row: requests[i].row)
            let lo = segmentStarts[s], hi = segmentStarts[s + 1]
            var j = i
            while j < requests.count && requests[j].row >= lo && requests[j].row < hi { j += 1 }
            segments[s].prefetchBands(requests[i..<j].lazy.map { (mask: $0.row - lo, rows: $0.rows) })
            i = j
        }
    }

    /// Releases this process's mappings of the blocks of masks `rows` (`SegmentReader.releaseBlocks`).
    public func releasePixels(rows: Range<Int>) {
        guard !rows.isEmpty else { return }
        for s in locate(row: rows.lowerBound).segment...locate(row: rows.upperBound - 1).segment {
            let lo = segmentStarts[s]
            segments[s].releaseBlocks(masks: max(rows.lowerBound, lo) - lo ..< min(rows.upperBound, segmentStarts[s + 1]) - lo)
        }
    }

    /// Advises every segment mapping as read at random (`MappedFile.adviseRandom`): the query
    /// path, which reads only the blocks it needs and prefetches them (`prefetchPixels`).
    /// Sequential readers (the index build) keep the kernel's read-ahead.
    public func adviseRandomAccess() {
        for s in segments { s.file.adviseRandom() }
    }

    /// Drops the page cache of every file of the database (posix_fadvise DONTNEED): for
    /// cold-cache benchmarks.
    public func dropPageCache() {
        for s in segments { SystemCalls.dropCache(s.path) }
    }
}
