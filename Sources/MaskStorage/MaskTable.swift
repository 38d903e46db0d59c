import MaskFormat

/// The read interface the query layer runs against: the conceptual `masks` table of
/// CONTRACT.md section 1. `Database` implements it over segment files; tests implement it
/// in memory (`InMemoryMaskTable`).
///
/// Rows are numbered `0..<count` in storage order (not necessarily mask_id order).
/// Implementations must be safe to call from several threads at once.
public protocol MaskTable: AnyObject, Sendable {
    var height: Int { get }
    var width: Int { get }
    var pixelFormat: PixelFormat { get }
    /// Number of masks (rows).
    var count: Int { get }
    /// `mask_id, image_id, model_id, mask_type`, then the extra metadata columns.
    var columns: [ColumnDescriptor] { get }
    /// The value of `column` (an index into `columns`) for `row`.
    func value(row: Int, column: Int) -> ColumnValue
    /// Names of the ROI sets, sorted.
    var roiSetNames: [String] { get }
    func roiSet(named name: String) -> ROISet?
    /// Copies the stored codes of image rows `rows` (all columns) of mask `row` into
    /// `buffer`, which holds at least `rows.count * width * pixelFormat.bytesPerPixel` bytes,
    /// row-major. Decodes only the blocks that cover `rows`.
    func readPixels(row: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws
    /// Decodes at least image rows `rows` of mask `row` into `buffer` (room for `height` rows)
    /// and returns the rows decoded, which may extend `rows` to whole storage blocks (so that
    /// nothing is decoded twice or copied). Default: exactly `rows`, by `readPixels`.
    func readCoveringRows(row: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws -> Range<Int>
    /// A builtin column (0 mask_id, 1 image_id, 2 model_id, 3 mask_type) of every row.
    func builtinColumn(_ i: Int) -> [Int64]
    /// Hints that image rows `rows` of mask `row` will be read soon, for each request (in
    /// the order they will be read): storage starts reading their blocks. Default: nothing.
    func prefetchPixels(_ requests: [(row: Int, rows: Range<Int>)])
    /// Hints that the pixels of masks `rows` will not be read again soon: storage drops this
    /// process's mappings of their blocks (they stay in the page cache), so that a pass over
    /// more masks than memory keeps a bounded resident set. Default: nothing.
    func releasePixels(rows: Range<Int>)
    /// Throws the first damage found so far by checks the table runs when data is first read
    /// (a `Database` checks each metadata chunk and ROI set then, and its non-throwing readers
    /// return NULL for damaged data). Call it before using what `value`, `builtinColumn` or
    /// `roiSet` returned. Default: nothing (a table in memory has no such checks).
    func checkIntegrity() throws(StorageError)
    /// Column `column` read in place: one view per storage chunk, in row order (nil for a damaged
    /// chunk, whose rows read NULL, the damage remembered as by `value`); nil when the table keeps
    /// no chunks (read `value` instead). Default: nil.
    func columnChunks(_ column: Int) -> [ColumnChunkView?]?
    /// Column `column`'s storage chunks described without reading them (the chunks
    /// `columnChunks` lists, in the same order): rows and statistics of each. nil when the
    /// table keeps no chunks or cannot describe them (read `columnChunks`). Default: nil.
    func columnChunkSummaries(_ column: Int) -> [ColumnChunkSummary]?
    /// Chunk `chunk` of column `column` read in place, checked on first read (nil for a damaged
    /// chunk, the damage remembered as by `value`). Default: `columnChunks(column)?[chunk]`.
    func columnChunk(_ column: Int, chunk: Int) -> ColumnChunkView?
}

/// One storage chunk of a column, as a table describes it without reading it.
public struct ColumnChunkSummary: Sendable, Equatable {
    public var rows: Int
    /// The range of the chunk's values (nil: unknown, e.g. a version-1 segment).
    public var statistics: ColumnStatistics?

    public init(rows: Int, statistics: ColumnStatistics?) {
        self.rows = rows
        self.statistics = statistics
    }
}

extension MaskTable {
    public func maskID(row: Int) -> Int64 {
        if case .int(let v) = value(row: row, column: 0) { return v }
        return 0
    }
    public func imageID(row: Int) -> Int64 {
        if case .int(let v) = value(row: row, column: 1) { return v }
        return 0
    }
    public func readCoveringRows(row: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws -> Range<Int> {
        try readPixels(row: row, rows: rows, into: buffer)
        return rows
    }
    public func prefetchPixels(_ requests: [(row: Int, rows: Range<Int>)]) {}
    public func releasePixels(rows: Range<Int>) {}
    public func checkIntegrity() throws(StorageError) {}
    public func columnChunks(_ column: Int) -> [ColumnChunkView?]? { nil }
    public func columnChunkSummaries(_ column: Int) -> [ColumnChunkSummary]? { nil }
    public func columnChunk(_ column: Int, chunk: Int) -> ColumnChunkView? {
        guard let chunks = columnChunks(column), chunks.indices.contains(chunk) else { return nil }
        return chunks[chunk]
    }
    /// Row by row, by default.
    public func builtinColumn(_ i: Int) -> [Int64] {
        (0..<count).map { row in
            if case .int(let v) = value(row: row, column: i) { return v }
            return 0
        }
    }
}

/// A named ROI set: one box per image_id, or per mask_id (CONTRACT.md section 2).
/// Boxes are stored as loaded (rounded outward, not yet clipped); a database's sets are read
/// in place from their files (`ROIBoxes`).
public struct ROISet: Sendable, Hashable {
    public enum Key: UInt8, Sendable {
        case imageID = 1
        case maskID = 2
    }
    public var name: String
    public var key: Key
    public var boxes: ROIBoxes

    public init(name: String, key: Key, boxes: ROIBoxes) {
        self.name = name
        self.key = key
        self.boxes = boxes
    }

    public init(name: String, key: Key, boxes: [Int64: PixelBox]) {
        self.init(name: name, key: key, boxes: ROIBoxes(boxes))
    }

    /// The box of a mask (by its image_id or mask_id, per `key`), or nil when the set has none.
    public func box(maskID: Int64, imageID: Int64) -> PixelBox? {
        boxes[key == .imageID ? imageID : maskID]
    }
}

/// A `MaskTable` held in memory: for tests and small tools.
public final class InMemoryMaskTable: MaskTable, @unchecked Sendable {
    public let height: Int
    public let width: Int
    public let pixelFormat: PixelFormat
    public let columns: [ColumnDescriptor]
    /// rows[row][column]
    public let rows: [[ColumnValue]]
    /// codes[row]: the mask's stored bytes, row-major, little-endian codes.
    public let pixels: [[UInt8]]
    public let roiSets: [String: ROISet]

    public init(height: Int, width: Int, pixelFormat: PixelFormat, columns: [ColumnDescriptor],
                rows: [[ColumnValue]], pixels: [[UInt8]], roiSets: [String: ROISet]) {
        precondition(rows.count == pixels.count)
        self.height = height
        self.width = width
        self.pixelFormat = pixelFormat
        self.columns = columns
        self.rows = rows
        self.pixels = pixels
        self.roiSets = roiSets
    }

    public var count: Int { rows.count }
    public func value(row: Int, column: Int) -> ColumnValue { rows[row][column] }
    public var roiSetNames: [String] { roiSets.keys.sorted() }
    public func roiSet(named name: String) -> ROISet? { roiSets[name] }

    public func readPixels(row: Int, rows r: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws {
        let rowBytes = width * pixelFormat.bytesPerPixel
        pixels[row].withUnsafeBytes { src in
            let start = r.lowerBound * rowBytes
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + start, byteCount: r.count * rowBytes)
        }
    }
}
