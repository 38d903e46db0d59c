import Foundation
import MaskFormat
import Testing
@testable import MaskStorage

/// Segment format 3: the block directory is checksummed in pieces of P entries
/// (Format/segment.md, "Block directory pieces"). A damaged piece refuses exactly the blocks
/// whose entries it holds — every other mask still reads back exactly —, a damaged piece
/// table refuses every block, and a query that reads one mask checks one piece.
@Suite struct BlockDirectoryPiecesTests {
    /// 7 masks of 8×6 uint8, band rows 3 (3 bands: 3, 3, 2 rows) → 21 blocks; P = 4 → 6
    /// pieces, the last of 1 entry. Pixels are seeded noise and ramps (raw and LZ4 blocks).
    static let (masks, height, width, bandRows, perPiece) = (7, 8, 6, 3, 4)

    static func pixels(_ m: Int) -> [UInt8] {
        var state = UInt64(0x9E37_79B9_7F4A_7C15) &* UInt64(m + 1)
        return (0..<(height * width)).map { i in
            if m % 2 == 0 { return UInt8((i * (m + 1)) & 0xFF) }
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    func writeSegment(_ path: String) throws {
        let w = try SegmentWriter(path: path, height: Self.height, width: Self.width, pixelFormat: .uint8,
                                  bandRows: Self.bandRows, blocksPerPiece: Self.perPiece)
        let codes = (0..<Self.masks).flatMap(Self.pixels)
        try codes.withUnsafeBytes { try w.append(codes: $0, count: Self.masks) }
        try w.finish(columns: [("mask_id", ColumnData(values: .int64((0..<Self.masks).map { Int64($0) }), valid: Array(repeating: true, count: Self.masks)))])
    }

    func read(_ r: SegmentReader, mask: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.height * Self.width)
        try out.withUnsafeMutableBytes { try r.readRows(mask: mask, rows: 0..<Self.height, into: $0) }
        return out
    }

    func damaged(at offset: (SegmentReader) -> Int) throws -> (TempDirectory, SegmentReader) {
        let t = TempDirectory()
        let path = t.path + "/seg.mss"
        try writeSegment(path)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[offset(try SegmentReader(path: path))] ^= 0x01
        try data.write(to: URL(fileURLWithPath: path))
        return (t, try SegmentReader(path: path))
    }

    @Test func layoutOfThePiecesAndTheTable() throws {
        let p = BlockDirectoryPieces(blocksPerPiece: 3, blockCount: 4)
        #expect(p.pieceCount == 2 && p.tableLength == 8)
        #expect(p.byteRange(ofPiece: 0) == 0..<72 && p.byteRange(ofPiece: 1) == 72..<96)
        let dir = (0..<96).map { UInt8($0) }
        let table = dir.withUnsafeBytes { p.table(of: $0) }
        #expect(table.withUnsafeBytes { loadLittleEndian(UInt32.self, from: $0, at: 0) } == CRC32C.checksum(Array(dir[0..<72])))
        #expect(table.withUnsafeBytes { loadLittleEndian(UInt32.self, from: $0, at: 4) } == CRC32C.checksum(Array(dir[72..<96])))
        #expect(BlockDirectoryPieces(blocksPerPiece: 128, blockCount: 0).tableLength == 0)
    }

    @Test func writtenAsVersion3AndReadBack() throws {
        let t = TempDirectory()
        let path = t.path + "/seg.mss"
        try writeSegment(path)
        let r = try SegmentReader(path: path)
        #expect(r.header.writeVersion == 3 && r.header.readVersion == 3 && r.footer.blocksPerPiece == Self.perPiece)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(Int(r.footer.blockDirectoryOffset + r.footer.blockDirectoryLength) + 6 * 4 == size - SegmentLayout.footerSize)
        for m in 0..<Self.masks { #expect(try read(r, mask: m) == Self.pixels(m)) }
    }

    /// Byte 5 of entry 9 (mask 3, band 0: piece 2 = entries 8..<12, masks 2 and 3): only
    /// masks 2 and 3 are refused, naming the piece; the others read back exactly, before
    /// and after.
    @Test func aDamagedPieceRefusesOnlyItsBlocks() throws {
        let (t, r) = try damaged { Int($0.footer.blockDirectoryOffset) + 9 * 24 + 5 }
        defer { _ = t }
        #expect(try read(r, mask: 0) == Self.pixels(0))
        for m in [2, 3] {
            for _ in 0..<2 {   // refused every time, not only the first
                do {
                    _ = try read(r, mask: m)
                    Issue.record("mask \(m) read through a damaged piece")
                } catch {
                    let e = error as? FormatError
                    #expect(e?.structure == "block directory" && e?.detail.contains("piece 2 (blocks 8..<12)") == true, "\(error)")
                }
            }
        }
        for m in [1, 4, 5, 6] { #expect(try read(r, mask: m) == Self.pixels(m)) }
    }

    @Test func aDamagedPieceTableRefusesEveryBlock() throws {
        let (t, r) = try damaged { Int($0.footer.blockDirectoryOffset + $0.footer.blockDirectoryLength) + 5 }
        defer { _ = t }
        for m in 0..<Self.masks {
            #expect(throws: FormatError.self) { _ = try read(r, mask: m) }
            do { _ = try read(r, mask: m) } catch { #expect((error as? FormatError)?.structure == BlockDirectoryPieces.tableStructure, "\(error)") }
        }
    }

    @Test func aDamagedPieceSizeIsRefusedAtOpen() throws {
        let t = TempDirectory()
        let path = t.path + "/seg.mss"
        try writeSegment(path)
        // Field 44 set to 0 with the footer's CRC recomputed: a v3 file without a piece size.
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let at = data.count - SegmentLayout.footerSize
        for i in 0..<4 { data[at + SegmentFooter.Offset.blocksPerPiece + i] = 0 }
        let crc = CRC32C.checksum(Array(data[at..<(at + SegmentFooter.Offset.checksum)]))
        for i in 0..<4 { data[at + SegmentFooter.Offset.checksum + i] = UInt8((crc >> (8 * UInt32(i))) & 0xFF) }
        try data.write(to: URL(fileURLWithPath: path))
        #expect(throws: StorageError.self) { _ = try SegmentReader(path: path) }
    }
}
