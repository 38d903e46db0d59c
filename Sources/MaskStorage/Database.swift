import MaskFormat
#if canImport(Glibc)
import Glibc
#endif

/// An open masksearch database: a directory with a `MANIFEST`, segment files, ROI set
/// files and (later) index files. Opening reads the manifest and maps every live segment;
/// the result is an immutable snapshot that implements `MaskTable` for the query layer.
/// Writers (`Ingester`, `ROISetLoader`, the index builder) take the directory's lock file
/// (`LOCK`), write new files, then replace the manifest atomically.
public final class Database: MaskTable, @unchecked Sendable {
    public let path: String
    public let manifest: Manifest
    public let segments: [SegmentReader]
    /// Row number of the first mask of each segment, plus the total at the end.
    public let segmentStarts: [Int]
    private let builtins: [[Int64]]
    private let extras: [ColumnData]
    private let rois: [String: ROISet]

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

    public init(path: String) throws(StorageError) {
        self.path = path
        let manifest = try Database.readManifest(path)
        self.manifest = manifest
        guard let format = manifest.format else {
            throw StorageError.corrupt(FormatError(.invalidField, structure: "manifest", file: Database.manifestPath(path), detail: "pixel format"))
        }
        height = manifest.height
        width = manifest.width
        pixelFormat = format
        var extraDescriptors: [ColumnDescriptor] = []
        for c in manifest.extraColumns {
            let type: ColumnType
            switch c.type {
            case "INT64": type = .int64
            case "FLOAT64": type = .float64
            case "TEXT": type = .text
            default:
                throw StorageError.corrupt(FormatError(.invalidField, structure: "manifest", file: Database.manifestPath(path), detail: "column type \(c.type)"))
            }
            extraDescriptors.append(ColumnDescriptor(name: c.name, type: type))
        }
        columns = ColumnDescriptor.builtins + extraDescriptors
        var segments: [SegmentReader] = []
        var starts = [0]
        var builtins = [[Int64]](repeating: [], count: 4)
        var extras = extraDescriptors.map { ColumnData(type: $0.type) }
        for s in manifest.segments {
            let reader = try SegmentReader(path: path + "/" + s.file)
            let h = reader.header
            func mismatch(_ what: String) -> StorageError {
                .corrupt(FormatError(.invalidField, structure: "segment header", file: reader.path, detail: what))
            }
            guard h.height == height, h.width == width, h.pixelFormat == format else { throw mismatch("shape or pixel format differs from the manifest") }
            guard h.maskCount == s.maskCount else { throw mismatch("\(h.maskCount) masks, the manifest says \(s.maskCount)") }
            guard reader.columns.count == columns.count,
                  zip(reader.columnDescriptors, columns).allSatisfy({ $0.name == $1.name && $0.type == $1.type }) else {
                throw mismatch("metadata columns differ from the manifest's schema")
            }
            for i in 0..<4 {
                guard case .int64(let v) = reader.columns[i].values else { throw mismatch("column \(i) is not INT64") }
                builtins[i].append(contentsOf: v)
            }
            for i in 0..<extras.count { extras[i].append(contentsOf: reader.columns[4 + i]) }
            segments.append(reader)
            starts.append(starts.last! + h.maskCount)
        }
        self.segments = segments
        self.segmentStarts = starts
        self.builtins = builtins
        self.extras = extras
        var rois: [String: ROISet] = [:]
        for entry in manifest.roiSets {
            let rpath = path + "/" + entry.file
            let file = try MappedFile(path: rpath)
            do throws(FormatError) {
                rois[entry.name] = try ROISetFile.decode(file.bytes, file: rpath)
            } catch {
                throw StorageError.corrupt(error)
            }
        }
        self.rois = rois
    }

    // MARK: MaskTable

    public func value(row: Int, column: Int) -> ColumnValue {
        column < 4 ? .int(builtins[column][row]) : extras[column - 4].value(at: row)
    }

    /// The builtin columns as arrays: 0 mask_id, 1 image_id, 2 model_id, 3 mask_type.
    public func builtinColumn(_ i: Int) -> [Int64] { builtins[i] }

    public var roiSetNames: [String] { rois.keys.sorted() }
    public func roiSet(named name: String) -> ROISet? { rois[name] }

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
