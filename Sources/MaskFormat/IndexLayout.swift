/// The byte layout of a Cumulative Histogram Index file (`chi-NNNNNN.chi`), version 4,
/// one per segment (specified in Format/index.md).
///
/// ```
/// +-----------------------+ 0
/// | header (64 B)         |
/// +-----------------------+ 64
/// | validity bitmap       |  bit m set = mask m's entries are complete (LSB first), 64-aligned
/// +-----------------------+
/// | mask checksums        |  u32 per mask: CRC-32C of its entries in key order, 64-aligned
/// +-----------------------+
/// | entries               |  one column per key, `columnStride` bytes apart, 64-aligned;
/// |                       |  column k holds key k of every mask (u16 or u32, little-endian)
/// +-----------------------+ deltaOffset (version 3 and later)
/// | delta header (64 B)   |  u32 published records, u32 generation, u32 capacity (v4; v3: 0), zeros
/// | delta directory       |  u32 mask number per slot, 64-aligned
/// | delta records         |  `deltaCapacity` records of `deltaRecordSize` bytes, mask-major:
/// |                       |  u32 mask, u32 CRC-32C, the mask's entries in key order
/// |                       |  (v4: not reserved at creation — sparse until written)
/// +-----------------------+
/// ```
/// Key k = ((iy * cornerCols) + ix) * (bins - 1) + (b - 1), for corner row iy, corner
/// column ix and bin b in 1..<bins: the number of pixels (x, y) with y < cornerY(iy + 1),
/// x < cornerX(ix + 1) whose bin is >= b. Corner positions are multiples of the cell size,
/// the last one at the mask's edge; the zero row/column and bin 0 (the area) are implied.
///
/// Column-per-key: a constant-ROI query reads the same few keys of every mask, so it
/// streams a few contiguous columns (vectorised over masks). The validity bit of a mask is
/// set only after its entries and checksum are stored, and either durable or covered by the
/// header's "unsynced in boot T" mark (bytes 48..<60, outside the header checksum), which makes
/// every bit untrusted after a crash of the system: a torn write never yields a wrong bound.
public enum IndexLayout {
    /// `\x89MSKCHI\n`
    public static let magic: [UInt8] = [0x89, 0x4D, 0x53, 0x4B, 0x43, 0x48, 0x49, 0x0A]
    /// Version 2 added the unsynced-boot mark (bytes 48..<60) — a version-1 reader would take
    /// the bits of an unsynced file on trust — and made uint8 bins equal width in value (as the
    /// float formats' already were; `CHIGrid`), so version-2 files need a version-2 reader.
    /// Version 3 added the mask-major delta region after the key columns (small queries store
    /// a mask's entries contiguously there; Format/index.md): a version-2 writer would repair a
    /// file without clearing it, so version-3 files need a version-3 reader.
    /// Version 4 stores the delta capacity in the delta header (u32 at `deltaCapacityOffset`)
    /// instead of deriving it from the mask count, and new files get room for every mask
    /// (`defaultDeltaCapacity`), left sparse: a version-3 reader would take the formula's
    /// capacity and misplace the records, so version-4 files need a version-4 reader.
    public static let writeVersion: UInt16 = 4
    public static let readVersion: UInt16 = 4
    /// Offsets of the mutable header fields, not covered by the header checksum: the boot tag
    /// (u64, 0 = every valid entry is durable) and the time it was set (u32, Unix seconds).
    public static let unsyncedBootOffset = 48
    public static let unsyncedSinceOffset = 56
    public static let headerSize = 64
    /// The delta region's header (at `IndexHeader.deltaOffset`, 64 bytes): the number of
    /// published records (u32, set under the database lock) and the generation (u32, +1 each
    /// time the records are merged into the columns and the region emptied); the rest zero.
    public static let deltaHeaderSize = 64
    public static let deltaCountOffset = 0
    public static let deltaGenerationOffset = 4
    /// Version 4: the region's capacity in records (u32, set at creation, never changed; it
    /// fixes the file's size, which readers check). Zero in version 3 (capacity by formula).
    public static let deltaCapacityOffset = 8
    /// A delta record: u32 mask number, u32 CRC-32C of the mask number's 4 bytes followed by
    /// the entries, then the entries (key order, at the entry width), padded to 64 bytes.
    public static let deltaRecordEntriesOffset = 8
    /// Version 3: the delta region holds at most this many bytes of records (and at most one
    /// mask in 16).
    public static let deltaBytesLimit = 8 << 20

    /// The delta capacity of new (version-4) files: every mask of the segment, so that
    /// exploring queries append and never merge (merges happen in `masksearch index`). The
    /// records' bytes are not reserved: only written records take disk space.
    public static func defaultDeltaCapacity(maskCount: Int) -> Int { max(1, maskCount) }
    /// The default number of value bins. 20: every multiple of 0.05 — the thresholds people
    /// type (0.2, 0.5, 0.8) — is a bin edge, so ranges on them are bounded without a partial
    /// bin; chosen from the evaluation's Figure 10 (BENCHMARKS.md).
    public static let defaultBins = 20

    /// The default grid cell for `height` × `width` masks: the longer side over 16, at least
    /// 16 pixels (16 for 224×224, 28 for 448×448) — the lowest mean FML of the evaluation's
    /// grid (Figure 10, BENCHMARKS.md) among indexes no larger than the compressed masks.
    public static func defaultCell(height: Int, width: Int) -> Int {
        max(16, max(height, width) / 16)
    }

    @inlinable public static func align64(_ n: Int) -> Int { (n + 63) & ~63 }
}

/// The index file's 64-byte header.
///
/// | off | size | field |
/// |----:|-----:|-------|
/// | 0 | 8 | magic |
/// | 8 | 2 | write version |
/// | 10 | 2 | read version |
/// | 12 | 4 | header size (64) |
/// | 16 | 4 | height |
/// | 20 | 4 | width |
/// | 24 | 1 | pixel format |
/// | 25 | 1 | entry width in bytes (2 when height*width <= 65535, else 4) |
/// | 26 | 2 | bins |
/// | 28 | 4 | cell |
/// | 32 | 4 | mask count |
/// | 36 | 4 | CRC-32C of the segment's footer (binds the index to its segment) |
/// | 40 | 8 | column stride in bytes (multiple of 64) |
/// | 48 | 8 | unsynced boot: tag of the boot whose unsynced writes the validity bits may rely on; 0 = none (v1: reserved, 0) |
/// | 56 | 4 | unsynced since: Unix time the tag was set (v1: reserved, 0) |
/// | 60 | 4 | CRC-32C of bytes 0..<60, with bytes 48..<60 taken as zero |
public struct IndexHeader: Sendable, Equatable {
    public var height: Int
    public var width: Int
    public var pixelFormat: PixelFormat
    public var bins: Int
    public var cell: Int
    public var maskCount: Int
    public var segmentFooterCRC: UInt32
    /// The file's read version: 1 for files of version 1 (whose uint8 bins are equal width over
    /// the codes), 2 for files without a delta region, 3 for a delta capacity by formula, else
    /// `IndexLayout.readVersion` (what `encoded` writes).
    public var readVersion: UInt16 = IndexLayout.readVersion
    /// Version 4: the delta capacity stored in the delta header (`decode` reads it; new headers
    /// take `deltaCapacity` or `IndexLayout.defaultDeltaCapacity`). Unused before version 4.
    public var storedDeltaCapacity: Int

    public init(height: Int, width: Int, pixelFormat: PixelFormat, bins: Int, cell: Int, maskCount: Int, segmentFooterCRC: UInt32,
                deltaCapacity: Int? = nil) {
        self.height = height
        self.width = width
        self.pixelFormat = pixelFormat
        self.bins = bins
        self.cell = cell
        self.maskCount = maskCount
        self.segmentFooterCRC = segmentFooterCRC
        storedDeltaCapacity = max(1, deltaCapacity ?? IndexLayout.defaultDeltaCapacity(maskCount: maskCount))
    }

    public var entryWidth: Int { height * width <= 65535 ? 2 : 4 }
    /// Corner rows and columns, excluding the implied zero row and column.
    public var cornerRows: Int { (height + cell - 1) / cell }
    public var cornerCols: Int { (width + cell - 1) / cell }
    public var keyCount: Int { cornerRows * cornerCols * (bins - 1) }
    public var columnStride: Int { IndexLayout.align64(max(1, maskCount) * entryWidth) }
    public var validityOffset: Int { IndexLayout.headerSize }
    public var checksumsOffset: Int { validityOffset + IndexLayout.align64((maskCount + 7) / 8) }
    public var entriesOffset: Int { checksumsOffset + IndexLayout.align64(maskCount * 4) }
    /// True for files of read version 3 and later, which end with the delta region.
    public var hasDelta: Bool { readVersion >= 3 }
    public var deltaOffset: Int { entriesOffset + keyCount * columnStride }
    /// Bytes of one delta record: mask number, checksum, entries, padded to a multiple of 64.
    public var deltaRecordSize: Int { IndexLayout.align64(IndexLayout.deltaRecordEntriesOffset + keyCount * entryWidth) }
    /// Records the delta region holds: version 4, the capacity stored in its header; version 3,
    /// one mask in 16, at most `IndexLayout.deltaBytesLimit` bytes of records, at least 1; 0
    /// without a delta region.
    public var deltaCapacity: Int {
        guard hasDelta else { return 0 }
        if readVersion >= 4 { return storedDeltaCapacity }
        return max(1, min((maskCount + 15) / 16, IndexLayout.deltaBytesLimit / deltaRecordSize))
    }
    /// The delta directory: u32 mask number of each slot's record, `deltaCapacity` of them.
    public var deltaDirectoryOffset: Int { deltaOffset + IndexLayout.deltaHeaderSize }
    public var deltaRecordsOffset: Int { deltaDirectoryOffset + IndexLayout.align64(deltaCapacity * 4) }
    public var fileSize: Int {
        hasDelta ? deltaRecordsOffset + deltaCapacity * deltaRecordSize : deltaOffset
    }
    /// The bytes whose blocks are reserved at creation: the whole file before version 4, else
    /// everything up to the delta records (which stay sparse until written).
    public var reservedSize: Int { readVersion >= 4 ? deltaRecordsOffset : fileSize }

    /// The delta header of a new, empty region (64 bytes): no record, generation 0, and from
    /// version 4 the capacity.
    public func encodedDeltaHeader() -> [UInt8] {
        var w = ByteWriter(capacity: IndexLayout.deltaHeaderSize)
        w.u32(0)
        w.u32(0)
        w.u32(readVersion >= 4 ? UInt32(deltaCapacity) : 0)
        w.zeros(IndexLayout.deltaHeaderSize - 12)
        return w.bytes
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: IndexLayout.headerSize)
        w.raw(IndexLayout.magic)
        w.u16(IndexLayout.writeVersion)
        w.u16(IndexLayout.readVersion)
        w.u32(UInt32(IndexLayout.headerSize))
        w.u32(UInt32(height))
        w.u32(UInt32(width))
        w.u8(pixelFormat.rawValue)
        w.u8(UInt8(entryWidth))
        w.u16(UInt16(bins))
        w.u32(UInt32(cell))
        w.u32(UInt32(maskCount))
        w.u32(segmentFooterCRC)
        w.u64(UInt64(columnStride))
        w.zeros(12)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// The header checksum: bytes 0..<60 with the mutable fields (48..<60) taken as zero, so
    /// that setting or clearing the unsynced mark needs no checksum update.
    public static func checksum(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
        let zeros = [UInt8](repeating: 0, count: 12)
        let head = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<48]))
        return zeros.withUnsafeBytes { CRC32C.checksum($0, continuing: head) }
    }

    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> IndexHeader {
        let s = "index header"
        guard buffer.count >= IndexLayout.headerSize else {
            throw FormatError(.outOfBounds, structure: s, offset: 0, detail: "file shorter than the header")
        }
        guard Array(buffer[0..<8]) == IndexLayout.magic else { throw FormatError(.badMagic, structure: s, offset: 0) }
        let stored = loadLittleEndian(UInt32.self, from: buffer, at: 60)
        let computed = IndexHeader.checksum(buffer)
        guard stored == computed else {
            throw FormatError(.checksumMismatch, structure: s, offset: 60, detail: "stored \(hex32(stored)), computed \(hex32(computed))")
        }
        var r = ByteReader(buffer, at: 8, structure: s)
        _ = try r.u16()
        let readVersion = try r.u16()
        guard readVersion <= IndexLayout.readVersion else {
            throw FormatError(.unsupportedVersion, structure: s, offset: 10, detail: "needs reader version \(readVersion)")
        }
        guard try r.u32() == IndexLayout.headerSize else { throw FormatError(.invalidField, structure: s, offset: 12, detail: "header size") }
        let height = Int(try r.u32()), width = Int(try r.u32())
        guard let format = PixelFormat(rawValue: try r.u8()) else {
            throw FormatError(.invalidField, structure: s, offset: 24, detail: "pixel format")
        }
        let entryWidth = Int(try r.u8())
        let bins = Int(try r.u16()), cell = Int(try r.u32()), count = Int(try r.u32())
        let footerCRC = try r.u32()
        let stride = Int(try r.u64())
        var h = IndexHeader(height: height, width: width, pixelFormat: format, bins: bins, cell: cell, maskCount: count, segmentFooterCRC: footerCRC)
        h.readVersion = readVersion
        guard height > 0, width > 0, bins >= 2, bins <= 256, cell >= 1 else {
            throw FormatError(.invalidField, structure: s, offset: 16, detail: "shape, bins or cell")
        }
        guard entryWidth == h.entryWidth, stride == h.columnStride else {
            throw FormatError(.invalidField, structure: s, offset: 25, detail: "entry width or column stride")
        }
        // Bytes 48..<60: the unsynced mark (version 2 and later; zero in version 1), read by `CHIFile`.
        if readVersion >= 4 { h.storedDeltaCapacity = try decodeDeltaCapacity(buffer, header: h) }
        return h
    }

    /// Version 4: the capacity stored in the delta header of `buffer` (the whole file), in
    /// 1...max(1, mask count). Not covered by a checksum: the file's size, which it fixes, is
    /// checked by the reader, and each record's checksum includes its mask number.
    static func decodeDeltaCapacity(_ buffer: UnsafeRawBufferPointer, header h: IndexHeader) throws(FormatError) -> Int {
        let s = "index delta header"
        let (columns, o1) = h.keyCount.multipliedReportingOverflow(by: h.columnStride)
        let (at, o2) = h.entriesOffset.addingReportingOverflow(columns)
        guard !o1, !o2, at <= buffer.count - IndexLayout.deltaHeaderSize else {
            throw FormatError(.outOfBounds, structure: s, offset: UInt64(buffer.count), detail: "file ends before the delta header")
        }
        let capacity = Int(loadLittleEndian(UInt32.self, from: buffer, at: at + IndexLayout.deltaCapacityOffset))
        guard capacity >= 1, capacity <= max(1, h.maskCount) else {
            throw FormatError(.invalidField, structure: s, offset: UInt64(at + IndexLayout.deltaCapacityOffset),
                              detail: "delta capacity \(capacity) for \(h.maskCount) masks")
        }
        return capacity
    }
}
