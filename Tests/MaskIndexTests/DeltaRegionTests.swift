import Foundation
import MaskFormat
import MaskInspect
import MaskStorage
import MaskTestSupport
import Testing
@testable import MaskIndex

/// The delta region of index versions 3 and 4 (Format/index.md, "Delta region"): small
/// queries' masks are kept as mask-major records, merged into the key columns when the region
/// fills or by `masksearch index`; a damaged or untrusted region loses entries, never gives a
/// wrong bound. Tests of merging create their files with version 3's capacity (one mask in 16:
/// 8 records) through `DatabaseIndex.createEmptyFiles`; new files hold every mask.
@Suite struct DeltaRegionTests {
    static let (height, width, count) = (48, 40, 120)

    /// Two identical databases of `count` random-blob 48×40 uint8 masks in `dir/a` and `dir/b`.
    func databases(_ dir: String) throws {
        var rng = SplitMix64(seed: 41)
        let (h, w, n) = (Self.height, Self.width, Self.count)
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(n), \(h), \(w)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        for _ in 0..<n {
            let cy = Double(rng.next() % UInt64(h)), cx = Double(rng.next() % UInt64(w)), s = Double(rng.next() % 12 + 3)
            for y in 0..<h {
                for x in 0..<w {
                    let d = (Double(y) - cy) * (Double(y) - cy) + (Double(x) - cx) * (Double(x) - cx)
                    bytes.append(UInt8(255 * exp(-d / (2 * s * s))))
                }
            }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/in.npy"))
        for name in ["a", "b"] { _ = try Ingester.ingest(into: dir + "/" + name, inputs: [dir + "/in.npy"], options: .init()) }
    }

    func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "ms-delta-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// One small query's indexing: observes `masks` read whole, then flushes.
    func observe(_ masks: [Int], in path: String) throws {
        let db = try Database(path: path)
        let index = try DatabaseIndex(database: db, incremental: true)
        var pixels = [UInt8](repeating: 0, count: Self.height * Self.width)
        for m in masks {
            try pixels.withUnsafeMutableBytes { try db.readPixels(row: m, rows: 0..<Self.height, into: $0) }
            _ = pixels.withUnsafeBytes { index.observe(row: m, pixels: $0) }
        }
        try index.flush()
    }

    /// Creates the index file of `path` as a query would, with version 3's delta capacity (one
    /// mask in 16), so that small queries fill the region and merge.
    func withSmallDelta(_ path: String) throws {
        _ = try DatabaseIndex.createEmptyFiles(database: try Database(path: path), deltaCapacity: { ($0 + 15) / 16 })
    }

    func reopened(_ path: String) throws -> DatabaseIndex {
        try DatabaseIndex(database: try Database(path: path), incremental: false)
    }

    /// Every bounds path of `a` equals `b`'s at `rows` and has no bound elsewhere.
    func expectSameBounds(_ a: DatabaseIndex, _ b: DatabaseIndex, rows indexed: Set<Int>, seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let rows = Array(0..<Self.count)
        for _ in 0..<40 {
            let x0 = Int(rng.next() % 40), y0 = Int(rng.next() % 48)
            let box = PixelBox(x0: x0, y0: y0, x1: x0 + Int(rng.next() % 30) + 1, y1: y0 + Int(rng.next() % 30) + 1)
                .clipped(width: Self.width, height: Self.height)
            let lv = Double(rng.next() % 256) / 255.0, uv = lv + Double(rng.next() % 128) / 255.0
            let codes = PixelFormat.uint8.codeInterval(lower: lv, upper: uv)
            let boxes = rows.map { _ in box }
            let pairs = [(try #require(a.boundsForAllRows(box: box, codes: codes)), try #require(b.boundsForAllRows(box: box, codes: codes))),
                         (a.bounds(rows: rows, boxes: boxes, codes: codes), b.bounds(rows: rows, boxes: boxes, codes: codes)),
                         (try #require(a.refinedBounds(rows: rows, boxes: boxes, codes: codes)),
                          try #require(b.refinedBounds(rows: rows, boxes: boxes, codes: codes)))]
            for (x, y) in pairs {
                for r in rows {
                    if indexed.contains(r) {
                        #expect(x.lower[r] == y.lower[r] && x.upper[r] == y.upper[r], "row \(r) box \(box)")
                    } else {
                        #expect(x.lower[r] == -1, "row \(r) has a bound without entries")
                    }
                }
            }
            for r in rows {
                #expect(a.bounds(row: r, box: box, codes: codes) == (indexed.contains(r) ? b.bounds(row: r, box: box, codes: codes) : nil))
            }
        }
    }

    @Test func smallQueriesIndexEverythingTheyReadAndMerge() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try databases(dir)
        try withSmallDelta(dir + "/a")
        _ = try IndexBuilder.build(databasePath: dir + "/b", bins: nil, cell: nil)
        var rng = SplitMix64(seed: 7)
        var indexed = Set<Int>()
        var sawDelta = false, merges = 0
        for _ in 0..<24 {
            let batch = (0..<4).map { _ in Int(rng.next() % UInt64(Self.count)) }
            try observe(batch, in: dir + "/a")
            indexed.formUnion(batch)
            let index = try reopened(dir + "/a")
            let f = try #require(index.files[0])
            let delta = try #require(f.delta)
            #expect(f.header.readVersion == IndexLayout.readVersion && delta.capacity == 8)
            #expect((0..<Self.count).allSatisfy { index.isIndexed(row: $0) == indexed.contains($0) })
            #expect(delta.storedCount <= delta.capacity && f.indexedCount == indexed.count)
            sawDelta = sawDelta || delta.storedCount > 0
            merges = Int(delta.generation)
        }
        #expect(sawDelta && merges >= 2, "delta used \(sawDelta), merged \(merges) times")
        try expectSameBounds(try reopened(dir + "/a"), try reopened(dir + "/b"), rows: indexed, seed: 3)
        // `masksearch index` builds the rest into the columns and empties the delta.
        let before = try reopened(dir + "/a").files[0]!.validCount
        let summary = try IndexBuilder.build(databasePath: dir + "/a", bins: nil, cell: nil)
        #expect(summary.built == Self.count - before)
        let full = try reopened(dir + "/a")
        #expect(full.files[0]!.delta!.storedCount == 0 && full.files[0]!.validCount == Self.count)
        try expectSameBounds(full, try reopened(dir + "/b"), rows: Set(0..<Self.count), seed: 4)
    }

    func indexPath(_ db: String) throws -> String {
        db + "/" + (try #require(try Database.readManifest(db).segments[0].indexFile))
    }

    func patch(_ path: String, at offset: Int, _ body: (inout UInt8) -> Void) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        body(&data[offset])
        try data.write(to: URL(fileURLWithPath: path))
    }

    @Test func damagedDeltaRecordsAreIgnoredAndOverwritten() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try databases(dir)
        try observe([5, 9, 60], in: dir + "/a")
        let path = try indexPath(dir + "/a")
        let h = try #require(try reopened(dir + "/a").files[0]?.header)
        // Flip an entry byte of the record in slot 1 (mask 9: masks are stored ascending).
        try patch(path, at: h.deltaRecordsOffset + h.deltaRecordSize + IndexLayout.deltaRecordEntriesOffset + 7) { $0 ^= 0x10 }
        let index = try reopened(dir + "/a")
        #expect(index.isIndexed(row: 5) && !index.isIndexed(row: 9) && index.isIndexed(row: 60))
        let box = PixelBox(x0: 0, y0: 0, x1: 40, y1: 48), codes = PixelFormat.uint8.codeInterval(lower: 0.3, upper: 1.0)
        #expect(index.boundsForAllRows(box: box, codes: codes)!.lower[9] == -1)
        let dump = try FileDump.open(path: path)
        #expect(dump.corruptions.contains { $0.structure == "index delta record 1" }, "\(dump.corruptions)")
        // A count beyond the capacity: the whole region is ignored, then overwritten from slot 0.
        try patch(path, at: h.deltaOffset + IndexLayout.deltaCountOffset + 1) { $0 = 0x10 }
        #expect((0..<Self.count).allSatisfy { !(try! reopened(dir + "/a")).isIndexed(row: $0) })
        try observe([1, 2], in: dir + "/a")
        let again = try reopened(dir + "/a")
        #expect(again.files[0]!.delta!.storedCount == 2)
        #expect((0..<Self.count).filter { again.isIndexed(row: $0) } == [1, 2])
        #expect(try FileDump.open(path: path).corruptions.isEmpty)
    }

    /// After a crash of the system (the mark names another boot) the delta's records are not
    /// trusted; the next writer repairs the file, which empties the region.
    @Test func deltaOfAnotherBootIsUntrustedUntilRepaired() throws {
        guard BootSession.tag != 0 else { return }
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try databases(dir)
        try observe([3, 4, 5], in: dir + "/a")
        let path = try indexPath(dir + "/a")
        #expect(try reopened(dir + "/a").isIndexed(row: 4))
        try patch(path, at: IndexLayout.unsyncedBootOffset) { $0 ^= 0x5A }
        let stale = try reopened(dir + "/a")
        #expect((0..<Self.count).allSatisfy { !stale.isIndexed(row: $0) })
        try observe([7], in: dir + "/a")
        let repaired = try reopened(dir + "/a")
        #expect(repaired.files[0]!.trusted && repaired.files[0]!.delta!.storedCount == 1)
        #expect((0..<Self.count).filter { repaired.isIndexed(row: $0) } == [7])
    }

    /// A query's masks that do not fit in the free slots are merged into the columns with the
    /// delta's records in one sweep; a query of many masks goes to the columns directly.
    @Test func overflowingQueriesMergeIntoTheColumns() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try databases(dir)
        try withSmallDelta(dir + "/a")
        try observe([10, 11, 12, 13, 14], in: dir + "/a")
        #expect(try reopened(dir + "/a").files[0]!.delta!.storedCount == 5)
        // A run of 40 consecutive masks (written column by column) and scattered ones.
        try observe(Array(40..<80) + [90, 95], in: dir + "/a")
        let index = try reopened(dir + "/a")
        let f = try #require(index.files[0])
        #expect(f.delta!.storedCount == 0 && f.delta!.generation == 1 && f.validCount == 47)
        let stored = Set(Array(10..<15) + Array(40..<80) + [90, 95])
        #expect((0..<Self.count).allSatisfy { index.isIndexed(row: $0) == stored.contains($0) })
        #expect(try FileDump.open(path: try indexPath(dir + "/a")).corruptions.isEmpty)
        _ = try IndexBuilder.build(databasePath: dir + "/b", bins: nil, cell: nil)
        try expectSameBounds(index, try reopened(dir + "/b"), rows: stored, seed: 8)
    }
}
