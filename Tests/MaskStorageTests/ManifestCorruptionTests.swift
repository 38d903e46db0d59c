import Foundation
import MaskFormat
import Testing
@testable import MaskStorage

/// Damage to the manifest, ROI set files and segments is reported as a typed corruption
/// error naming the structure, never a crash and never wrong data.
@Suite struct ManifestCorruptionTests {
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

    func expectCorrupt(_ dir: String, naming structure: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let db = try Database(path: dir)
            for row in 0..<db.count { _ = try codes(db, row: row) }
            try readMetadata(db)
            Issue.record("damage not detected", sourceLocation: sourceLocation)
        } catch let StorageError.corrupt(e) {
            #expect(e.structure.contains(structure), "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyManifestByte() throws {
        let t = try database()
        let path = t.db + "/MANIFEST"
        let size = try Data(contentsOf: URL(fileURLWithPath: path)).count
        for offset in stride(from: 0, to: size, by: 7) {
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            try flip(path, at: offset)
            expectCorrupt(t.db, naming: "manifest")
            try original.write(to: URL(fileURLWithPath: path))
        }
        _ = try Database(path: t.db)
    }

    @Test func roiSetFile() throws {
        let t = try database()
        let name = try #require(FileManager.default.contentsOfDirectory(atPath: t.db).first { $0.hasPrefix("roi-") })
        try flip(t.db + "/" + name, at: 30)
        expectCorrupt(t.db, naming: "ROI set")
    }

    @Test(arguments: [("segment header", 20), ("segment header", 61), ("block 0", 70), ("segment footer", -20), ("segment footer", -2)])
    func segmentStructures(structure: String, offset: Int) throws {
        let t = try database()
        let seg = t.db + "/seg-000001.mss"
        let size = try Data(contentsOf: URL(fileURLWithPath: seg)).count
        try flip(seg, at: offset >= 0 ? offset : size + offset)
        expectCorrupt(t.db, naming: structure)
    }

    @Test func everySegmentByteIsCoveredByAChecksum() throws {
        let t = try database()
        let seg = t.db + "/seg-000001.mss"
        let original = try Data(contentsOf: URL(fileURLWithPath: seg))
        let expected = try (0..<3).map { try codes(Database(path: t.db), row: $0) }
        var undetected: [Int] = []
        for offset in 0..<original.count {
            var d = original
            d[offset] ^= 0x01
            try d.write(to: URL(fileURLWithPath: seg))
            do {
                let db = try Database(path: t.db)
                let got = try (0..<3).map { try codes(db, row: $0) }
                try readMetadata(db)
                // Padding bytes are not covered; but the data read must never differ.
                #expect(got == expected, "byte \(offset) changed the pixels read")
                undetected.append(offset)
            } catch let e as StorageError {
                if case .corrupt = e {} else { Issue.record("byte \(offset): \(e)") }
            }
        }
        try original.write(to: URL(fileURLWithPath: seg))
        // Only alignment padding may go undetected.
        let db = try Database(path: t.db)
        for o in undetected {
            #expect(isPadding(o, db.segments[0]), "byte \(o) undetected")
        }
    }

    /// Padding between 64-aligned sections.
    func isPadding(_ offset: Int, _ s: SegmentReader) -> Bool {
        var covered: [(Int, Int)] = [(0, 64)]
        for i in 0..<s.blockCount {
            let b = s.block(i)
            covered.append((Int(b.offset), Int(b.offset) + 16 + Int(b.storedSize)))
        }
        for c in s.columnDescriptors { covered.append((Int(c.offset), Int(c.offset + c.length))) }
        covered.append((Int(s.footer.columnDirectoryOffset), Int(s.footer.columnDirectoryOffset + s.footer.columnDirectoryLength)))
        covered.append((Int(s.footer.blockDirectoryOffset), Int(s.footer.blockDirectoryOffset + s.footer.blockDirectoryLength)))
        covered.append((s.file.count - 64, s.file.count))
        return !covered.contains { offset >= $0.0 && offset < $0.1 }
    }
}
