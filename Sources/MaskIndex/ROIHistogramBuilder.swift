import MaskFormat
import MaskStorage

/// Builds the ROI histogram files (Format/roi-histograms.md) that `masksearch index` keeps for
/// every named ROI set and segment: each mask's reverse-cumulative histogram inside its own
/// clipped box, at the index's bins, so that named-ROI queries get exact counts at bin edges
/// from two small columns instead of grid bounds from scattered key entries.
///
/// Algorithm: per segment, the (set, segment) pairs without a usable file (none named, damaged,
/// other bins, or built from another ROI set file) are built together: the cores take chunks of
/// masks, read the rows their boxes span (the union over the sets; a mask no box covers is not
/// read), count with `CHIBuilder.boxHistogram`, and store the counts into per-set column
/// buffers; each file is then written whole (`writeFileAtomically`) and named in `manifest`.
/// - Complexity: O(pixels of the rows the boxes span) per segment; memory O(sets × masks ×
///   bins) for the columns (50 MB per set at 1.33 M masks and 20 bins).
public enum ROIHistogramBuilder {
    /// Builds what is missing into new files of `database`'s directory (named from
    /// `manifest.nextFileNumber`, appended to `created`) and names them in `manifest`'s ROI set
    /// entries. Returns the number of files built.
    public static func buildMissing(database: Database, manifest: inout Manifest, bins: Int,
                                    created: inout [String]) throws(StorageError) -> Int {
        var built = 0
        for (s, segment) in manifest.segments.enumerated() {
            let needed = manifest.roiSets.indices.filter { !hasUsableFile(database: database, entry: manifest.roiSets[$0], segment: s, bins: bins) }
            guard !needed.isEmpty, database.segments[s].maskCount > 0 else { continue }
            // A damaged ROI set (or key column) gets no histograms: derived data does not fail
            // the index build; the queries naming it report the damage.
            let sets = needed.compactMap { database.roiSet(named: manifest.roiSets[$0].name) }
            guard !sets.isEmpty, let files = try buildSegment(database: database, segment: s, sets: sets, bins: bins) else { continue }
            for (set, bytes) in zip(sets, files) {
                let name = Manifest.fileName(prefix: "rhi", number: manifest.nextFileNumber, ext: "rhi")
                manifest.nextFileNumber += 1
                created.append(name)
                try writeFileAtomically(bytes, to: database.path + "/" + name, directory: database.path)
                let e = manifest.roiSets.firstIndex { $0.name == set.name }!
                var list = (manifest.roiSets[e].histograms ?? []).filter { $0.segment != segment.file }
                list.append(Manifest.ROIHistogramEntry(segment: segment.file, file: name))
                manifest.roiSets[e].histograms = list
                built += 1
            }
        }
        return built
    }

    /// True when `entry` names a histogram file for segment `s` that opens (header, segment
    /// and ROI set checked) at `bins`.
    static func hasUsableFile(database: Database, entry: Manifest.ROISetEntry, segment s: Int, bins: Int) -> Bool {
        guard let name = entry.histogramFile(for: database.manifest.segments[s].file),
              let file = try? ROIHistogramFile(database: database, name: name, set: entry.name, segment: s)
        else { return false }
        return file.header.bins == bins
    }

    /// The files' bytes for `sets` over the masks of segment `s`; nil when the segment's key
    /// columns (mask_id, image_id) are damaged. A damaged mask throws, as in the CHI's build.
    static func buildSegment(database: Database, segment s: Int, sets: [ROISet], bins: Int) throws(StorageError) -> [[UInt8]]? {
        let reader = database.segments[s]
        let n = reader.maskCount, first = database.segmentStarts[s]
        let header = ROIHistogramLayout.Header(height: database.height, width: database.width, pixelFormat: database.pixelFormat,
                                               bins: bins, maskCount: n, segmentFooterCRC: reader.footerChecksum,
                                               roiSetCRC: 0)
        let keys = [database.builtinColumn(0), database.builtinColumn(1)]
        guard (try? database.checkIntegrity()) != nil else { return nil }
        let boxes = sets.map { set in
            (0..<n).map { m in set.boxes[keys[set.key == .imageID ? 1 : 0][first + m]]?.clipped(width: database.width, height: database.height) }
        }
        let columns = sets.map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: header.columnCount * header.columnStride, alignment: 64) }
        defer { for c in columns { c.deallocate() } }
        for c in columns { c.initializeMemory(as: UInt8.self, repeating: 0) }
        try fillColumns(columns, reader: reader, boxes: boxes, header: header)
        return sets.indices.map { i in
            var h = header
            h.roiSetCRC = database.roiSetFileChecksum(named: sets[i].name) ?? 0
            return encode(header: h, columns: UnsafeRawBufferPointer(columns[i]))
        }
    }

    /// Counts every mask's histograms into `columns` (one buffer per set, column-major) in
    /// windows of `IndexBuilder.windowMasks` masks, after each of which the segment's mapped
    /// pages are released (as `IndexBuilder` does): the resident set stays O(window) — the
    /// 15 GB segment of 1.33 M masks would otherwise become resident in this process.
    private static func fillColumns(_ columns: [UnsafeMutableRawBufferPointer], reader: SegmentReader, boxes: [[PixelBox?]],
                                    header: ROIHistogramLayout.Header) throws(StorageError) {
        let grid = CHIGrid(height: header.height, width: header.width, cell: max(header.height, header.width),
                           bins: header.bins, pixelFormat: header.pixelFormat)
        var start = 0
        while start < header.maskCount {
            let window = start..<min(header.maskCount, start + IndexBuilder.windowMasks)
            try fillWindow(window, columns: columns, reader: reader, boxes: boxes, header: header, grid: grid)
            _ = reader.file.releasePages(offset: 0, length: reader.file.count)
            start = window.upperBound
        }
    }

    /// Counts the histograms of the masks of `window`, the cores taking chunks of 256 masks
    /// (`Parallel.takeChunks`); a mask is read over the rows its boxes span, and not at all
    /// without a box.
    private static func fillWindow(_ window: Range<Int>, columns: [UnsafeMutableRawBufferPointer], reader: SegmentReader,
                                   boxes: [[PixelBox?]], header: ROIHistogramLayout.Header, grid: CHIGrid) throws(StorageError) {
        let outputs = UncheckedSendable(columns)  // workers write disjoint masks' entries
        do throws(FormatError) {
            try Parallel.takeChunks(count: window.count, chunk: 256, state: { BoxCounter(grid: grid) }) { chunk, counter throws(FormatError) in
                for m in (chunk.lowerBound + window.lowerBound)..<(chunk.upperBound + window.lowerBound) {
                    let masks = boxes.map { $0[m].flatMap { $0.area > 0 ? $0 : nil } }
                    guard let rows = rowSpan(masks) else { continue }
                    try counter.read(reader, mask: m, rows: rows)
                    for (i, box) in masks.enumerated() {
                        guard let box else { continue }
                        store(counter.count(box), mask: m, header: header, into: outputs.value[i])
                    }
                }
            }
        } catch {
            throw .corrupt(error)
        }
    }

    /// The rows spanned by the non-nil boxes; nil when there is none.
    private static func rowSpan(_ boxes: [PixelBox?]) -> Range<Int>? {
        let present = boxes.compactMap { $0 }
        guard let lo = present.map(\.y0).min(), let hi = present.map(\.y1).max() else { return nil }
        return lo..<hi
    }

    /// Writes mask `m`'s counts (bins 1..<bins) into its place in each column, little-endian.
    private static func store(_ counts: UnsafeMutableBufferPointer<UInt32>, mask m: Int, header: ROIHistogramLayout.Header,
                              into out: UnsafeMutableRawBufferPointer) {
        let width = header.entryWidth
        for c in 0..<header.columnCount {
            let at = c * header.columnStride + m * width
            if width == 2 {
                out.storeBytes(of: UInt16(truncatingIfNeeded: counts[c]).littleEndian, toByteOffset: at, as: UInt16.self)
            } else {
                out.storeBytes(of: counts[c].littleEndian, toByteOffset: at, as: UInt32.self)
            }
        }
    }

    /// The file: header, column checksums, columns (`columns` is the column region).
    static func encode(header: ROIHistogramLayout.Header, columns: UnsafeRawBufferPointer) -> [UInt8] {
        var w = ByteWriter(capacity: header.fileSize)
        w.raw(ROIHistogramLayout.encodeHeader(header))
        let used = header.maskCount * header.entryWidth
        for c in 0..<header.columnCount {
            w.u32(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: columns[(c * header.columnStride)..<(c * header.columnStride + used)])))
        }
        w.pad(to: 64)
        w.raw(columns)
        return w.bytes
    }
}

/// One core's scratch for `ROIHistogramBuilder`: a mask's rows and a box's counts.
private final class BoxCounter {
    let builder: CHIBuilder
    let pixels: UnsafeMutableRawBufferPointer
    let counts: UnsafeMutableBufferPointer<UInt32>
    let rowBytes: Int

    init(grid: CHIGrid) {
        builder = CHIBuilder(grid: grid)
        rowBytes = grid.width * grid.pixelFormat.bytesPerPixel
        pixels = .allocate(byteCount: grid.height * rowBytes, alignment: 64)
        counts = .allocate(capacity: grid.bins)
    }

    deinit {
        pixels.deallocate()
        counts.deallocate()
    }

    /// Decodes image rows `rows` of mask `m` into their places in `pixels`.
    func read(_ reader: SegmentReader, mask m: Int, rows: Range<Int>) throws(FormatError) {
        try reader.readRows(mask: m, rows: rows, into: UnsafeMutableRawBufferPointer(rebasing: pixels[(rows.lowerBound * rowBytes)...]))
    }

    /// The reverse-cumulative counts of `box` in the rows read (`CHIBuilder.boxHistogram`).
    func count(_ box: PixelBox) -> UnsafeMutableBufferPointer<UInt32> {
        builder.boxHistogram(codes: UnsafeRawBufferPointer(pixels), box: box, into: counts)
        return counts
    }
}
