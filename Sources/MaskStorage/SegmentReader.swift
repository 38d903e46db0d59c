import MaskFormat

/// Reads a segment file through a memory mapping.
///
/// Opening checks the header, the footer and the column directory (against their CRC-32Cs)
/// and that every section lies inside the file: O(columns), whatever the number of masks.
/// What grows with the masks is checked the first time it is read: the block directory
/// (`BlockDirectoryCheck`: whole before the first pixel block is decoded up to read version
/// 2, piece by piece as its entries are read from version 3), a metadata column chunk's
/// CRC (and, for TEXT, its offsets and UTF-8) before its first row is read (`FirstReadCheck`). Pixel blocks are
/// checked (header against directory entry, payload CRC, decoded size) each time they are
/// read. So damaged pixels or metadata are reported, never returned.
public final class SegmentReader: @unchecked Sendable {
    public let file: MappedFile
    public let header: SegmentHeader
    public let footer: SegmentFooter
    /// Column directory entries, in directory order.
    public let columnDescriptors: [ColumnChunkDescriptor]
    /// Each column's chunk bytes, and the view reading them.
    private let chunks: [(bytes: UnsafeRawBufferPointer, view: ColumnChunkView)]
    private let chunkChecks: [FirstReadCheck]
    private let blockDirectory: UnsafeRawBufferPointer
    private let blockDirectoryCheck: BlockDirectoryCheck

    public var path: String { file.path }
    /// CRC-32C of the footer's 64 bytes: binds an index file to this segment.
    public var footerChecksum: UInt32 {
        CRC32C.checksum(UnsafeRawBufferPointer(rebasing: file.bytes[(file.count - SegmentLayout.footerSize)...]))
    }
    public var maskCount: Int { header.maskCount }
    public var blockCount: Int { blockDirectory.count / SegmentLayout.blockDescriptorSize }

    public init(path: String) throws(StorageError) {
        let file = try MappedFile(path: path)
        self.file = file
        do throws(FormatError) {
            let (header, footer) = try SegmentReader.frame(file.bytes)
            let descriptors = try SegmentReader.columnDirectory(file, header: header, footer: footer)
            self.header = header
            self.footer = footer
            let (directory, pieces, table) = try SegmentReader.blockDirectory(file, header: header, footer: footer)
            blockDirectory = directory
            blockDirectoryCheck = BlockDirectoryCheck(directory: directory, directoryOffset: footer.blockDirectoryOffset,
                                                      storedCRC: footer.blockDirectoryCRC, pieces: pieces, table: table)
            columnDescriptors = descriptors
            chunks = try descriptors.map { (d) throws(FormatError) in try SegmentReader.chunk(file, d, rows: header.maskCount) }
            chunkChecks = descriptors.map { _ in FirstReadCheck() }
        } catch {
            throw StorageError.corrupt(error.located(in: path))
        }
    }

    /// The header and the footer, checked against each other.
    private static func frame(_ bytes: UnsafeRawBufferPointer) throws(FormatError) -> (SegmentHeader, SegmentFooter) {
        let header = try SegmentHeader.decode(bytes)
        guard bytes.count >= SegmentLayout.headerSize + SegmentLayout.footerSize else {
            throw FormatError(.outOfBounds, structure: "segment footer", offset: UInt64(bytes.count), detail: "file too short")
        }
        let footerOffset = bytes.count - SegmentLayout.footerSize
        let footer = try SegmentFooter.decode(UnsafeRawBufferPointer(rebasing: bytes[footerOffset...]), fileOffset: UInt64(footerOffset))
        guard footer.maskCount == header.maskCount else {
            throw FormatError(.invalidField, structure: "segment footer", offset: UInt64(footerOffset + 40),
                              detail: "mask count \(footer.maskCount), header says \(header.maskCount)")
        }
        try footer.checkBlocksPerPiece(readVersion: header.readVersion, fileOffset: UInt64(footerOffset))
        return (header, footer)
    }

    /// The block directory, its length checked (its CRC is checked on first read), and from
    /// read version 3 its pieces and their checksum table, which must end where the footer starts.
    private static func blockDirectory(_ file: MappedFile, header: SegmentHeader, footer: SegmentFooter) throws(FormatError)
        -> (UnsafeRawBufferPointer, BlockDirectoryPieces?, UnsafeRawBufferPointer) {
        guard let bdir = file.slice(offset: footer.blockDirectoryOffset, length: footer.blockDirectoryLength) else {
            throw FormatError(.outOfBounds, structure: "block directory", offset: footer.blockDirectoryOffset)
        }
        let expectedBlocks = header.maskCount * header.bandsPerMask
        guard bdir.count == expectedBlocks * SegmentLayout.blockDescriptorSize else {
            throw FormatError(.invalidField, structure: "block directory", offset: footer.blockDirectoryOffset,
                              detail: "\(bdir.count) bytes for \(expectedBlocks) blocks")
        }
        guard header.readVersion >= SegmentLayout.piecesReadVersion else { return (bdir, nil, UnsafeRawBufferPointer(start: nil, count: 0)) }
        let pieces = BlockDirectoryPieces(blocksPerPiece: footer.blocksPerPiece, blockCount: expectedBlocks)
        let tableOffset = footer.blockDirectoryOffset + footer.blockDirectoryLength
        guard let table = file.slice(offset: tableOffset, length: UInt64(pieces.tableLength)),
              Int(tableOffset) + pieces.tableLength == file.count - SegmentLayout.footerSize else {
            throw FormatError(.outOfBounds, structure: BlockDirectoryPieces.tableStructure, offset: tableOffset,
                              detail: "\(pieces.tableLength) bytes must end where the footer starts")
        }
        return (bdir, pieces, table)
    }

    /// The column directory, checked against its CRC and decoded (with its statistics from
    /// read version 2 on).
    private static func columnDirectory(_ file: MappedFile, header: SegmentHeader,
                                        footer: SegmentFooter) throws(FormatError) -> [ColumnChunkDescriptor] {
        guard let cdir = file.slice(offset: footer.columnDirectoryOffset, length: footer.columnDirectoryLength) else {
            throw FormatError(.outOfBounds, structure: "column directory", offset: footer.columnDirectoryOffset)
        }
        try checkCRC(cdir, stored: footer.columnDirectoryCRC, structure: "column directory", offset: footer.columnDirectoryOffset)
        return try ColumnChunkDescriptor.decodeDirectory(
            cdir, fileOffset: footer.columnDirectoryOffset, statistics: header.readVersion >= SegmentLayout.statisticsReadVersion)
    }

    /// Column `d`'s chunk and a view of it, sized for `rows` rows.
    private static func chunk(_ file: MappedFile, _ d: ColumnChunkDescriptor,
                              rows: Int) throws(FormatError) -> (bytes: UnsafeRawBufferPointer, view: ColumnChunkView) {
        guard let chunk = file.slice(offset: d.offset, length: d.length) else {
            throw FormatError(.outOfBounds, structure: "column '\(d.name)'", offset: d.offset)
        }
        return (chunk, try ColumnChunkView(chunk, type: d.type, count: rows, structure: "column '\(d.name)'"))
    }

    private static func checkCRC(_ bytes: UnsafeRawBufferPointer, stored: UInt32, structure: String, offset: UInt64) throws(FormatError) {
        let computed = CRC32C.checksum(bytes)
        guard computed == stored else {
            throw FormatError(.checksumMismatch, structure: structure, offset: offset,
                              detail: "stored \(hex32(stored)), computed \(hex32(computed))")
        }
    }

    /// Metadata column `index` (directory order), read in place; its chunk is checked (CRC,
    /// TEXT structure) the first time.
    /// - Complexity: O(chunk bytes) the first time, O(1) after.
    @inline(__always)
    public func column(_ index: Int) throws(FormatError) -> ColumnChunkView {
        try chunkChecks[index].ensure { () throws(FormatError) in
            let d = columnDescriptors[index], s = "column '\(d.name)'"
            // The check reads the whole chunk: ask for it in one read rather than a fault per
            // page (query mappings are advised random; 10 MB for 1.33 M int64 ids).
            file.willNeed(offset: Int(d.offset), length: Int(d.length))
            do throws(FormatError) {
                try SegmentReader.checkCRC(chunks[index].bytes, stored: d.crc, structure: s, offset: d.offset)
                try chunks[index].view.validate(structure: s)
            } catch {
                throw error.located(in: path)
            }
        }
        return chunks[index].view
    }

    /// Metadata column `index` without its first-read check: only for a reader that runs
    /// `column(index)` before reading any row through the view (`Database.value`).
    func uncheckedColumn(_ index: Int) -> ColumnChunkView { chunks[index].view }

    /// Every metadata column decoded into memory (each checked as by `column(_:)`).
    /// - Complexity: O(metadata bytes).
    public func decodedColumns() throws(FormatError) -> [ColumnData] {
        try columnDescriptors.indices.map { (i) throws(FormatError) in try column(i).decoded() }
    }

    /// The directory entry of block `index` (mask `index / bandsPerMask`, band `index % bandsPerMask`),
    /// as stored: its CRC is checked by `decodeBlock`, not here (prefetch hints use it unchecked).
    public func block(_ index: Int) -> BlockDescriptor {
        BlockDescriptor.directoryEntry(blockDirectory, index: index)
    }

    /// Checks block `index` (its directory entry's checksum the first time — the whole
    /// directory's up to read version 2, its piece's from 3 —, header vs directory, payload
    /// CRC) and decodes it into `out` (`rawSize` bytes).
    public func decodeBlock(_ index: Int, into out: UnsafeMutableRawBufferPointer) throws(FormatError) {
        try blockDirectoryCheck.ensure(block: index, file: file)
        let d = block(index)
        // The structure's name, built only when an error is thrown (this is the hot path).
        var s: String { "block \(index) (mask \(index / header.bandsPerMask), band \(index % header.bandsPerMask))" }
        guard let head = file.slice(offset: d.offset, length: UInt64(SegmentLayout.blockHeaderSize)),
              let payload = file.slice(offset: d.payloadOffset, length: UInt64(d.storedSize)) else {
            throw FormatError(.outOfBounds, structure: s, file: path, offset: d.offset)
        }
        // The 16-byte block header repeats bytes 8..<24 of its directory entry: compare raw.
        let entry = blockDirectory.baseAddress! + index * SegmentLayout.blockDescriptorSize + 8
        let same = head.loadUnaligned(fromByteOffset: 0, as: UInt64.self) == entry.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
            && head.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == entry.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        guard same, Int(d.band) == index % header.bandsPerMask else {
            throw FormatError(.invalidField, structure: s, file: path, offset: d.offset, detail: "block header disagrees with the block directory")
        }
        guard Int(d.rawSize) == out.count, d.flags & ~BlockDescriptor.rawFlag == 0 else {
            throw FormatError(.invalidField, structure: s, file: path, offset: d.offset, detail: "raw size \(d.rawSize), expected \(out.count)")
        }
        let crc = CRC32C.checksum(payload)
        guard crc == d.crc else {
            throw FormatError(.checksumMismatch, structure: s, file: path, offset: d.payloadOffset,
                              detail: "stored \(hex32(d.crc)), computed \(hex32(crc))")
        }
        if d.isRaw {
            guard d.storedSize == d.rawSize else {
                throw FormatError(.invalidField, structure: s, file: path, offset: d.offset, detail: "raw block with stored size \(d.storedSize)")
            }
            out.baseAddress!.copyMemory(from: payload.baseAddress!, byteCount: out.count)
        } else if !LZ4Codec.decompress(payload, into: out) {
            throw FormatError(.decompressionFailed, structure: s, file: path, offset: d.payloadOffset)
        }
    }

    /// Decodes the bands covering image rows `rows` of mask `mask`, whole, into `buffer`
    /// (room for the covering bands; `height` rows always suffice) and returns the image rows
    /// decoded: band-aligned, a superset of `rows`. Unlike `readRows`, no band is decoded
    /// into scratch and copied: the verifier's hot path.
    /// - Complexity: O(bands covered × band bytes).
    public func readCoveringBands(mask: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws(FormatError) -> Range<Int> {
        guard !rows.isEmpty else { return rows }
        let rowBytes = header.width * header.pixelFormat.bytesPerPixel
        let bandRows = header.bandRows
        let firstBand = rows.lowerBound / bandRows
        let lastBand = (rows.upperBound - 1) / bandRows
        let start = firstBand * bandRows, end = min((lastBand + 1) * bandRows, header.height)
        guard buffer.count >= (end - start) * rowBytes else {
            throw FormatError(.outOfBounds, structure: "read buffer", file: path, offset: 0,
                              detail: "\(buffer.count) bytes for \(end - start) rows")
        }
        for band in firstBand...lastBand {
            let bandStart = band * bandRows, bandEnd = min(bandStart + bandRows, header.height)
            let dest = UnsafeMutableRawBufferPointer(
                rebasing: buffer[((bandStart - start) * rowBytes)..<((bandEnd - start) * rowBytes)])
            try decodeBlock(mask * header.bandsPerMask + band, into: dest)
        }
        return start..<end
    }

    /// Starts reading the blocks that cover image rows `rows` of each request's mask
    /// (`MappedFile.willNeed`), so that the reads of cold blocks overlap each other and the
    /// decoding of earlier ones. Byte ranges of successive requests closer than
    /// `prefetchGap` are merged into one advice (a single sequential read instead of many
    /// small ones, and one system call). The directory entries giving those ranges are
    /// advised first (`prefetchDirectory`), so that cold ones load together rather than
    /// one page fault after the other.
    /// Block entries are unchecked here: one pointing outside the file gets no advice
    /// (`decodeBlock` reports the damage).
    /// - Complexity: O(requests) plus one `madvise` per merged range.
    public func prefetchBands(_ requests: some Collection<(mask: Int, rows: Range<Int>)>) {
        let bandRows = header.bandRows, bands = header.bandsPerMask
        prefetchDirectory(requests.lazy.map(\.mask))
        let fileSize = UInt64(file.count)
        let ranges = requests.lazy.filter { !$0.rows.isEmpty && $0.mask >= 0 && $0.mask < self.maskCount }.compactMap { (mask, rows) -> Range<Int>? in
            let first = self.block(mask * bands + rows.lowerBound / bandRows)
            let last = self.block(mask * bands + min(rows.upperBound - 1, self.header.height - 1) / bandRows)
            guard first.offset <= fileSize, last.offset <= fileSize else { return nil }
            let lo = Int(first.offset)
            let hi = min(Int(last.offset) + SegmentLayout.blockHeaderSize + Int(last.storedSize), self.file.count)
            return lo..<max(lo, hi)
        }
        file.willNeed(ranges, mergingGapsUpTo: SegmentReader.prefetchGap)
    }

    /// Drops this process's mappings of the pages holding the blocks of `masks` (consecutive
    /// masks' blocks are contiguous: one `MADV_DONTNEED` from the first one's first block to the
    /// last one's last; the pages stay in the page cache). - Complexity: O(1) plus the pages.
    public func releaseBlocks(masks: Range<Int>) {
        guard !masks.isEmpty, masks.lowerBound >= 0, masks.upperBound <= maskCount else { return }
        let bands = header.bandsPerMask, fileSize = UInt64(file.count)
        let first = block(masks.lowerBound * bands), last = block(masks.upperBound * bands - 1)
        guard first.offset <= fileSize, last.offset <= fileSize else { return }
        let lo = Int(first.offset), hi = min(Int(last.offset) + SegmentLayout.blockHeaderSize + Int(last.storedSize), file.count)
        if hi > lo { file.releasePages(offset: lo, length: hi - lo) }
    }

    /// Advises the directory entries of masks `masks` (all their bands), ranges closer than
    /// `prefetchGap` merged: with the directory read piece by piece (read version 3), a cold
    /// query reads the entries of the masks it verifies, and this reads them together — a
    /// query verifying 1 % of the masks reads most of the directory in long sequential reads
    /// rather than a page per mask (see `prefetchGap`).
    /// Up to read version 2 the first block read checks (and so reads) the whole directory.
    /// - Complexity: O(masks) plus one `madvise` per merged range.
    public func prefetchDirectory(_ masks: some Sequence<Int>) {
        let entryBytes = header.bandsPerMask * SegmentLayout.blockDescriptorSize
        let base = Int(footer.blockDirectoryOffset)
        let ranges = masks.lazy.filter { $0 >= 0 && $0 < self.maskCount }.map { base + $0 * entryBytes ..< base + ($0 + 1) * entryBytes }
        file.willNeed(ranges, mergingGapsUpTo: SegmentReader.prefetchGap)
    }

    /// Gaps up to this many bytes between prefetched blocks, or directory entries, are read
    /// along: one read of the gap costs less than a second request. Measured on the 2-core
    /// virtio disk of BENCHMARKS.md (~50k random reads/s at best, ~2.5 GB/s sequential): a
    /// request costs about as much as 50 KB of transfer. ImageNet's Q1 verifies 14,348 of
    /// 1.33 M masks, their directory entries ~16 KB apart: merged up to 8 KB it made 28.4k
    /// requests (0.9–1.1 s cold), up to 64 KB 14.8k (0.65–0.83 s), up to 128 KB no better.
    public static let prefetchGap = 64 << 10

    /// Decodes image rows `rows` of mask `mask` into `buffer` (row-major stored codes),
    /// decoding only the bands that cover them.
    /// - Complexity: O(bands covered × band bytes).
    public func readRows(mask: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws(FormatError) {
        let rowBytes = header.width * header.pixelFormat.bytesPerPixel
        let bandRows = header.bandRows
        guard !rows.isEmpty else { return }
        let firstBand = rows.lowerBound / bandRows
        let lastBand = (rows.upperBound - 1) / bandRows
        for band in firstBand...lastBand {
            let bandStart = band * bandRows
            let bandEnd = min(bandStart + bandRows, header.height)
            let lo = max(bandStart, rows.lowerBound), hi = min(bandEnd, rows.upperBound)
            let dest = UnsafeMutableRawBufferPointer(
                rebasing: buffer[((lo - rows.lowerBound) * rowBytes)..<((hi - rows.lowerBound) * rowBytes)])
            let index = mask * header.bandsPerMask + band
            if lo == bandStart && hi == bandEnd {
                try decodeBlock(index, into: dest)
            } else {
                // Partial band: decode the whole band into scratch, copy the rows needed.
                let bandBytes = (bandEnd - bandStart) * rowBytes
                let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: bandBytes, alignment: 64)
                defer { scratch.deallocate() }
                try decodeBlock(index, into: scratch)
                dest.baseAddress!.copyMemory(from: scratch.baseAddress! + (lo - bandStart) * rowBytes, byteCount: dest.count)
            }
        }
    }
}
