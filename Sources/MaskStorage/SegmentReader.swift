import MaskFormat

/// Reads a segment file through a memory mapping.
///
/// Opening checks the header, the footer, both directories and every metadata column
/// against their CRC-32Cs and decodes the columns; pixel blocks are checked (header against
/// directory entry, payload CRC, decoded size) each time they are read, so damaged pixels
/// are reported, never returned.
public final class SegmentReader: @unchecked Sendable {
    public let file: MappedFile
    public let header: SegmentHeader
    public let footer: SegmentFooter
    /// Column directory entries and decoded chunks, in directory order.
    public let columnDescriptors: [ColumnChunkDescriptor]
    public let columns: [ColumnData]
    private let blockDirectory: UnsafeRawBufferPointer

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
            let bytes = file.bytes
            header = try SegmentHeader.decode(bytes)
            guard bytes.count >= SegmentLayout.headerSize + SegmentLayout.footerSize else {
                throw FormatError(.outOfBounds, structure: "segment footer", offset: UInt64(bytes.count), detail: "file too short")
            }
            let footerOffset = bytes.count - SegmentLayout.footerSize
            footer = try SegmentFooter.decode(UnsafeRawBufferPointer(rebasing: bytes[footerOffset...]), fileOffset: UInt64(footerOffset))
            guard footer.maskCount == header.maskCount else {
                throw FormatError(.invalidField, structure: "segment footer", offset: UInt64(footerOffset + 40),
                                  detail: "mask count \(footer.maskCount), header says \(header.maskCount)")
            }
            guard let bdir = file.slice(offset: footer.blockDirectoryOffset, length: footer.blockDirectoryLength) else {
                throw FormatError(.outOfBounds, structure: "block directory", offset: footer.blockDirectoryOffset)
            }
            let expectedBlocks = header.maskCount * header.bandsPerMask
            guard bdir.count == expectedBlocks * SegmentLayout.blockDescriptorSize else {
                throw FormatError(.invalidField, structure: "block directory", offset: footer.blockDirectoryOffset,
                                  detail: "\(bdir.count) bytes for \(expectedBlocks) blocks")
            }
            let bcrc = CRC32C.checksum(bdir)
            guard bcrc == footer.blockDirectoryCRC else {
                throw FormatError(.checksumMismatch, structure: "block directory", offset: footer.blockDirectoryOffset,
                                  detail: "stored \(hex32(footer.blockDirectoryCRC)), computed \(hex32(bcrc))")
            }
            blockDirectory = bdir
            guard let cdir = file.slice(offset: footer.columnDirectoryOffset, length: footer.columnDirectoryLength) else {
                throw FormatError(.outOfBounds, structure: "column directory", offset: footer.columnDirectoryOffset)
            }
            let ccrc = CRC32C.checksum(cdir)
            guard ccrc == footer.columnDirectoryCRC else {
                throw FormatError(.checksumMismatch, structure: "column directory", offset: footer.columnDirectoryOffset,
                                  detail: "stored \(hex32(footer.columnDirectoryCRC)), computed \(hex32(ccrc))")
            }
            columnDescriptors = try ColumnChunkDescriptor.decodeDirectory(cdir, fileOffset: footer.columnDirectoryOffset)
            var decoded: [ColumnData] = []
            for d in columnDescriptors {
                let s = "column '\(d.name)'"
                guard let chunk = file.slice(offset: d.offset, length: d.length) else {
                    throw FormatError(.outOfBounds, structure: s, offset: d.offset)
                }
                let crc = CRC32C.checksum(chunk)
                guard crc == d.crc else {
                    throw FormatError(.checksumMismatch, structure: s, offset: d.offset,
                                      detail: "stored \(hex32(d.crc)), computed \(hex32(crc))")
                }
                decoded.append(try ColumnData.decode(chunk, type: d.type, count: header.maskCount, structure: s))
            }
            columns = decoded
        } catch {
            throw StorageError.corrupt(error.located(in: path))
        }
    }

    /// The directory entry of block `index` (mask `index / bandsPerMask`, band `index % bandsPerMask`).
    public func block(_ index: Int) -> BlockDescriptor {
        BlockDescriptor.directoryEntry(blockDirectory, index: index)
    }

    /// Checks block `index` (header vs directory, payload CRC) and decodes it into `out`
    /// (`rawSize` bytes).
    public func decodeBlock(_ index: Int, into out: UnsafeMutableRawBufferPointer) throws(FormatError) {
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
    /// small ones, and one system call).
    /// - Complexity: O(requests) plus one `madvise` per merged range.
    public func prefetchBands(_ requests: some Sequence<(mask: Int, rows: Range<Int>)>) {
        let bandRows = header.bandRows, bands = header.bandsPerMask
        var start = -1, end = -1
        for (mask, rows) in requests where !rows.isEmpty && mask >= 0 && mask < maskCount {
            let first = block(mask * bands + rows.lowerBound / bandRows)
            let last = block(mask * bands + min(rows.upperBound - 1, header.height - 1) / bandRows)
            let lo = Int(first.offset), hi = Int(last.payloadOffset) + Int(last.storedSize)
            if start >= 0 && lo >= start && lo <= end + SegmentReader.prefetchGap {
                end = max(end, hi)
            } else {
                if start >= 0 { file.willNeed(offset: start, length: end - start) }
                start = lo
                end = hi
            }
        }
        if start >= 0 { file.willNeed(offset: start, length: end - start) }
    }

    /// Gaps up to this many bytes between prefetched blocks are read along.
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
