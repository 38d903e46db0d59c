import MaskFormat
import Testing

/// The field offsets the dumper and the decoders' messages use agree with what the encoders write.
@Suite("Segment field offsets")
struct SegmentFieldOffsetsTests {
    private func read<T: FixedWidthInteger>(_ bytes: [UInt8], _: T.Type, at offset: Int) -> T {
        bytes.withUnsafeBytes { loadLittleEndian(T.self, from: $0, at: offset) }
    }

    @Test("every header field is where SegmentHeader.Offset says")
    func headerFields() {
        let header = SegmentHeader(height: 0x0102, width: 0x0304, pixelFormat: .float16, bandRows: 7, maskCount: 0x0A0B0C)
        let bytes = header.encoded()
        typealias F = SegmentHeader.Offset
        #expect(Array(bytes[F.magic..<(F.magic + 8)]) == SegmentLayout.magic)
        #expect(read(bytes, UInt16.self, at: F.writeVersion) == SegmentLayout.writeVersion)
        #expect(read(bytes, UInt16.self, at: F.readVersion) == SegmentLayout.readVersion)
        #expect(read(bytes, UInt32.self, at: F.headerSize) == UInt32(SegmentLayout.headerSize))
        #expect(read(bytes, UInt32.self, at: F.height) == 0x0102)
        #expect(read(bytes, UInt32.self, at: F.width) == 0x0304)
        #expect(bytes[F.pixelFormat] == PixelFormat.float16.rawValue)
        #expect(bytes[F.reserved] == 0)
        #expect(read(bytes, UInt16.self, at: F.bandRows) == 7)
        #expect(read(bytes, UInt32.self, at: F.maskCount) == 0x0A0B0C)
        #expect(read(bytes, UInt32.self, at: F.bandsPerMask) == UInt32(header.bandsPerMask))
        #expect(read(bytes, UInt32.self, at: F.flags) == 0)
        #expect(bytes[F.reservedTail..<F.checksum].allSatisfy { $0 == 0 })
        #expect(read(bytes, UInt32.self, at: F.checksum) == CRC32C.checksum(bytes[0..<F.checksum]))
        #expect(bytes.count == F.checksum + 4)
    }

    @Test("every footer field is where SegmentFooter.Offset says")
    func footerFields() {
        let footer = SegmentFooter(columnDirectoryOffset: 0x11, columnDirectoryLength: 0x22, blockDirectoryOffset: 0x33,
                                   blockDirectoryLength: 0x44, columnDirectoryCRC: 0x55, blockDirectoryCRC: 0x66, maskCount: 0x77)
        let bytes = footer.encoded()
        typealias F = SegmentFooter.Offset
        #expect(read(bytes, UInt64.self, at: F.columnDirectoryOffset) == 0x11)
        #expect(read(bytes, UInt64.self, at: F.columnDirectoryLength) == 0x22)
        #expect(read(bytes, UInt64.self, at: F.blockDirectoryOffset) == 0x33)
        #expect(read(bytes, UInt64.self, at: F.blockDirectoryLength) == 0x44)
        #expect(read(bytes, UInt32.self, at: F.columnDirectoryCRC) == 0x55)
        #expect(read(bytes, UInt32.self, at: F.blockDirectoryCRC) == 0x66)
        #expect(read(bytes, UInt32.self, at: F.maskCount) == 0x77)
        #expect(read(bytes, UInt32.self, at: F.reserved) == 0)
        #expect(read(bytes, UInt32.self, at: F.checksum) == CRC32C.checksum(bytes[0..<F.checksum]))
        #expect(read(bytes, UInt32.self, at: F.footerLength) == UInt32(SegmentLayout.footerSize))
        #expect(Array(bytes[F.magic..<(F.magic + 8)]) == SegmentLayout.magic)
        #expect(bytes.count == SegmentLayout.footerSize)
    }
}
