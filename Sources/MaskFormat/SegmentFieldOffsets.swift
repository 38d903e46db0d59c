/// Byte offsets of the fields of a segment's header and footer (Format/segment.md), for the
/// readers that look at single fields — the decoders' error positions and the dumper, which
/// shows the fields as stored, damaged or not. The encoders write the same fields in this
/// order; `SegmentFieldOffsetsTests` checks the two agree.
extension SegmentHeader {
    public enum Offset {
        public static let magic = 0
        public static let writeVersion = 8
        public static let readVersion = 10
        public static let headerSize = 12
        public static let height = 16
        public static let width = 20
        public static let pixelFormat = 24
        public static let reserved = 25
        public static let bandRows = 26
        public static let maskCount = 28
        public static let bandsPerMask = 32
        public static let flags = 36
        /// 20 reserved bytes, zero.
        public static let reservedTail = 40
        /// CRC-32C of bytes `0..<checksum`.
        public static let checksum = 60
    }
}

extension SegmentFooter {
    /// Relative to the footer's first byte.
    public enum Offset {
        public static let columnDirectoryOffset = 0
        public static let columnDirectoryLength = 8
        public static let blockDirectoryOffset = 16
        public static let blockDirectoryLength = 24
        public static let columnDirectoryCRC = 32
        public static let blockDirectoryCRC = 36
        public static let maskCount = 40
        /// Reserved (0) before read version 3; blocks per piece of the block directory from 3 on.
        public static let reserved = 44
        public static let blocksPerPiece = 44
        /// CRC-32C of bytes `0..<checksum`.
        public static let checksum = 48
        public static let footerLength = 52
        public static let magic = 56
    }
}
