import Dispatch
import MaskFormat
#if canImport(Glibc)
import Glibc
#endif

/// Writes one segment file (Format/segment.md), streaming: masks are appended in chunks,
/// cut into row bands, LZ4-compressed on all cores, and written in order; metadata, the
/// directories and the footer follow at `finish`, and the header (which holds the mask
/// count) is written last. The file is written under a temporary name and only becomes
/// visible through `Database`'s manifest, so an interrupted writer leaves nothing behind
/// but an unreferenced temporary file.
///
/// - Complexity: O(bytes); memory O(chunk) for pixels plus O(masks) for the block directory.
public final class SegmentWriter {
    public let path: String
    public let header: SegmentHeader
    private let fd: Int32
    private var offset: Int
    private var blocks: [BlockDescriptor] = []
    private var maskCount = 0
    private var finished = false
    /// Bytes of pixels appended, and bytes written for them (headers included).
    public private(set) var rawBytes = 0
    public private(set) var storedBytes = 0

    /// Entries per piece of the block directory (Format/segment.md, "Block directory pieces").
    public let blocksPerPiece: Int

    public init(path: String, height: Int, width: Int, pixelFormat: PixelFormat,
                bandRows: Int = SegmentLayout.defaultBandRows,
                blocksPerPiece: Int = SegmentLayout.defaultBlocksPerPiece) throws(StorageError) {
        precondition(bandRows >= 1 && bandRows <= Int(UInt16.max), "band rows must be in 1...65535")
        precondition(blocksPerPiece >= 1 && blocksPerPiece <= Int(UInt32.max), "blocks per piece must be at least 1")
        self.path = path
        self.blocksPerPiece = blocksPerPiece
        self.header = SegmentHeader(height: height, width: width, pixelFormat: pixelFormat,
                                    bandRows: min(bandRows, height), maskCount: 0)
        fd = try SystemCalls.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        offset = SegmentLayout.headerSize
        // Placeholder header; the real one is written by `finish`.
        let zeros = [UInt8](repeating: 0, count: SegmentLayout.headerSize)
        do throws(StorageError) {
            try SystemCalls.writeAll(fd, zeros, path: path)
        } catch {
            SystemCalls.close(fd)
            SystemCalls.unlink(path)
            throw error
        }
    }

    deinit {
        if !finished { abandon() }
    }

    /// Appends `count` masks given as stored codes, row-major, mask after mask
    /// (`count * height * width * bytesPerPixel` bytes).
    public func append(codes: UnsafeRawBufferPointer, count: Int) throws(StorageError) {
        let bandBytes = header.bandRows * header.width * header.pixelFormat.bytesPerPixel
        let maskBytes = header.height * header.width * header.pixelFormat.bytesPerPixel
        precondition(codes.count >= count * maskBytes)
        let bands = header.bandsPerMask
        let jobs = count * bands
        guard jobs > 0 else { return }
        let slot = SegmentLayout.blockHeaderSize + LZ4Codec.bound(bandBytes)
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: jobs * slot, alignment: 64)
        defer { arena.deallocate() }
        var sizes = [Int](repeating: 0, count: jobs)
        let workers = min(Parallel.coreCount, jobs)
        sizes.withUnsafeMutableBufferPointer { sizesPtr in
            let sizesBase = sizesPtr.baseAddress!
            Parallel.run(workers: workers) { w in
                var job = w
                while job < jobs {
                    let m = job / bands, b = job % bands
                    let start = m * maskBytes + b * bandBytes
                    let len = min(bandBytes, maskBytes - b * bandBytes)
                    let src = UnsafeRawBufferPointer(rebasing: codes[start..<(start + len)])
                    let out = UnsafeMutableRawBufferPointer(rebasing: arena[(job * slot)..<((job + 1) * slot)])
                    let payload = UnsafeMutableRawBufferPointer(rebasing: out[SegmentLayout.blockHeaderSize...])
                    var stored = LZ4Codec.compress(src, into: payload)
                    var flags: UInt16 = 0
                    if stored <= 0 || stored >= len {
                        payload.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: len)
                        stored = len
                        flags = BlockDescriptor.rawFlag
                    }
                    let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: payload[0..<stored]))
                    let d = BlockDescriptor(offset: 0, storedSize: UInt32(stored), rawSize: UInt32(len),
                                            flags: flags, band: UInt16(b), crc: crc)
                    var hw = ByteWriter(capacity: SegmentLayout.blockHeaderSize)
                    d.encodeBlockHeader(into: &hw)
                    hw.bytes.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    sizesBase[job] = stored
                    job += workers
                }
            }
        }
        // Write the blocks in order straight from the arena, up to IOV_MAX blocks per writev.
        var iovecs: [iovec] = []
        iovecs.reserveCapacity(jobs)
        var written = 0
        for job in 0..<jobs {
            let total = SegmentLayout.blockHeaderSize + sizes[job]
            let start = arena.baseAddress! + job * slot
            blocks.append(BlockDescriptor.blockHeader(UnsafeRawBufferPointer(start: start, count: total), offset: UInt64(offset + written)))
            iovecs.append(iovec(iov_base: start, iov_len: total))
            written += total
        }
        try SystemCalls.writeAll(fd, iovecs, path: path)
        offset += written
        storedBytes += written
        rawBytes += count * maskBytes
        maskCount += count
    }

    /// Writes the metadata columns (one per entry, `count` rows each), the directories, the
    /// footer and the header; fsyncs. Returns the header written.
    @discardableResult
    public func finish(columns: [(name: String, data: ColumnData)]) throws(StorageError) -> SegmentHeader {
        var w = ByteWriter()
        let base = offset
        // Pad to a multiple of 64 of the *file* offset (w starts at file offset `base`).
        func pad() { w.zeros((SegmentLayout.alignment - (base + w.count) % SegmentLayout.alignment) % SegmentLayout.alignment) }
        // Align the metadata section.
        pad()
        var entries: [ColumnChunkDescriptor] = []
        for (name, data) in columns {
            precondition(data.count == maskCount, "column \(name) has \(data.count) rows for \(maskCount) masks")
            let chunk = data.encoded()
            let at = UInt64(base + w.count)
            entries.append(ColumnChunkDescriptor(name: name, type: data.type, hasNulls: data.hasNulls,
                                                 offset: at, length: UInt64(chunk.count), crc: CRC32C.checksum(chunk),
                                                 statistics: ColumnStatistics(of: data)))
            w.raw(chunk)
            pad()
        }
        let columnDir = ColumnChunkDescriptor.encodeDirectory(
            entries, statistics: header.readVersion >= SegmentLayout.statisticsReadVersion)
        let columnDirOffset = UInt64(base + w.count)
        w.raw(columnDir)
        pad()
        var bw = ByteWriter(capacity: blocks.count * SegmentLayout.blockDescriptorSize)
        for b in blocks { b.encodeDirectoryEntry(into: &bw) }
        let blockDirOffset = UInt64(base + w.count)
        w.raw(bw.bytes)
        // The piece checksum table follows the directory; the footer holds its CRC.
        let table = bw.bytes.withUnsafeBytes {
            BlockDirectoryPieces(blocksPerPiece: blocksPerPiece, blockCount: blocks.count).table(of: $0)
        }
        w.raw(table)
        let footer = SegmentFooter(
            columnDirectoryOffset: columnDirOffset, columnDirectoryLength: UInt64(columnDir.count),
            blockDirectoryOffset: blockDirOffset, blockDirectoryLength: UInt64(bw.count),
            columnDirectoryCRC: CRC32C.checksum(columnDir), blockDirectoryCRC: CRC32C.checksum(table),
            maskCount: maskCount, blocksPerPiece: blocksPerPiece)
        w.raw(footer.encoded())
        try SystemCalls.writeAll(fd, w.bytes, path: path)
        var h = header
        h.maskCount = maskCount
        try SystemCalls.pwriteAll(fd, h.encoded(), offset: 0, path: path)
        try SystemCalls.fsync(fd, path: path)
        SystemCalls.close(fd)
        finished = true
        return h
    }

    /// Closes and deletes the partial file.
    public func abandon() {
        guard !finished else { return }
        finished = true
        SystemCalls.close(fd)
        SystemCalls.unlink(path)
    }

    public var masksWritten: Int { maskCount }
}
