import MaskFormat
import MaskStorage
import Synchronization

/// A ROI histogram file (`rhi-NNNNNN.rhi`, Format/roi-histograms.md) opened for reading: for
/// one named ROI set and one segment, each mask's reverse-cumulative value histogram inside
/// its clipped box, `G(b)` = pixels of the box whose bin is `>= b`.
///
/// Bounds (`bounds`, `ROIHistogramBounds`): exact when a code interval's ends are bin edges
/// (`CP(mask, object, 0.8, 1.0)` at 20 bins), else off only by the pixels in the two partial
/// bins — never by the box's shape, unlike the CHI's grid bounds. A column's checksum is
/// verified the first time it is read (one CRC-32C of its `N·width` bytes); a damaged column is
/// never used (`column` returns nil; queries fall back to the CHI).
public final class ROIHistogramFile: @unchecked Sendable {
    public let header: ROIHistogramLayout.Header
    public let file: MappedFile
    /// The bins' geometry (`CHIGrid`'s edges for `header.bins`; the cell is unused).
    public let grid: CHIGrid
    /// Per column: nil until checked, then whether its checksum matched.
    private let checked: Mutex<[Bool?]>

    /// Opens `path` and checks its header against `segment` (shape, pixel format, mask count,
    /// footer CRC) and against the ROI set file it must have been built from (`roiSetCRC`).
    public init(path: String, segment: SegmentReader, roiSetCRC: UInt32) throws(StorageError) {
        file = try MappedFile(path: path)
        let h: ROIHistogramLayout.Header
        do throws(FormatError) {
            h = try ROIHistogramLayout.decodeHeader(file.bytes, file: path)
        } catch {
            throw .corrupt(error)
        }
        let s = segment.header
        guard h.height == s.height, h.width == s.width, h.pixelFormat == s.pixelFormat, h.maskCount == segment.maskCount,
              h.segmentFooterCRC == segment.footerChecksum, h.roiSetCRC == roiSetCRC else {
            throw .corrupt(FormatError(.invalidField, structure: "ROI histogram header", file: path, offset: 16,
                                       detail: "built for another segment or ROI set"))
        }
        header = h
        grid = CHIGrid(height: h.height, width: h.width, cell: max(h.height, h.width), bins: h.bins, pixelFormat: h.pixelFormat)
        checked = Mutex(Array(repeating: nil, count: h.columnCount))
        file.adviseRandom()
    }

    /// Opens the histogram file `name` of ROI set `set` for segment `s` of `database`, checked
    /// against both (the ROI set file's stored CRC: `Database.roiSetFileChecksum`).
    public convenience init(database: Database, name: String, set: String, segment s: Int) throws(StorageError) {
        guard let crc = database.roiSetFileChecksum(named: set) else {
            throw .corrupt(FormatError(.invalidField, structure: "ROI histogram header", file: database.path + "/" + name,
                                       detail: "ROI set '\(set)' has no file"))
        }
        try self.init(path: database.path + "/" + name, segment: database.segments[s], roiSetCRC: crc)
    }

    /// Column `b − 1` (the counts of bin `>= b` of every mask), its checksum verified on first
    /// use; nil when it does not match.
    public func column(bin b: Int) -> UnsafeRawBufferPointer? {
        let c = b - 1, h = header
        let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[h.columnOffset(c)..<(h.columnOffset(c) + h.maskCount * h.entryWidth)])
        let ok = checked.withLock { state -> Bool in
            if let known = state[c] { return known }
            file.willNeed(offset: h.columnOffset(c), length: bytes.count)
            let o = h.checksumOffset(column: c)
            let stored = file.bytes.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian
            state[c] = CRC32C.checksum(bytes) == stored
            return state[c]!
        }
        return ok ? bytes : nil
    }

    /// Bounds on CP of each mask `masks[i]` (positions in the segment) whose clipped box has
    /// area `areas[i]`, for `codes` (`ROIHistogramBounds`), written to `lower[i]`, `upper[i]`;
    /// false (nothing written) when a column it needs is damaged.
    /// - Complexity: O(masks), at most four column reads per mask.
    public func bounds(masks: some Collection<Int>, areas: some Collection<Int>, codes: CodeInterval,
                       lower: UnsafeMutableBufferPointer<Int32>, upper: UnsafeMutableBufferPointer<Int32>) -> Bool {
        let plan = ROIHistogramBounds(grid: grid, codes: codes)
        var columns: [UnsafeRawBufferPointer?] = []
        for b in plan.bins {
            if b <= 0 || b >= header.bins { columns.append(nil); continue }
            guard let c = column(bin: b) else { return false }
            columns.append(c)
        }
        let wide = header.entryWidth == 4
        for (i, (m, area)) in zip(masks, areas).enumerated() {
            let b = plan.evaluate(area: area) { k in
                guard let c = columns[k] else { return 0 }
                return wide ? Int(UInt32(littleEndian: c.loadUnaligned(fromByteOffset: 4 * m, as: UInt32.self)))
                            : Int(UInt16(littleEndian: c.loadUnaligned(fromByteOffset: 2 * m, as: UInt16.self)))
            }
            (lower[i], upper[i]) = (Int32(clamping: b.lowerBound), Int32(clamping: b.upperBound))
        }
        return true
    }
}

/// How to bound CP from one box's reverse-cumulative histogram `G` (`G(b)` = pixels of the box
/// whose bin is `>= b`, `G(0)` = its area, `G(bins)` = 0) for a code interval, made once per
/// interval: the pixels in bins `a..<b` are exactly `G(a) − G(b)`, so with `BinSpan`'s bins
///
///     lower = G(innerLo) − G(innerHi)   (0 when the inner bins are empty)
///     upper = G(outerLo) − G(outerHi)
///
/// — exact when the interval starts and ends on bin edges.
public struct ROIHistogramBounds: Sendable {
    /// outerLo, outerHi, innerLo, innerHi (`evaluate` asks `G` for these by position 0...3).
    public let bins: [Int]
    let binCount: Int
    let isEmpty: Bool

    public init(grid: CHIGrid, codes: CodeInterval) {
        let span = BinSpan(grid: grid, codes: codes)
        bins = [span.outerLo, span.outerHi, span.innerLo, span.innerHi]
        binCount = grid.bins
        isEmpty = span.isEmpty
    }

    /// Bounds for a box of `area` pixels whose `G(bins[k])` is `stored(k)` for the bins strictly
    /// between 0 and `bins` (the others are implied: not asked).
    @inline(__always)
    public func evaluate(area: Int, _ stored: (Int) -> Int) -> ClosedRange<Int> {
        if isEmpty { return 0...0 }
        func g(_ k: Int) -> Int { bins[k] <= 0 ? area : bins[k] >= binCount ? 0 : stored(k) }
        let upper = g(0) - g(1)
        let lower = bins[2] < bins[3] ? g(2) - g(3) : 0
        return lower...upper
    }
}
