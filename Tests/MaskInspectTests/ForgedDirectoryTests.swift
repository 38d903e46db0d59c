import Foundation
import MaskFormat
import MaskInspect
import MaskStorage
import Testing

/// Block directory entries whose offsets do not fit an Int: found by fuzz-database (a mutated
/// segment made the read-ahead hint, which uses the directory before its checksum is checked,
/// trap in `Int(UInt64)`), and — with the checksums recomputed, as a forged file has them — the
/// same offsets reach the dumper's padding check and JSON. Each must be an error or a reported
/// corruption, never a trap.
@Suite struct ForgedDirectoryTests {
    // tinydb/seg-000001.mss (CorruptionTests): block directory 960..<1056, footer 1056..<1120.
    static let directoryAt = 960, footerAt = 1056, entrySize = 24

    /// The fixture segment with block 1's directory offset set to `offset`; with `reseal`, the
    /// directory CRC (in the footer) and the footer's own CRC recomputed to match.
    static func forged(offset: UInt64, reseal: Bool) throws -> [UInt8] {
        var bytes = Fixtures.bytes(Fixtures.segment)
        let at = directoryAt + entrySize
        withUnsafeBytes(of: offset.littleEndian) { bytes.replaceSubrange(at..<(at + 8), with: $0) }
        guard reseal else { return bytes }
        var footer = try bytes.withUnsafeBytes { raw in
            try SegmentFooter.decode(UnsafeRawBufferPointer(rebasing: raw[footerAt...]), fileOffset: UInt64(footerAt))
        }
        footer.blockDirectoryCRC = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[directoryAt..<footerAt])) }
        bytes.replaceSubrange(footerAt..., with: footer.encoded())
        return bytes
    }

    static let offsets: [UInt64] = [UInt64.max - 7, UInt64(Int64.max) + 1, 1 << 40]

    @Test("read-ahead over an unchecked directory entry out of range gives no advice; the read is an error", arguments: offsets)
    func readerRefuses(offset: UInt64) throws {
        for reseal in [false, true] {
            let dir = Fixtures.temporaryDirectory()
            defer { Fixtures.cleanup(dir) }
            let path = dir + "/seg-000001.mss"
            FileManager.default.createFile(atPath: path, contents: Data(try Self.forged(offset: offset, reseal: reseal)))
            let reader = try SegmentReader(path: path)
            reader.prefetchBands([(mask: 0, rows: 0..<4), (mask: 1, rows: 0..<4)])
            var buffer = [UInt8](repeating: 0, count: 4 * 32)
            #expect(throws: FormatError.self) {
                try buffer.withUnsafeMutableBytes { try reader.readRows(mask: 0, rows: 0..<4, into: $0) }
            }
        }
    }

    @Test("the dumper reports a forged directory offset (text, blocks, JSON) instead of trapping", arguments: offsets)
    func dumperReports(offset: UInt64) throws {
        let dir = Fixtures.temporaryDirectory()
        defer { Fixtures.cleanup(dir) }
        let path = dir + "/seg-000001.mss"
        FileManager.default.createFile(atPath: path, contents: Data(try Self.forged(offset: offset, reseal: true)))
        let text = try dump(path, DumpOptions(header: true, blocks: true))
        #expect(text.corruptions > 0)
        #expect(text.text.contains("block 1"))
        let json = try dump(path, DumpOptions(json: true))
        #expect(json.corruptions == text.corruptions)
        #expect(json.text.contains("\(offset)"))
    }
}
