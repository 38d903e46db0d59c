import Foundation
import MaskFormat
import MaskInspect
import MaskStorage
import Testing

/// Damage the committed fixture one structure at a time (offsets from Format/worked-example.md)
/// and check that (1) the dumper names the structure, keeps going and never crashes, and
/// (2) `SegmentReader` refuses with `StorageError.corrupt` naming the same structure — at
/// open, when the damaged block is read, or when a structure checked on first read (metadata
/// chunks, the block directory) is first read — and never returns wrong data.
@Suite struct CorruptionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var what: String
        var offset: Int
        /// The structure named by the dumper and by the reader.
        var structure: String
        /// Reader: nil = open fails; a mask = open succeeds and reading that mask fails.
        var failingMask: Int?
        /// Reader (with `failingMask` nil): open succeeds (it is O(1) in the masks) and the first
        /// read of the structure fails: the metadata columns, or any mask (block directory).
        var checkedOnFirstRead = false
        var testDescription: String { "\(what) (byte \(offset))" }
    }

    // Layout of tinydb/seg-000001.mss: header 0..<64; blocks at 64 (37 B LZ4), 117 (64 B
    // raw), 197 (27 B LZ4), 240 (64 B raw); columns at 320, 384, 448, 512, 576 (score),
    // 640 (label); column directory 704..<906; block directory 960..<1056; footer 1056..<1120.
    static let cases: [Case] = [
        Case(what: "header field (height)", offset: 16, structure: "segment header"),
        Case(what: "header CRC", offset: 61, structure: "segment header"),
        Case(what: "header magic", offset: 1, structure: "segment header"),
        Case(what: "block payload", offset: 117 + 16 + 5, structure: "block 1 (mask 0, band 1)", failingMask: 0),
        Case(what: "block header CRC field", offset: 197 + 12, structure: "block 2 (mask 1, band 0)", failingMask: 1),
        Case(what: "block header stored size", offset: 197, structure: "block 2 (mask 1, band 0)", failingMask: 1),
        Case(what: "LZ4 payload", offset: 64 + 16 + 2, structure: "block 0 (mask 0, band 0)", failingMask: 0),
        Case(what: "block directory", offset: 960 + 24 + 8, structure: "block directory", checkedOnFirstRead: true),
        Case(what: "column chunk (score value)", offset: 576 + 8, structure: "column 'score'", checkedOnFirstRead: true),
        Case(what: "column chunk (validity bitmap)", offset: 576, structure: "column 'score'", checkedOnFirstRead: true),
        Case(what: "column directory", offset: 704 + 10, structure: "column directory"),
        Case(what: "footer field (mask count)", offset: 1056 + 40, structure: "segment footer"),
        Case(what: "footer length", offset: 1056 + 52, structure: "segment footer"),
        Case(what: "final magic", offset: 1119, structure: "segment footer"),
    ]

    @Test(arguments: cases)
    func dumperNamesTheStructureAndKeepsGoing(_ c: Case) throws {
        let dir = Fixtures.temporaryDirectory()
        defer { Fixtures.cleanup(dir) }
        let path = Fixtures.damagedCopy(of: Fixtures.segment, at: c.offset, into: dir, name: "seg-000001.mss")
        let (text, n) = try dump(path, DumpOptions(header: true, blocks: true))
        #expect(n > 0)
        #expect(text.contains("corruption: \(c.structure):"), "\(text)")
        #expect(text.hasSuffix("corruptions: \(n)\n"))
        // Later structures are still reported: every block has a row, and, when the footer is
        // readable, every column.
        let blockRows = text.split(separator: "\n").filter { $0.hasSuffix("OK") || $0.hasSuffix("BAD") || $0.hasSuffix("-") }
        #expect(blockRows.contains { $0.contains(" 240 ") }, "the last block is still listed")
        if c.structure != "segment footer" {
            #expect(text.contains("  label      TEXT"), "the columns are still listed")
        }
        // JSON mode survives the same damage.
        let (json, m) = try dump(path, DumpOptions(json: true))
        #expect(m == n)
        #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil)
    }

    @Test(arguments: cases)
    func readerRefusesNamingTheStructure(_ c: Case) throws {
        let dir = Fixtures.temporaryDirectory()
        defer { Fixtures.cleanup(dir) }
        let path = Fixtures.damagedCopy(of: Fixtures.segment, at: c.offset, into: dir, name: "seg-000001.mss")
        guard let mask = c.failingMask else {
            do {
                let reader = try SegmentReader(path: path)
                guard c.checkedOnFirstRead else {
                    Issue.record("SegmentReader opened a file with a damaged \(c.structure)")
                    return
                }
                _ = try reader.decodedColumns()
                var buffer = [UInt8](repeating: 0, count: 4 * 32)
                try buffer.withUnsafeMutableBytes { try reader.readRows(mask: 0, rows: 0..<4, into: $0) }
                Issue.record("SegmentReader read a file with a damaged \(c.structure)")
            } catch let error as StorageError {
                guard case .corrupt(let e) = error else { Issue.record("expected .corrupt, got \(error)"); return }
                #expect(!c.checkedOnFirstRead && e.structure == c.structure, "\(e)")
            } catch {
                #expect(c.checkedOnFirstRead && (error as? FormatError)?.structure == c.structure, "\(error)")
            }
            return
        }
        let reader = try SegmentReader(path: path)
        var buffer = [UInt8](repeating: 0, count: 4 * 32)
        #expect(throws: FormatError.self) {
            try buffer.withUnsafeMutableBytes { try reader.readRows(mask: mask, rows: 0..<4, into: $0) }
        }
        do {
            try buffer.withUnsafeMutableBytes { try reader.readRows(mask: mask, rows: 0..<4, into: $0) }
        } catch {
            #expect((error as? FormatError)?.structure == c.structure, "\(error)")
        }
        // The other mask still reads back exactly.
        let other = 1 - mask
        try buffer.withUnsafeMutableBytes { try reader.readRows(mask: other, rows: 0..<4, into: $0) }
        #expect(buffer == V1Fixture.pixels[other])
    }

    /// Every single-byte change anywhere in the file is either reported (corruption) or lies
    /// in padding (warning); and the reader never returns different pixels or metadata.
    @Test func everyByteFlipIsNoticed() throws {
        try expectEveryByteFlipNoticed(Fixtures.segment)
    }

    @Test func truncatedAndTinyFilesNeverCrash() throws {
        let original = Fixtures.bytes(Fixtures.segment)
        let dir = Fixtures.temporaryDirectory()
        defer { Fixtures.cleanup(dir) }
        for length in [8, 63, 64, 100, 127, 128, 500, 1056, 1119] {
            let path = dir + "/t\(length).mss"
            FileManager.default.createFile(atPath: path, contents: Data(original.prefix(length)))
            let (text, n) = try dump(path, DumpOptions(header: true, blocks: true))
            #expect(n > 0, "truncated to \(length): \(text)")
        }
    }

    @Test func damagedManifestAndROISet() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { Fixtures.cleanup(dir) }
        let m = Fixtures.damagedCopy(of: Fixtures.manifest, at: 40, into: dir, name: "MANIFEST")
        let (mt, mn) = try dump(m)
        #expect(mn > 0 && mt.contains("corruption: manifest: checksum mismatch"))
        let r = Fixtures.damagedCopy(of: Fixtures.roi, at: 13, into: dir, name: "roi-000002.msr")
        let (rt, rn) = try dump(r)
        #expect(rn > 0 && rt.contains("corruption: ROI set: checksum mismatch"))
        #expect(rt.contains("reserved bytes are not zero"))
    }
}
