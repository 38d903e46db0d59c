/// The byte layout of a ROI histogram file (`rhi-NNNNNN.rhi`), version 1: for one named ROI
/// set and one segment, each mask's value histogram inside its own box — exact counts, so
/// that `CP(mask, set, lv, uv)` with `lv` and `uv` on bin edges needs neither the grid bounds
/// nor the mask (specified in Format/roi-histograms.md).
///
/// ```
/// +-----------------------+ 0
/// | header (64 B)         |
/// +-----------------------+ 64
/// | column checksums      |  u32 CRC-32C per column of its N·width bytes, 64-aligned
/// +-----------------------+ columnsOffset
/// | columns               |  column b−1 (b in 1..<bins): mask m's count of pixels in its
/// |                       |  clipped box whose bin is >= b, u16 or u32 LE, `columnStride` apart
/// +-----------------------+
/// ```
/// Bin 0 (the box's area) is implied. Column-major: a query reads the two columns of its
/// range's edges for every mask (2.7 MB each at 1.33 M masks of u16), nothing else.
public enum ROIHistogramLayout {
    /// `\x89MSKRHI\n`
    public static let magic: [UInt8] = [0x89, 0x4D, 0x53, 0x4B, 0x52, 0x48, 0x49, 0x0A]
    public static let version: UInt32 = 1
    public static let headerSize = 64

    /// The header's fields (Format/roi-histograms.md, "Header").
    public struct Header: Sendable, Equatable {
        public var height: Int
        public var width: Int
        public var pixelFormat: PixelFormat
        public var bins: Int
        public var maskCount: Int
        /// CRC-32C of the 64 footer bytes of the segment the histograms belong to.
        public var segmentFooterCRC: UInt32
        /// The stored CRC-32C (last 4 bytes) of the ROI set file they were built from.
        public var roiSetCRC: UInt32

        public init(height: Int, width: Int, pixelFormat: PixelFormat, bins: Int, maskCount: Int,
                    segmentFooterCRC: UInt32, roiSetCRC: UInt32) {
            self.height = height
            self.width = width
            self.pixelFormat = pixelFormat
            self.bins = bins
            self.maskCount = maskCount
            self.segmentFooterCRC = segmentFooterCRC
            self.roiSetCRC = roiSetCRC
        }

        /// 2 when every count fits (`H·W <= 65535`), else 4 — the CHI's rule.
        public var entryWidth: Int { height * width <= 65535 ? 2 : 4 }
        public var columnCount: Int { bins - 1 }
        public var columnStride: Int { IndexLayout.align64(max(1, maskCount) * entryWidth) }
        public var columnsOffset: Int { headerSize + IndexLayout.align64(4 * columnCount) }
        public var fileSize: Int { columnsOffset + columnCount * columnStride }
        /// Offset of column `b − 1`'s checksum.
        public func checksumOffset(column: Int) -> Int { headerSize + 4 * column }
        public func columnOffset(_ column: Int) -> Int { columnsOffset + column * columnStride }
    }

    /// The 64 header bytes.
    public static func encodeHeader(_ h: Header) -> [UInt8] {
        var w = ByteWriter(capacity: headerSize)
        w.raw(magic)
        w.u32(version)
        w.u32(UInt32(headerSize))
        w.u32(UInt32(h.height))
        w.u32(UInt32(h.width))
        w.u8(h.pixelFormat.rawValue)
        w.u8(UInt8(h.entryWidth))
        w.u16(UInt16(h.bins))
        w.u32(UInt32(h.maskCount))
        w.u32(h.segmentFooterCRC)
        w.u32(h.roiSetCRC)
        w.u64(UInt64(h.columnStride))
        w.zeros(headerSize - 4 - w.count)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// Decodes and checks the header of `bytes` (the whole file): magic, version, header CRC,
    /// shape, width, stride and the file's size.
    public static func decodeHeader(_ bytes: UnsafeRawBufferPointer, file: String) throws(FormatError) -> Header {
        let s = "ROI histogram header"
        guard bytes.count >= headerSize else {
            throw FormatError(.outOfBounds, structure: s, file: file, offset: 0, detail: "file of \(bytes.count) bytes")
        }
        var r = ByteReader(bytes, structure: s)
        guard Array(try r.bytes(8)) == magic else { throw FormatError(.badMagic, structure: s, file: file, offset: 0) }
        let v = try r.u32()
        guard v == version else { throw FormatError(.unsupportedVersion, structure: s, file: file, offset: 8, detail: "version \(v)") }
        let stored = UInt32(bytes[60]) | UInt32(bytes[61]) << 8 | UInt32(bytes[62]) << 16 | UInt32(bytes[63]) << 24
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<60])) == stored else {
            throw FormatError(.checksumMismatch, structure: s, file: file, offset: 60)
        }
        guard try r.u32() == UInt32(headerSize) else { throw FormatError(.invalidField, structure: s, file: file, offset: 12, detail: "header size") }
        let height = Int(try r.u32()), width = Int(try r.u32())
        guard let format = PixelFormat(rawValue: try r.u8()) else {
            throw FormatError(.invalidField, structure: s, file: file, offset: 24, detail: "pixel format")
        }
        let width8 = Int(try r.u8()), bins = Int(try r.u16()), count = Int(try r.u32())
        let h = Header(height: height, width: width, pixelFormat: format, bins: bins, maskCount: count,
                       segmentFooterCRC: try r.u32(), roiSetCRC: try r.u32())
        guard height > 0, width > 0, (2...256).contains(bins), width8 == h.entryWidth else {
            throw FormatError(.invalidField, structure: s, file: file, offset: 16, detail: "shape, entry width or bins")
        }
        guard try r.u64() == UInt64(h.columnStride) else { throw FormatError(.invalidField, structure: s, file: file, offset: 40, detail: "column stride") }
        guard bytes.count == h.fileSize else {
            throw FormatError(.outOfBounds, structure: s, file: file, detail: "file of \(bytes.count) bytes, layout needs \(h.fileSize)")
        }
        return h
    }
}
