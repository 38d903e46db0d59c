import Foundation
import MaskFormat
import Testing
@testable import MaskStorage

/// Opening a database reads no metadata: each column chunk and ROI set is checked when first
/// read. Damage then gives NULLs to the non-throwing readers and an error from
/// `checkIntegrity()` — never a wrong value — and does not stop the rest from being read.
@Suite struct FirstReadCheckTests {
    func database() throws -> TempDirectory {
        let t = TempDirectory()
        var o = Ingester.Options()
        o.metaPath = Fixtures.file("meta_ok.csv")
        o.bandRows = 2
        _ = try Ingester.ingest(into: t.db, inputs: [Fixtures.npy("u8_3x5x7.npy")], options: o)
        _ = try ROISetLoader.load(into: t.db, name: "object", csvPath: Fixtures.file("boxes_float.csv"))
        return t
    }

    func flip(_ path: String, at offset: Int) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[offset] ^= 0x5A
        try data.write(to: URL(fileURLWithPath: path))
    }

    func expectDamage(_ db: Database, naming structure: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try db.checkIntegrity()
            Issue.record("damage not reported", sourceLocation: sourceLocation)
        } catch let StorageError.corrupt(e) {
            #expect(e.structure == structure, "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func damagedColumnChunkOpensThenReadsAsNullAndReportsIt() throws {
        let t = try database()
        let seg = t.db + "/seg-000001.mss"
        let maskIDs = try SegmentReader(path: seg).columnDescriptors[0]
        try flip(seg, at: Int(maskIDs.offset) + 8)   // row 0's value (the bitmap is padded to 8)
        let db = try Database(path: t.db)
        try db.checkIntegrity()   // nothing read yet
        #expect(db.value(row: 0, column: 0) == .null)
        #expect(db.builtinColumn(0) == [0, 0, 0])
        // Other chunks and the pixels are unaffected.
        #expect(db.value(row: 2, column: 1) == .int(2))
        #expect(db.builtinColumn(1) == [1, 1, 2])
        #expect(try codes(db, row: 1).count == 35)
        expectDamage(db, naming: "column 'mask_id'")
    }

    @Test func damagedTextChunkIsReportedByAnyRow() throws {
        let t = try database()
        let seg = t.db + "/seg-000001.mss"
        let split = try SegmentReader(path: seg).columnDescriptors[6]
        try flip(seg, at: Int(split.offset + split.length) - 1)   // the last byte of "va,l"
        let db = try Database(path: t.db)
        #expect(db.value(row: 0, column: 6) == .null)
        #expect(db.value(row: 0, column: 5) == .double(0.5))
        expectDamage(db, naming: "column 'split'")
    }

    @Test func damagedROISetOpensThenIsMissingAndReportsIt() throws {
        let t = try database()
        let name = try #require(FileManager.default.contentsOfDirectory(atPath: t.db).first { $0.hasPrefix("roi-") })
        try flip(t.db + "/" + name, at: 40)
        let db = try Database(path: t.db)
        #expect(db.roiSetNames == ["object"])
        #expect(db.value(row: 0, column: 0) == .int(10))
        try db.checkIntegrity()
        #expect(db.roiSet(named: "object") == nil)
        expectDamage(db, naming: "ROI set")
    }

    @Test func roiSetIsReadInPlace() throws {
        let t = try database()
        let set = try #require(try Database(path: t.db).roiSet(named: "object"))
        #expect(set.key == .imageID && set.boxes.count == 2)
        #expect(set.boxes == [1: PixelBox(x0: 0, y0: 1, x1: 3, y1: 5), 2: PixelBox(x0: -3, y0: -2, x1: 100, y1: 100)])
        #expect(set.boxes[0] == nil && set.boxes[3] == nil && set.boxes[-1] == nil)
        #expect(set.box(maskID: 11, imageID: 2) == PixelBox(x0: -3, y0: -2, x1: 100, y1: 100))
    }

    /// A file whose CRC matches but whose ids do not increase (not written by masksearch)
    /// cannot be searched: it is damage, not a set with a box missing.
    @Test func roiSetWithUnsortedIdsIsDamage() throws {
        let t = try database()
        let name = try #require(FileManager.default.contentsOfDirectory(atPath: t.db).first { $0.hasPrefix("roi-") })
        let path = t.db + "/" + name
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // Boxes start after the 24 fixed bytes and the name ("object": 2 + 6 bytes).
        for i in 0..<8 { bytes.swapAt(32 + i, 72 + i) }
        let crc = CRC32C.checksum(bytes[0..<(bytes.count - 4)])
        for i in 0..<4 { bytes[bytes.count - 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let db = try Database(path: t.db)
        #expect(db.roiSet(named: "object") == nil)
        expectDamage(db, naming: "ROI set box 1")
    }

    @Test func undamagedReadsEqualTheDecodedChunks() throws {
        let t = try database()
        let db = try Database(path: t.db)
        let decoded = try db.segments[0].decodedColumns()
        for (c, data) in decoded.enumerated() {
            for row in 0..<db.count { #expect(db.value(row: row, column: c) == data.value(at: row)) }
        }
        #expect(db.roiSet(named: "object")?.boxes.count == 2)
        try db.checkIntegrity()
    }
}
