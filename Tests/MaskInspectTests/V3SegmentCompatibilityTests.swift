import Foundation
import MaskFormat
import MaskInspect
import MaskStorage
import Testing

/// The committed version-3 fixture (`Fixtures/v3db`: the v1 fixture's inputs, band rows 2,
/// 3 blocks per piece — its 4 blocks in a piece of 3 and a piece of 1 —, written by the
/// version-3 writer): what any future reader must still read from it; every single-byte
/// change is noticed by the dumper and never returned by the reader; a damaged piece refuses
/// only the masks whose entries it holds.
@Suite struct V3SegmentCompatibilityTests {
    static var segment: String { Fixtures.directory + "/v3db/seg-000001.mss" }

    @Test func readerReadsTheCommittedV3Segment() throws {
        let reader = try SegmentReader(path: Self.segment)
        #expect(reader.header.writeVersion == 3 && reader.header.readVersion == 3)
        #expect(reader.header.height == 4 && reader.header.width == 32 && reader.header.bandRows == 2 && reader.maskCount == 2)
        #expect(reader.footer.blocksPerPiece == 3)
        #expect(try reader.decodedColumns() == V1Fixture.columns)
        for mask in 0..<2 {
            var all = [UInt8](repeating: 0, count: 128)
            try all.withUnsafeMutableBytes { try reader.readRows(mask: mask, rows: 0..<4, into: $0) }
            #expect(all == V1Fixture.pixels[mask])
        }
        let db = try Database(path: Fixtures.directory + "/v3db")
        #expect(db.builtinColumn(0) == [10, 11] && db.value(row: 0, column: 5) == .text("cat"))
    }

    @Test func dumperChecksThePieces() throws {
        let (text, n) = try dump(Self.segment, DumpOptions(header: true, blocks: true))
        #expect(n == 0, "\(text)")
        #expect(text.contains("blocks per piece"), "\(text)")
        #expect(text.contains("warnings: 0"), "\(text)")
        // Piece 1 holds block 3 (mask 1, band 1): its damage is named, and the blocks are walked.
        let reader = try SegmentReader(path: Self.segment)
        let dir = Fixtures.temporaryDirectory()
        defer { Fixtures.cleanup(dir) }
        let path = Fixtures.damagedCopy(of: Self.segment, at: Int(reader.footer.blockDirectoryOffset) + 3 * 24 + 1, into: dir, name: "seg-000001.mss")
        let (damaged, m) = try dump(path)
        #expect(m > 0 && damaged.contains("corruption: block directory:") && damaged.contains("piece 1"), "\(damaged)")
        let r = try SegmentReader(path: path)
        var buffer = [UInt8](repeating: 0, count: 128)
        try buffer.withUnsafeMutableBytes { try r.readRows(mask: 0, rows: 0..<4, into: $0) }
        #expect(buffer == V1Fixture.pixels[0])
        #expect(throws: FormatError.self) { try buffer.withUnsafeMutableBytes { try r.readRows(mask: 1, rows: 2..<4, into: $0) } }
    }

    /// As `CorruptionTests.everyByteFlipIsNoticed`, on the version-3 layout (pieces and their table included).
    @Test func everyByteFlipIsNoticed() throws {
        try expectEveryByteFlipNoticed(Self.segment)
    }
}
