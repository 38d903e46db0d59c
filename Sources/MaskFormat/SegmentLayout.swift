/// The byte layout of a segment file, version 3 (specified in Format/segment.md; versions 1,
/// without column statistics, and 2, with the block directory under one CRC, are read as well).
///
/// ```
/// +--------------------+ 0
/// | header (64 B)      |  magic, versions, shape, pixel format, band rows, mask count, CRC
/// +--------------------+ 64
/// | blocks             |  per mask, per row band: block header (16 B) + LZ4 or raw payload
/// +--------------------+ 64-aligned
/// | metadata columns   |  per column: validity bitmap + values, each column 64-aligned
/// +--------------------+ 64-aligned
/// | column directory   |  name, type, offset, length, CRC, min/max (v2) per column
/// +--------------------+ 64-aligned
/// | block directory    |  24 B per block: offset, sizes, flags, band, CRC
/// +--------------------+
/// | piece checksums    |  v3: CRC-32C of each piece of the block directory (`BlockDirectoryPieces`)
/// +--------------------+
/// | footer (64 B)      |  section offsets and CRCs, footer CRC, footer length, magic
/// +--------------------+ end
/// ```
/// All integers little-endian. Every structure is covered by a CRC-32C.
public enum SegmentLayout {
    /// `\x89MSKSEG\n`: a high byte (catches 7-bit transfers), the name, a newline (catches
    /// newline conversion) — the PNG trick.
    public static let magic: [UInt8] = [0x89, 0x4D, 0x53, 0x4B, 0x53, 0x45, 0x47, 0x0A]
    /// The version this code writes: 3, the block directory checksummed in pieces.
    public static let writeVersion: UInt16 = 3
    /// The newest read version this code understands (versions 1 and 2 are read too).
    public static let readVersion: UInt16 = 3
    /// The first read version whose column directory entries carry statistics.
    public static let statisticsReadVersion: UInt16 = 2
    /// The first read version whose block directory is checksummed in pieces (a table of
    /// CRC-32Cs after it; the footer holds the blocks per piece and the table's CRC).
    public static let piecesReadVersion: UInt16 = 3
    /// Blocks per piece of the block directory a writer uses by default: 128 entries, 3 KB,
    /// so a query that reads a few masks checks a few kilobytes of directory, not all of it.
    public static let defaultBlocksPerPiece = 128
    public static let headerSize = 64
    public static let footerSize = 64
    public static let blockHeaderSize = 16
    public static let blockDescriptorSize = 24
    public static let alignment = 64
    /// Default rows per band: masks are cut into row bands so that a query over an ROI
    /// decodes only the bands it covers.
    public static let defaultBandRows = 32
}

/// The fixed 64-byte header at offset 0.
///
/// | off | size | field |
/// |----:|-----:|-------|
/// | 0 | 8 | magic |
/// | 8 | 2 | write version |
/// | 10 | 2 | read version (oldest reader version that can read this file) |
/// | 12 | 4 | header size (64) |
/// | 16 | 4 | height |
/// | 20 | 4 | width |
/// | 24 | 1 | pixel format (1 uint8, 2 float16, 3 float32) |
/// | 25 | 1 | reserved, 0 |
/// | 26 | 2 | band rows |
/// | 28 | 4 | mask count |
/// | 32 | 4 | bands per mask |
/// | 36 | 4 | flags, 0 (reserved bits must be zero) |
/// | 40 | 20 | reserved, 0 |
/// | 60 | 4 | CRC-32C of bytes 0..<60 |
public struct SegmentHeader: Sendable, Equatable {
    public var writeVersion: UInt16 = SegmentLayout.writeVersion
    public var readVersion: UInt16 = SegmentLayout.readVersion
    public var height: Int
    public var width: Int
    public var pixelFormat: PixelFormat
    public var bandRows: Int
    public var maskCount: Int

    public init(height: Int, width: Int, pixelFormat: PixelFormat, bandRows: Int, maskCount: Int) {
        self.height = height
        self.width = width
        self.pixelFormat = pixelFormat
        self.bandRows = bandRows
        self.maskCount = maskCount
    }

    public var bandsPerMask: Int { (height + bandRows - 1) / bandRows }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: SegmentLayout.headerSize)
        w.raw(SegmentLayout.magic)
        w.u16(writeVersion)
        w.u16(readVersion)
        w.u32(UInt32(SegmentLayout.headerSize))
        w.u32(UInt32(height))
        w.u32(UInt32(width))
        w.u8(pixelFormat.rawValue)
        w.u8(0)
        w.u16(UInt16(bandRows))
        w.u32(UInt32(maskCount))
        w.u32(UInt32(bandsPerMask))
        w.u32(0)
        w.zeros(20)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// Decodes and checks a header: magic, CRC, versions, reserved fields, consistency.
    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> SegmentHeader {
        let s = "segment header"
        guard buffer.count >= SegmentLayout.headerSize else {
            throw FormatError(.outOfBounds, structure: s, offset: 0, detail: "file is \(buffer.count) bytes, shorter than the header")
        }
        guard Array(buffer[0..<8]) == SegmentLayout.magic else {
            throw FormatError(.badMagic, structure: s, offset: 0)
        }
        // The read version comes first: a newer layout may have moved the checksum.
        let needed = loadLittleEndian(UInt16.self, from: buffer, at: Offset.readVersion)
        guard needed <= SegmentLayout.readVersion else {
            throw FormatError(.unsupportedVersion, structure: s, offset: UInt64(Offset.readVersion),
                              detail: "file needs reader version \(needed), this build reads \(SegmentLayout.readVersion)")
        }
        let stored = loadLittleEndian(UInt32.self, from: buffer, at: Offset.checksum)
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<Offset.checksum]))
        guard stored == computed else {
            throw FormatError(.checksumMismatch, structure: s, offset: 0,
                              detail: "stored \(hex32(stored)), computed \(hex32(computed))")
        }
        var r = ByteReader(buffer, at: Offset.writeVersion, structure: s)
        let writeVersion = try r.u16()
        let readVersion = try r.u16()
        guard readVersion <= SegmentLayout.readVersion else {
            throw FormatError(.unsupportedVersion, structure: s, offset: UInt64(Offset.readVersion),
                              detail: "file needs reader version \(readVersion), this build reads \(SegmentLayout.readVersion)")
        }
        let headerSize = try r.u32()
        let height = Int(try r.u32())
        let width = Int(try r.u32())
        let formatByte = try r.u8()
        let reserved = try r.u8()
        let bandRows = Int(try r.u16())
        let maskCount = Int(try r.u32())
        let bands = Int(try r.u32())
        let flags = try r.u32()
        guard headerSize == SegmentLayout.headerSize else {
            throw FormatError(.invalidField, structure: s, offset: UInt64(Offset.headerSize), detail: "header size \(headerSize)")
        }
        guard let format = PixelFormat(rawValue: formatByte) else {
            throw FormatError(.invalidField, structure: s, offset: UInt64(Offset.pixelFormat), detail: "pixel format \(formatByte)")
        }
        guard reserved == 0, flags == 0 else {
            throw FormatError(.invalidField, structure: s, offset: UInt64(Offset.reserved), detail: "reserved bits set")
        }
        guard height > 0, width > 0, bandRows > 0 else {
            throw FormatError(.invalidField, structure: s, offset: UInt64(Offset.height), detail: "shape \(height)x\(width), band rows \(bandRows)")
        }
        var header = SegmentHeader(height: height, width: width, pixelFormat: format, bandRows: bandRows, maskCount: maskCount)
        header.writeVersion = writeVersion
        header.readVersion = readVersion
        guard header.bandsPerMask == bands else {
            throw FormatError(.invalidField, structure: s, offset: UInt64(Offset.bandsPerMask), detail: "bands per mask \(bands), expected \(header.bandsPerMask)")
        }
        return header
    }
}

/// The fixed 64-byte footer at the end of the file.
///
/// | off | size | field |
/// |----:|-----:|-------|
/// | 0 | 8 | column directory offset |
/// | 8 | 8 | column directory length |
/// | 16 | 8 | block directory offset |
/// | 24 | 8 | block directory length |
/// | 32 | 4 | CRC-32C of the column directory |
/// | 36 | 4 | CRC-32C of the block directory (read version ≤ 2) or of its piece checksum table (3) |
/// | 40 | 4 | mask count (repeats the header's) |
/// | 44 | 4 | reserved, 0 (read version ≤ 2); blocks per piece of the block directory, ≥ 1 (3) |
/// | 48 | 4 | CRC-32C of bytes 0..<48 |
/// | 52 | 4 | footer length (64) |
/// | 56 | 8 | magic |
public struct SegmentFooter: Sendable, Equatable {
    public var columnDirectoryOffset: UInt64
    public var columnDirectoryLength: UInt64
    public var blockDirectoryOffset: UInt64
    public var blockDirectoryLength: UInt64
    public var columnDirectoryCRC: UInt32
    /// Read version ≤ 2: the CRC-32C of the block directory; 3: of its piece checksum table.
    public var blockDirectoryCRC: UInt32
    public var maskCount: Int
    /// Read version 3: entries per piece of the block directory (≥ 1); 0 before (the field
    /// was reserved). Checked against the header's read version by `checkBlocksPerPiece`.
    public var blocksPerPiece: Int

    public init(columnDirectoryOffset: UInt64, columnDirectoryLength: UInt64, blockDirectoryOffset: UInt64,
                blockDirectoryLength: UInt64, columnDirectoryCRC: UInt32, blockDirectoryCRC: UInt32, maskCount: Int,
                blocksPerPiece: Int = 0) {
        self.columnDirectoryOffset = columnDirectoryOffset
        self.columnDirectoryLength = columnDirectoryLength
        self.blockDirectoryOffset = blockDirectoryOffset
        self.blockDirectoryLength = blockDirectoryLength
        self.columnDirectoryCRC = columnDirectoryCRC
        self.blockDirectoryCRC = blockDirectoryCRC
        self.maskCount = maskCount
        self.blocksPerPiece = blocksPerPiece
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: SegmentLayout.footerSize)
        w.u64(columnDirectoryOffset)
        w.u64(columnDirectoryLength)
        w.u64(blockDirectoryOffset)
        w.u64(blockDirectoryLength)
        w.u32(columnDirectoryCRC)
        w.u32(blockDirectoryCRC)
        w.u32(UInt32(maskCount))
        w.u32(UInt32(blocksPerPiece))
        w.u32(CRC32C.checksum(w.bytes))
        w.u32(UInt32(SegmentLayout.footerSize))
        w.raw(SegmentLayout.magic)
        return w.bytes
    }

    /// Decodes the footer from the last 64 bytes of a file (at `fileOffset`). Field 44 is
    /// taken as stored: its meaning depends on the header's read version (`checkBlocksPerPiece`).
    public static func decode(_ buffer: UnsafeRawBufferPointer, fileOffset: UInt64) throws(FormatError) -> SegmentFooter {
        let s = "segment footer"
        guard buffer.count == SegmentLayout.footerSize else {
            throw FormatError(.outOfBounds, structure: s, offset: fileOffset, detail: "file too short for a footer")
        }
        guard Array(buffer[Offset.magic..<(Offset.magic + 8)]) == SegmentLayout.magic else {
            throw FormatError(.badMagic, structure: s, offset: fileOffset + UInt64(Offset.magic))
        }
        let stored = loadLittleEndian(UInt32.self, from: buffer, at: Offset.checksum)
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: buffer[0..<Offset.checksum]))
        guard stored == computed else {
            throw FormatError(.checksumMismatch, structure: s, offset: fileOffset,
                              detail: "stored \(hex32(stored)), computed \(hex32(computed))")
        }
        var r = ByteReader(buffer, structure: s)
        let footer = SegmentFooter(
            columnDirectoryOffset: try r.u64(), columnDirectoryLength: try r.u64(),
            blockDirectoryOffset: try r.u64(), blockDirectoryLength: try r.u64(),
            columnDirectoryCRC: try r.u32(), blockDirectoryCRC: try r.u32(), maskCount: Int(try r.u32()),
            blocksPerPiece: Int(try r.u32()))
        _ = try r.u32()
        let length = try r.u32()
        guard length == SegmentLayout.footerSize else {
            throw FormatError(.invalidField, structure: s, offset: fileOffset + UInt64(Offset.footerLength), detail: "footer length \(length)")
        }
        return footer
    }

    /// Checks field 44 against the header's read version: reserved (0) before version 3,
    /// blocks per piece (≥ 1) from version 3 on.
    public func checkBlocksPerPiece(readVersion: UInt16, fileOffset: UInt64) throws(FormatError) {
        let at = fileOffset + UInt64(Offset.blocksPerPiece)
        if readVersion < SegmentLayout.piecesReadVersion {
            guard blocksPerPiece == 0 else {
                throw FormatError(.invalidField, structure: "segment footer", offset: at, detail: "reserved bits set")
            }
        } else if blocksPerPiece < 1 {
            throw FormatError(.invalidField, structure: "segment footer", offset: at, detail: "blocks per piece \(blocksPerPiece)")
        }
    }
}

/// One entry of the block directory (24 bytes), and the same facts as the 16-byte block
/// header in front of each payload (stored size, raw size, flags, band, CRC) — the header
/// lets a damaged directory be rebuilt by walking the blocks.
///
/// Directory entry: | 0 u64 offset of the block header | 8 u32 stored size | 12 u32 raw size |
/// 16 u16 flags | 18 u16 band | 20 u32 CRC-32C of the payload |
/// Block header:    | 0 u32 stored size | 4 u32 raw size | 8 u16 flags | 10 u16 band | 12 u32 CRC-32C of the payload |
public struct BlockDescriptor: Sendable, Equatable {
    /// Flag bit 0: the payload is stored raw (it did not compress). Other bits reserved.
    public static let rawFlag: UInt16 = 1

    public var offset: UInt64
    public var storedSize: UInt32
    public var rawSize: UInt32
    public var flags: UInt16
    public var band: UInt16
    public var crc: UInt32

    public init(offset: UInt64, storedSize: UInt32, rawSize: UInt32, flags: UInt16, band: UInt16, crc: UInt32) {
        self.offset = offset
        self.storedSize = storedSize
        self.rawSize = rawSize
        self.flags = flags
        self.band = band
        self.crc = crc
    }

    public var isRaw: Bool { flags & BlockDescriptor.rawFlag != 0 }
    public var payloadOffset: UInt64 { offset + UInt64(SegmentLayout.blockHeaderSize) }

    public func encodeDirectoryEntry(into w: inout ByteWriter) {
        w.u64(offset)
        w.u32(storedSize)
        w.u32(rawSize)
        w.u16(flags)
        w.u16(band)
        w.u32(crc)
    }

    public func encodeBlockHeader(into w: inout ByteWriter) {
        w.u32(storedSize)
        w.u32(rawSize)
        w.u16(flags)
        w.u16(band)
        w.u32(crc)
    }

    /// Decodes entry `index` of a block directory (bounds checked by the caller).
    @inlinable
    public static func directoryEntry(_ dir: UnsafeRawBufferPointer, index: Int) -> BlockDescriptor {
        let o = index * SegmentLayout.blockDescriptorSize
        return BlockDescriptor(
            offset: loadLittleEndian(UInt64.self, from: dir, at: o),
            storedSize: loadLittleEndian(UInt32.self, from: dir, at: o + 8),
            rawSize: loadLittleEndian(UInt32.self, from: dir, at: o + 12),
            flags: loadLittleEndian(UInt16.self, from: dir, at: o + 16),
            band: loadLittleEndian(UInt16.self, from: dir, at: o + 18),
            crc: loadLittleEndian(UInt32.self, from: dir, at: o + 20))
    }

    /// Decodes a block header found at file offset `offset`.
    public static func blockHeader(_ buffer: UnsafeRawBufferPointer, offset: UInt64) -> BlockDescriptor {
        BlockDescriptor(
            offset: offset,
            storedSize: loadLittleEndian(UInt32.self, from: buffer, at: 0),
            rawSize: loadLittleEndian(UInt32.self, from: buffer, at: 4),
            flags: loadLittleEndian(UInt16.self, from: buffer, at: 8),
            band: loadLittleEndian(UInt16.self, from: buffer, at: 10),
            crc: loadLittleEndian(UInt32.self, from: buffer, at: 12))
    }
}

/// `0x1234abcd` formatting for checksums in messages.
public func hex32(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}
