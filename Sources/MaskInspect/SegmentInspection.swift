import MaskFormat
import MaskStorage

/// Everything the dumper learns about a segment file (Format/segment.md), checked structure
/// by structure without `SegmentReader`: each structure is decoded on its own with the
/// MaskFormat decoders, a failure is recorded as a `FormatError` and the inspection goes on
/// with what is left (LevelDB's dumper, Parquet's "error recovery").
///
/// Order: header (offset 0) → footer (last 64 bytes) → column directory → column chunks →
/// block directory → a walk of the block headers from offset 64 → every block (header vs
/// directory, band, raw size, CRC-32C, LZ4 decode to its raw size) → layout (packing,
/// 64-byte alignment, sections in order, footer right after the block directory and, from
/// read version 3, its piece checksum table).
///
/// - Complexity: O(file size): every byte is checksummed once, every block decoded once.
public struct SegmentInspection: Sendable {
    /// The header fields as stored, read at their offsets without any check.
    public struct RawHeader: Sendable, Equatable {
        public var bytes: [UInt8]
        public var magic: [UInt8] { Array(bytes[F.magic..<(F.magic + 8)]) }
        public var writeVersion: UInt16 { field(F.writeVersion) }
        public var readVersion: UInt16 { field(F.readVersion) }
        public var headerSize: UInt32 { field(F.headerSize) }
        public var height: UInt32 { field(F.height) }
        public var width: UInt32 { field(F.width) }
        public var pixelFormat: UInt8 { bytes[F.pixelFormat] }
        public var reserved: UInt8 { bytes[F.reserved] }
        public var bandRows: UInt16 { field(F.bandRows) }
        public var maskCount: UInt32 { field(F.maskCount) }
        public var bandsPerMask: UInt32 { field(F.bandsPerMask) }
        public var flags: UInt32 { field(F.flags) }
        public var reservedTailIsZero: Bool { bytes[F.reservedTail..<F.checksum].allSatisfy { $0 == 0 } }
        public var storedCRC: UInt32 { field(F.checksum) }
        public var computedCRC: UInt32 { CRC32C.checksum(bytes[0..<F.checksum]) }

        private typealias F = SegmentHeader.Offset
        private func field<T: FixedWidthInteger>(_ offset: Int) -> T {
            bytes.withUnsafeBytes { loadLittleEndian(T.self, from: $0, at: offset) }
        }
    }

    /// The footer fields as stored (offsets relative to the footer's start).
    public struct RawFooter: Sendable, Equatable {
        public var bytes: [UInt8]
        public var fileOffset: Int
        public var columnDirectoryOffset: UInt64 { field(F.columnDirectoryOffset) }
        public var columnDirectoryLength: UInt64 { field(F.columnDirectoryLength) }
        public var blockDirectoryOffset: UInt64 { field(F.blockDirectoryOffset) }
        public var blockDirectoryLength: UInt64 { field(F.blockDirectoryLength) }
        public var columnDirectoryCRC: UInt32 { field(F.columnDirectoryCRC) }
        public var blockDirectoryCRC: UInt32 { field(F.blockDirectoryCRC) }
        public var maskCount: UInt32 { field(F.maskCount) }
        public var reserved: UInt32 { field(F.reserved) }
        public var storedCRC: UInt32 { field(F.checksum) }
        public var computedCRC: UInt32 { CRC32C.checksum(bytes[0..<F.checksum]) }
        public var footerLength: UInt32 { field(F.footerLength) }
        public var magic: [UInt8] { Array(bytes[F.magic..<(F.magic + 8)]) }

        private typealias F = SegmentFooter.Offset
        private func field<T: FixedWidthInteger>(_ offset: Int) -> T {
            bytes.withUnsafeBytes { loadLittleEndian(T.self, from: $0, at: offset) }
        }
    }

    /// One pixel block and what was found checking it.
    public struct Block: Sendable, Equatable {
        public var index: Int
        /// Mask and band implied by the index (`index / bandsPerMask`, `index % bandsPerMask`),
        /// nil when the bands per mask are unknown.
        public var mask: Int?
        public var band: Int?
        public var descriptor: BlockDescriptor
        /// nil: not checked (payload out of bounds).
        public var checksumOK: Bool?
        /// nil: not attempted (checksum bad or payload out of bounds).
        public var decodeOK: Bool?
        public var problems: Int
    }

    /// One metadata column: its directory entry and what was found checking its chunk.
    public struct Column: Sendable, Equatable {
        public var descriptor: ColumnChunkDescriptor
        public var checksumOK: Bool?
        public var data: ColumnData?
        public var nulls: Int? { data.map { $0.valid.lazy.filter { !$0 }.count } }
    }

    public var fileSize: Int
    public var rawHeader: RawHeader?
    /// The header, when it decoded and passed every check.
    public var header: SegmentHeader?
    public var rawFooter: RawFooter?
    public var footer: SegmentFooter?
    /// Shape facts used to interpret blocks: from the header, else from the raw header when
    /// plausible.
    public var bandsPerMask: Int?
    public var bandBytesFull: Int?
    public var height: Int?
    public var bandRows: Int?
    public var pixelFormat: PixelFormat?
    public var maskCountForColumns: Int?

    /// Block count from the directory (nil when the directory is unusable) and from the walk.
    public var directoryBlockCount: Int?
    public var walkedBlockCount = 0
    /// True when `blocks` comes from the block directory, false when from the walk.
    public var blocksFromDirectory = false
    public var blocks: [Block] = []
    public var columnDirectoryOK = false
    public var columns: [Column] = []
    public var corruptions: [FormatError] = []
    /// Departures from the writer's layout rules that do not affect the data (a reader
    /// accepts them): misaligned or spaced-out sections.
    public var warnings: [FormatError] = []
    /// Informational lines (how the dumper recovered), not corruption.
    public var notes: [String] = []

    public var maskIDColumn: [Int64]? {
        guard let c = columns.first(where: { $0.descriptor.name == "mask_id" }), let d = c.data,
              case .int64(let ids) = d.values else { return nil }
        return ids
    }

    public init(bytes: UnsafeRawBufferPointer) {
        fileSize = bytes.count
        inspectHeader(bytes)
        inspectFooter(bytes)
        inspectColumns(bytes)
        inspectBlocks(bytes)
        inspectLayout()
        inspectPadding(bytes)
    }

    // MARK: Header and footer

    private mutating func inspectHeader(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= SegmentLayout.headerSize else {
            corruptions.append(FormatError(.outOfBounds, structure: "segment header", offset: 0,
                                           detail: "file is \(bytes.count) bytes, shorter than the header"))
            return
        }
        let raw = RawHeader(bytes: Array(bytes[0..<SegmentLayout.headerSize]))
        rawHeader = raw
        do throws(FormatError) {
            let h = try SegmentHeader.decode(bytes)
            header = h
            if h.writeVersion < h.readVersion {
                corruptions.append(FormatError(.invalidField, structure: "segment header", offset: 8,
                                               detail: "write version \(h.writeVersion) is older than read version \(h.readVersion)"))
            }
            if !raw.reservedTailIsZero {
                corruptions.append(FormatError(.invalidField, structure: "segment header", offset: 40, detail: "reserved bytes 40..<60 are not zero"))
            }
            height = h.height
            bandRows = h.bandRows
            pixelFormat = h.pixelFormat
            bandsPerMask = h.bandsPerMask
            bandBytesFull = h.bandRows * h.width * h.pixelFormat.bytesPerPixel
            maskCountForColumns = h.maskCount
        } catch {
            corruptions.append(error)
            // Fall back on the raw fields when they make sense, to interpret the blocks.
            if raw.height > 0, raw.width > 0, raw.bandRows > 0, let f = PixelFormat(rawValue: raw.pixelFormat),
               Int(raw.bandRows) <= Int(raw.height) {
                let bpm = (Int(raw.height) + Int(raw.bandRows) - 1) / Int(raw.bandRows)
                if bpm == Int(raw.bandsPerMask) {
                    height = Int(raw.height)
                    bandRows = Int(raw.bandRows)
                    pixelFormat = f
                    bandsPerMask = bpm
                    bandBytesFull = Int(raw.bandRows) * Int(raw.width) * f.bytesPerPixel
                    notes.append("the header is damaged; its shape fields look consistent and are used to interpret the blocks")
                }
            }
        }
    }

    private mutating func inspectFooter(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= SegmentLayout.headerSize + SegmentLayout.footerSize else {
            corruptions.append(FormatError(.outOfBounds, structure: "segment footer", offset: UInt64(bytes.count),
                                           detail: "file is \(bytes.count) bytes, too short for a header and a footer"))
            return
        }
        let at = bytes.count - SegmentLayout.footerSize
        let slice = UnsafeRawBufferPointer(rebasing: bytes[at...])
        rawFooter = RawFooter(bytes: Array(slice), fileOffset: at)
        do throws(FormatError) {
            let f = try SegmentFooter.decode(slice, fileOffset: UInt64(at))
            footer = f
            if let h = header, h.maskCount != f.maskCount {
                corruptions.append(FormatError(.invalidField, structure: "segment footer", offset: UInt64(at + SegmentFooter.Offset.maskCount),
                                               detail: "mask count \(f.maskCount), header says \(h.maskCount)"))
            }
            if maskCountForColumns == nil { maskCountForColumns = f.maskCount }
            if let h = header {
                do throws(FormatError) { try f.checkBlocksPerPiece(readVersion: h.readVersion, fileOffset: UInt64(at)) } catch { corruptions.append(error) }
            }
        } catch {
            corruptions.append(error)
        }
    }

    // MARK: Columns

    private mutating func inspectColumns(_ bytes: UnsafeRawBufferPointer) {
        guard let f = footer else {
            notes.append("the footer is damaged: the column directory cannot be located")
            return
        }
        let s = "column directory"
        guard let dir = slice(bytes, f.columnDirectoryOffset, f.columnDirectoryLength) else {
            corruptions.append(FormatError(.outOfBounds, structure: s, offset: f.columnDirectoryOffset,
                                           detail: "\(f.columnDirectoryLength) bytes past the end of the file"))
            return
        }
        let crc = CRC32C.checksum(dir)
        let crcOK = crc == f.columnDirectoryCRC
        if !crcOK {
            corruptions.append(FormatError(.checksumMismatch, structure: s, offset: f.columnDirectoryOffset,
                                           detail: "stored \(hex32(f.columnDirectoryCRC)), computed \(hex32(crc))"))
        }
        let entries: [ColumnChunkDescriptor]
        do throws(FormatError) {
            entries = try decodeColumnDirectory(dir, offset: f.columnDirectoryOffset)
        } catch {
            if crcOK { corruptions.append(error) }
            notes.append("the column directory does not decode: no metadata columns")
            return
        }
        columnDirectoryOK = crcOK
        if !crcOK { notes.append("the column directory decoded despite its checksum; its entries are unverified") }
        for d in entries { columns.append(inspectColumn(d, bytes)) }
    }

    /// The column directory in the layout of the header's read version (entries with
    /// statistics from version 2 on); when the header is damaged, the layout its raw read
    /// version names, else the other one.
    private func decodeColumnDirectory(_ dir: UnsafeRawBufferPointer, offset: UInt64) throws(FormatError) -> [ColumnChunkDescriptor] {
        let v2 = SegmentLayout.statisticsReadVersion
        if let h = header {
            return try ColumnChunkDescriptor.decodeDirectory(dir, fileOffset: offset, statistics: h.readVersion >= v2)
        }
        let guess = (rawHeader?.readVersion ?? 1) >= v2
        do throws(FormatError) {
            return try ColumnChunkDescriptor.decodeDirectory(dir, fileOffset: offset, statistics: guess)
        } catch {
            guard let other = try? ColumnChunkDescriptor.decodeDirectory(dir, fileOffset: offset, statistics: !guess) else { throw error }
            return other
        }
    }

    /// Checks one column chunk: in bounds, its CRC, then its decoded values against the
    /// directory's has-NULLs flag, statistics and length. Damage is recorded; the column is returned with
    /// what could be decoded.
    private mutating func inspectColumn(_ d: ColumnChunkDescriptor, _ bytes: UnsafeRawBufferPointer) -> Column {
        var column = Column(descriptor: d, checksumOK: nil, data: nil)
        let cs = "column '\(d.name)'"
        guard let chunk = slice(bytes, d.offset, d.length) else {
            corruptions.append(FormatError(.outOfBounds, structure: cs, offset: d.offset, detail: "\(d.length) bytes past the end of the file"))
            return column
        }
        let c = CRC32C.checksum(chunk)
        column.checksumOK = c == d.crc
        guard c == d.crc else {
            corruptions.append(FormatError(.checksumMismatch, structure: cs, offset: d.offset,
                                           detail: "stored \(hex32(d.crc)), computed \(hex32(c))"))
            return column
        }
        guard let rows = maskCountForColumns else { return column }
        do throws(FormatError) {
            let data = try ColumnData.decode(chunk, type: d.type, count: rows, structure: cs)
            column.data = data
            if data.hasNulls != d.hasNulls {
                corruptions.append(FormatError(.invalidField, structure: cs, offset: d.offset,
                                               detail: "has-NULLs flag \(d.hasNulls), the validity bitmap says \(data.hasNulls)"))
            }
            if let s = d.statistics, s != ColumnStatistics(of: data) {
                corruptions.append(FormatError(.invalidField, structure: cs, offset: d.offset,
                                               detail: "statistics \(s.minimum)...\(s.maximum) are not the range of the values"))
            }
            let expected = Self.chunkLength(data)
            if expected != Int(d.length) {
                corruptions.append(FormatError(.invalidField, structure: cs, offset: d.offset,
                                               detail: "chunk length \(d.length), \(rows) rows need \(expected)"))
            }
        } catch {
            var e = error
            if e.offset == nil { e.offset = d.offset } else { e.offset! += d.offset }
            corruptions.append(e)
        }
        return column
    }

    /// The exact length of a chunk holding `data` (Format/segment.md, "Column chunks").
    static func chunkLength(_ data: ColumnData) -> Int {
        let bitmap = (data.count + 7) / 8
        let padded = (bitmap + 7) / 8 * 8
        switch data.values {
        case .int64, .float64: return padded + 8 * data.count
        case .text(let a): return padded + 4 * (a.count + 1) + a.reduce(0) { $0 + $1.utf8.count }
        }
    }

    // MARK: Blocks

    private mutating func inspectBlocks(_ bytes: UnsafeRawBufferPointer) {
        // Where the blocks must end: the first metadata byte, else the footer.
        var limit = bytes.count - SegmentLayout.footerSize
        if let f = footer, f.columnDirectoryOffset < UInt64(limit) { limit = Int(f.columnDirectoryOffset) }
        if let f = footer, f.blockDirectoryOffset < UInt64(limit) { limit = Int(f.blockDirectoryOffset) }
        for c in columns where c.descriptor.offset < UInt64(limit) { limit = Int(c.descriptor.offset) }
        limit = max(limit, SegmentLayout.headerSize)

        let walked = walk(bytes, limit: limit)
        walkedBlockCount = walked.count

        var directory: [BlockDescriptor]?
        if let f = footer { directory = directoryEntries(bytes, f) }
        directoryBlockCount = directory?.count
        // A damaged header: take the bands per mask from the directory and the footer's mask
        // count when they agree with the header's stored field.
        if bandsPerMask == nil, let n = directory?.count, let f = footer, f.maskCount > 0, n % f.maskCount == 0,
           let rh = rawHeader, Int(rh.bandsPerMask) == n / f.maskCount {
            bandsPerMask = n / f.maskCount
            notes.append("the header is damaged: \(n / f.maskCount) bands per mask inferred from the block directory and the footer")
        }
        if let directory {
            blocksFromDirectory = true
            for (i, d) in directory.enumerated() { checkBlock(bytes, index: i, entry: d, fromDirectory: true) }
        } else {
            notes.append("the block directory is unusable: \(walked.count) blocks recovered by walking block headers from byte \(SegmentLayout.headerSize)")
            for (i, d) in walked.enumerated() { checkBlock(bytes, index: i, entry: d, fromDirectory: false) }
            if let h = header, walked.count != h.maskCount * h.bandsPerMask {
                corruptions.append(FormatError(.invalidField, structure: "block walk", offset: UInt64(walked.last.map { Int($0.payloadOffset) + Int($0.storedSize) } ?? 64),
                                               detail: "found \(walked.count) blocks, the header implies \(h.maskCount * h.bandsPerMask)"))
            }
        }
    }

    /// The block directory's entries when it lies inside the file and its checksums hold —
    /// the one CRC up to read version 2; from 3 the piece table's CRC and each piece's —,
    /// else nil (the blocks are then walked). Damage is recorded.
    private mutating func directoryEntries(_ bytes: UnsafeRawBufferPointer, _ f: SegmentFooter) -> [BlockDescriptor]? {
        let s = "block directory"
        guard let dir = slice(bytes, f.blockDirectoryOffset, f.blockDirectoryLength) else {
            corruptions.append(FormatError(.outOfBounds, structure: s, offset: f.blockDirectoryOffset,
                                           detail: "\(f.blockDirectoryLength) bytes past the end of the file"))
            return nil
        }
        guard dir.count % SegmentLayout.blockDescriptorSize == 0 else {
            corruptions.append(FormatError(.invalidField, structure: s, offset: f.blockDirectoryOffset,
                                           detail: "length \(dir.count) is not a multiple of \(SegmentLayout.blockDescriptorSize)"))
            return nil
        }
        let n = dir.count / SegmentLayout.blockDescriptorSize
        let intact = usesPieces(f) ? checkPieces(bytes, f, dir) : checkWholeDirectory(f, dir)
        guard intact else { return nil }
        if let h = header, n != h.maskCount * h.bandsPerMask {
            corruptions.append(FormatError(.invalidField, structure: s, offset: f.blockDirectoryOffset,
                                           detail: "\(n) blocks for \(h.maskCount) masks of \(h.bandsPerMask) bands"))
        }
        return (0..<n).map { BlockDescriptor.directoryEntry(dir, index: $0) }
    }

    /// True when the block directory is checksummed in pieces: the header's read version is
    /// 3 or more, or, the header being damaged, the footer names a piece size.
    func usesPieces(_ f: SegmentFooter) -> Bool {
        if let h = header { return h.readVersion >= SegmentLayout.piecesReadVersion }
        return f.blocksPerPiece > 0
    }

    private mutating func checkWholeDirectory(_ f: SegmentFooter, _ dir: UnsafeRawBufferPointer) -> Bool {
        let crc = CRC32C.checksum(dir)
        guard crc == f.blockDirectoryCRC else {
            corruptions.append(FormatError(.checksumMismatch, structure: "block directory", offset: f.blockDirectoryOffset,
                                           detail: "stored \(hex32(f.blockDirectoryCRC)), computed \(hex32(crc))"))
            return false
        }
        return true
    }

    /// Read version 3: the piece checksum table (inside the file, ending where the footer
    /// starts, its CRC the footer's) and every piece against it.
    private mutating func checkPieces(_ bytes: UnsafeRawBufferPointer, _ f: SegmentFooter, _ dir: UnsafeRawBufferPointer) -> Bool {
        guard f.blocksPerPiece > 0 else { return false }   // reported with the footer
        let pieces = BlockDirectoryPieces(blocksPerPiece: f.blocksPerPiece, blockCount: dir.count / SegmentLayout.blockDescriptorSize)
        let at = f.blockDirectoryOffset + f.blockDirectoryLength, s = BlockDirectoryPieces.tableStructure
        guard let table = slice(bytes, at, UInt64(pieces.tableLength)), Int(at) + pieces.tableLength == fileSize - SegmentLayout.footerSize else {
            corruptions.append(FormatError(.outOfBounds, structure: s, offset: at, detail: "\(pieces.tableLength) bytes must end where the footer starts"))
            return false
        }
        let crc = CRC32C.checksum(table)
        guard crc == f.blockDirectoryCRC else {
            corruptions.append(FormatError(.checksumMismatch, structure: s, offset: at,
                                           detail: "stored \(hex32(f.blockDirectoryCRC)), computed \(hex32(crc))"))
            return false
        }
        var intact = true
        for k in 0..<pieces.pieceCount {
            do throws(FormatError) {
                try pieces.checkPiece(k, directory: dir, table: table, directoryOffset: f.blockDirectoryOffset)
            } catch {
                corruptions.append(error)
                intact = false
            }
        }
        return intact
    }

    /// The raw size band `band` must have.
    private func expectedRawSize(band: Int) -> Int? {
        guard let height, let bandRows, let full = bandBytesFull else { return nil }
        let rows = min(bandRows, height - band * bandRows)
        return rows > 0 ? full / bandRows * rows : nil
    }

    /// Block headers read one after the other from offset 64 for as long as they look like
    /// block headers (reserved flags clear, sizes plausible, band in sequence, payload
    /// inside `limit`). Blocks are packed, so this finds every block of an undamaged file
    /// even without the block directory.
    func walk(_ bytes: UnsafeRawBufferPointer, limit: Int) -> [BlockDescriptor] {
        var out: [BlockDescriptor] = []
        var offset = SegmentLayout.headerSize
        while offset + SegmentLayout.blockHeaderSize <= limit {
            let h = BlockDescriptor.blockHeader(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + SegmentLayout.blockHeaderSize)]),
                                                offset: UInt64(offset))
            let end = offset + SegmentLayout.blockHeaderSize + Int(h.storedSize)
            guard h.flags & ~BlockDescriptor.rawFlag == 0, h.storedSize > 0, h.rawSize > 0, end <= limit,
                  !h.isRaw || h.storedSize == h.rawSize else { break }
            if let bpm = bandsPerMask {
                guard Int(h.band) == out.count % bpm, Int(h.rawSize) == expectedRawSize(band: Int(h.band)) else { break }
            }
            out.append(h)
            offset = end
        }
        return out
    }

    private mutating func checkBlock(_ bytes: UnsafeRawBufferPointer, index i: Int, entry d: BlockDescriptor, fromDirectory: Bool) {
        let mask = bandsPerMask.map { i / $0 }, band = bandsPerMask.map { i % $0 }
        let s = "block \(i)" + (mask.map { " (mask \($0), band \(band!))" } ?? "")
        var block = Block(index: i, mask: mask, band: band, descriptor: d, checksumOK: nil, decodeOK: nil, problems: 0)
        let before = corruptions.count
        defer {
            block.problems = corruptions.count - before
            blocks.append(block)
        }
        func report(_ code: FormatError.Code, _ offset: UInt64, _ detail: String) {
            corruptions.append(FormatError(code, structure: s, offset: offset, detail: detail))
        }
        guard let head = slice(bytes, d.offset, UInt64(SegmentLayout.blockHeaderSize)) else {
            report(.outOfBounds, d.offset, "block header past the end of the file")
            return
        }
        if fromDirectory {
            let h = BlockDescriptor.blockHeader(head, offset: d.offset)
            if h != d {
                report(.invalidField, d.offset, "block header disagrees with the block directory")
            }
        }
        if let band, Int(d.band) != band {
            report(.invalidField, d.offset, "band \(d.band), expected \(band)")
        }
        if d.flags & ~BlockDescriptor.rawFlag != 0 {
            report(.invalidField, d.offset, "reserved flag bits set (flags \(d.flags))")
        }
        if let band, let expected = expectedRawSize(band: band), Int(d.rawSize) != expected {
            report(.invalidField, d.offset, "raw size \(d.rawSize), expected \(expected)")
        }
        if d.isRaw && d.storedSize != d.rawSize {
            report(.invalidField, d.offset, "raw block with stored size \(d.storedSize) and raw size \(d.rawSize)")
        }
        guard let payload = slice(bytes, d.payloadOffset, UInt64(d.storedSize)) else {
            report(.outOfBounds, d.payloadOffset, "payload of \(d.storedSize) bytes past the end of the file")
            return
        }
        let crc = CRC32C.checksum(payload)
        block.checksumOK = crc == d.crc
        guard crc == d.crc else {
            report(.checksumMismatch, d.payloadOffset, "stored \(hex32(d.crc)), computed \(hex32(crc))")
            return
        }
        if d.isRaw {
            block.decodeOK = d.storedSize == d.rawSize
        } else {
            let out = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, Int(d.rawSize)), alignment: 64)
            defer { out.deallocate() }
            block.decodeOK = LZ4Codec.decompress(payload, into: UnsafeMutableRawBufferPointer(rebasing: out[0..<Int(d.rawSize)]))
            if block.decodeOK != true {
                report(.decompressionFailed, d.payloadOffset, "does not decode to exactly \(d.rawSize) bytes")
            }
        }
    }

    // MARK: Layout

    /// Checks the placement rules of Format/segment.md ("Layout rules"): blocks packed from
    /// offset 64; sections in order without overlap; metadata chunks and both directories
    /// 64-aligned; the footer right after the block directory. Overlap or a block out of
    /// place is corruption; a misaligned section or a gap is only a warning, because a v1
    /// reader decodes with unaligned loads and the data is intact.
    private mutating func inspectLayout() {
        var expected = UInt64(SegmentLayout.headerSize)
        for b in blocks {
            if b.descriptor.offset != expected {
                corruptions.append(FormatError(.invalidField, structure: "block \(b.index)", offset: b.descriptor.offset,
                                               detail: "offset \(b.descriptor.offset), blocks are packed: expected \(expected)"))
                break
            }
            expected = b.descriptor.payloadOffset + UInt64(b.descriptor.storedSize)
        }
        guard let f = footer else { return }
        let align = UInt64(SegmentLayout.alignment)
        var cursor = expected
        var sections: [(String, UInt64, UInt64)] = columns.map { ("column '\($0.descriptor.name)'", $0.descriptor.offset, $0.descriptor.length) }
        sections.append(("column directory", f.columnDirectoryOffset, f.columnDirectoryLength))
        sections.append(("block directory", f.blockDirectoryOffset, f.blockDirectoryLength))
        for (name, offset, length) in sections {
            if offset % align != 0 {
                warnings.append(FormatError(.invalidField, structure: name, offset: offset, detail: "offset \(offset) is not 64-aligned"))
            }
            if offset < cursor {
                corruptions.append(FormatError(.invalidField, structure: name, offset: offset,
                                               detail: "starts at \(offset), before the end of the previous section (\(cursor))"))
            } else if offset - cursor >= align {
                warnings.append(FormatError(.invalidField, structure: name, offset: offset,
                                            detail: "\(offset - cursor) bytes of gap before it (more than alignment needs)"))
            }
            cursor = max(cursor, offset &+ length)
        }
        let footerAt = UInt64(fileSize - SegmentLayout.footerSize)
        let (directoryEnd, overflow) = f.blockDirectoryOffset.addingReportingOverflow(f.blockDirectoryLength)
        let (end, tableOverflow) = directoryEnd.addingReportingOverflow(UInt64(pieceTableLength(f)))
        if overflow || tableOverflow || end != footerAt {
            warnings.append(FormatError(.invalidField, structure: "segment footer", offset: footerAt,
                                        detail: "the block directory ends at \(overflow || tableOverflow ? "more than 2^64" : "\(end)"), the footer starts at \(footerAt)"))
        }
    }

    /// Bytes no structure covers (alignment padding) must be zero (Format/README.md,
    /// "Reserved fields and padding"). No checksum covers them, so the dumper checks them;
    /// nonzero padding is a warning (the data is intact).
    private mutating func inspectPadding(_ bytes: UnsafeRawBufferPointer) {
        guard footer != nil else { return }
        // Offsets and lengths are the file's (checksummed, but possibly forged): any UInt64, so
        // each range is clipped to the file before it becomes an Int.
        func range(_ offset: UInt64, _ length: UInt64) -> (Int, Int) {
            let start = min(offset, UInt64(fileSize))
            return (Int(start), Int(start + min(length, UInt64(fileSize) - start)))
        }
        var ranges: [(Int, Int)] = [(0, SegmentLayout.headerSize), (fileSize - SegmentLayout.footerSize, fileSize)]
        for b in blocks {
            ranges.append(range(b.descriptor.offset, UInt64(SegmentLayout.blockHeaderSize) + UInt64(b.descriptor.storedSize)))
        }
        for c in columns { ranges.append(range(c.descriptor.offset, c.descriptor.length)) }
        if let f = footer {
            ranges.append(range(f.columnDirectoryOffset, f.columnDirectoryLength))
            let (directoryAndTable, overflow) = f.blockDirectoryLength.addingReportingOverflow(UInt64(pieceTableLength(f)))
            ranges.append(range(f.blockDirectoryOffset, overflow ? UInt64.max : directoryAndTable))
        }
        ranges.sort { $0.0 < $1.0 }
        var end = 0
        for (start, stop) in ranges {
            if start > end, let i = (end..<start).first(where: { bytes[$0] != 0 }) {
                warnings.append(FormatError(.invalidField, structure: "padding", offset: UInt64(i),
                                            detail: "nonzero byte in the padding \(end)..<\(start)"))
            }
            end = max(end, stop)
        }
    }

    /// Bytes of the piece checksum table after the block directory: 0 up to read version 2.
    func pieceTableLength(_ f: SegmentFooter) -> Int {
        guard usesPieces(f), f.blocksPerPiece > 0, f.blockDirectoryLength % UInt64(SegmentLayout.blockDescriptorSize) == 0,
              f.blockDirectoryLength <= UInt64(fileSize) else { return 0 }
        return BlockDirectoryPieces(blocksPerPiece: f.blocksPerPiece,
                                    blockCount: Int(f.blockDirectoryLength) / SegmentLayout.blockDescriptorSize).tableLength
    }

    private func slice(_ bytes: UnsafeRawBufferPointer, _ offset: UInt64, _ length: UInt64) -> UnsafeRawBufferPointer? {
        guard offset <= UInt64(bytes.count), length <= UInt64(bytes.count) - offset else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[Int(offset)..<Int(offset + length)])
    }
}
