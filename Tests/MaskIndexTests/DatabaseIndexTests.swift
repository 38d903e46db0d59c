import Foundation
import MaskFormat
import MaskStorage
import MaskTestSupport
import Testing
@testable import MaskIndex

/// The database index over real files: the vectorised all-rows bounds equal the per-row
/// bounds, and both contain the exact CP, across segments and for masks not yet indexed.
@Suite struct DatabaseIndexTests {
    /// A database of two segments of random 23×37 uint8 masks; only the first is indexed.
    /// The first segment is indexed in bulk (bins 8, cell 5) unless `indexFirst` is false.
    func database(_ dir: String, indexFirst: Bool = true) throws -> Database {
        var rng = SplitMix64(seed: 99)
        for (i, n) in [40, 25].enumerated() {
            let path = dir + "/in\(i).npy"
            var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(n), 23, 37), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
            for _ in 0..<(n * 23 * 37) { bytes.append(UInt8(truncatingIfNeeded: (rng.next() >> 59) << 4)) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            _ = try Ingester.ingest(into: dir + "/db", inputs: [path], options: .init())
            if i == 0 && indexFirst { _ = try IndexBuilder.build(databasePath: dir + "/db", bins: 8, cell: 5) }
        }
        return try Database(path: dir + "/db")
    }

    @Test func allRowsBoundsMatchPerRowBounds() throws {
        let dir = NSTemporaryDirectory() + "ms-dbindex-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try database(dir)
        let index = try DatabaseIndex(database: db, incremental: false)
        #expect(index.files.count == 2 && index.files[1] == nil)
        var rng = SplitMix64(seed: 5)
        var buffer = [UInt8](repeating: 0, count: 23 * 37)
        for _ in 0..<200 {
            let x0 = Int(rng.next() % 40) - 2, y0 = Int(rng.next() % 26) - 2
            let box = PixelBox(x0: x0, y0: y0, x1: x0 + Int(rng.next() % 20) + 1, y1: y0 + Int(rng.next() % 12) + 1)
                .clipped(width: 37, height: 23)
            let lv = Double(rng.next() % 256) / 255.0, uv = lv + Double(rng.next() % 128) / 255.0
            let codes = PixelFormat.uint8.codeInterval(lower: lv, upper: uv)
            guard !box.isEmpty, let all = index.boundsForAllRows(box: box, codes: codes) else { continue }
            for row in 0..<db.count {
                let one = index.bounds(row: row, box: box, codes: codes)
                if let one {
                    #expect(Int(all.lower[row])...Int(all.upper[row]) == one, "row \(row) box \(box)")
                    try buffer.withUnsafeMutableBytes { try db.readPixels(row: row, rows: 0..<23, into: $0) }
                    var cp = 0
                    for y in box.y0..<box.y1 { for x in box.x0..<box.x1 where codes.contains(UInt32(buffer[y * 37 + x])) { cp += 1 } }
                    #expect(one.contains(cp), "row \(row): CP \(cp) outside \(one)")
                } else {
                    #expect(all.lower[row] == -1 && row >= 40, "row \(row)")
                }
            }
        }
    }

    /// `CHIFile.store` writes runs of consecutive masks column by column and scattered masks
    /// key tile by key tile: every entry and checksum
    /// lands where `entry(key:mask:)` and `verifyChecksum` read it, and nothing else changes.
    @Test func storeWritesRunsAndScatteredMasks() throws {
        let dir = NSTemporaryDirectory() + "ms-dbindex-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try database(dir)
        let seg = db.segments[0]
        var rng = SplitMix64(seed: 23)
        for (n, parallel) in [(1, false), (2, true)] {
            let header = IndexHeader(height: 23, width: 37, pixelFormat: .uint8, bins: 8, cell: 5, maskCount: seg.maskCount,
                                     segmentFooterCRC: seg.footerChecksum)
            let path = dir + "/store\(n).chi"
            try CHIFile.create(path: path, directory: dir, header: header)
            let f = try CHIFile(path: path, segment: seg, writable: true)
            // A run of 33 (column path), then scattered masks and a short run (tile path).
            let masks = Array(2..<35) + [36, 38, 39]
            #expect(masks.count > CHIFile.columnRunMinimum)
            let keys = f.grid.keyCount
            var values = [UInt16](repeating: 0, count: masks.count * keys)
            for i in values.indices { values[i] = UInt16(truncatingIfNeeded: rng.next()) }
            values.withUnsafeBytes { f.store(masks: masks, entries: $0, parallel: parallel) }
            for (i, m) in masks.enumerated() {
                #expect(f.verifyChecksum(mask: m), "mask \(m)")
                for k in 0..<keys where f.entry(key: k, mask: m) != Int(values[i * keys + k]) {
                    Issue.record("mask \(m) key \(k): \(f.entry(key: k, mask: m)) != \(values[i * keys + k])")
                    break
                }
            }
            for m in [0, 1, 35, 37] {
                #expect((0..<keys).allSatisfy { f.entry(key: $0, mask: m) == 0 }, "untouched mask \(m)")
            }
        }
    }

    /// Overwrites bytes of a file in place.
    func patch(_ path: String, at offset: Int, _ bytes: [UInt8]) throws {
        let h = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? h.close() }
        try h.seek(toOffset: UInt64(offset))
        try h.write(contentsOf: Data(bytes))
    }

    func indexPath(_ dir: String) throws -> String {
        let m = try Database.readManifest(dir + "/db")
        return dir + "/db/" + (try #require(m.segments[0].indexFile))
    }

    /// The write protocol (Format/index.md): bits set without a sync carry this boot's mark;
    /// a mark of another boot (a crash of the system) makes every bit untrusted — the index is
    /// lost, never wrong — until a writer repairs the file; settling clears the mark.
    @Test func unsyncedBitsOfAnotherBootAreNotTrusted() throws {
        guard BootSession.tag != 0 else { return }  // no boot tag: the synchronous protocol
        let dir = NSTemporaryDirectory() + "ms-dbindex-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try database(dir)
        let path = try indexPath(dir)
        let box = PixelBox(x0: 3, y0: 2, x1: 30, y1: 20), codes = PixelFormat.uint8.codeInterval(lower: 0.5, upper: 1.0)
        do {
            let index = try DatabaseIndex(database: try Database(path: dir + "/db"), incremental: false)
            #expect(index.files[0]!.unsyncedBoot == BootSession.tag)
            #expect(index.files[0]!.validCount == 40 && index.isIndexed(row: 0))
        }
        // A crash of the system: the mark names an earlier boot.
        var other = (BootSession.tag ^ 0x5A5A).littleEndian
        try patch(path, at: IndexLayout.unsyncedBootOffset, withUnsafeBytes(of: &other) { Array($0) })
        do {
            let index = try DatabaseIndex(database: try Database(path: dir + "/db"), incremental: false)
            #expect(!index.files[0]!.trusted && index.files[0]!.validCount == 0)
            #expect((0..<40).allSatisfy { !index.isIndexed(row: $0) })
            let all = try #require(index.boundsForAllRows(box: box, codes: codes))
            #expect(all.lower.allSatisfy { $0 == -1 })
            #expect(index.bounds(row: 3, box: box, codes: codes) == nil)
        }
        // A writer repairs it and rebuilds every mask.
        let summary = try IndexBuilder.build(databasePath: dir + "/db", bins: nil, cell: nil)
        #expect(summary.built == 65 && summary.alreadyIndexed == 0)
        do {
            let index = try DatabaseIndex(database: try Database(path: dir + "/db"), incremental: true)
            #expect(index.files[0]!.trusted && index.files[0]!.validCount == 40)
            #expect(index.files[0]!.unsyncedBoot == BootSession.tag)
            // Settling syncs the file and clears the mark; the bits stay.
            let lock = try DatabaseLock(directory: dir + "/db")
            try index.files[0]!.settle(force: true)
            lock.release()
            #expect(index.files[0]!.unsyncedBoot == 0 && index.files[0]!.validCount == 40)
        }
        let reopened = try DatabaseIndex(database: try Database(path: dir + "/db"), incremental: false)
        #expect(reopened.files[0]!.trusted && reopened.files[0]!.unsyncedBoot == 0 && reopened.isIndexed(row: 39))
    }

    /// A version-1 index file — write/read version 1, bytes 48..<60 zero, uint8 bins equal width
    /// over the codes — is read: its bits durable, its bounds computed with its own bin edges.
    @Test func versionOneIndexFilesAreRead() throws {
        let dir = NSTemporaryDirectory() + "ms-dbindex-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try database(dir)
        // 10 bins: edges 0, 26, 52, ... over the codes, 0, 26, 51, ... in value (v / 10).
        _ = try IndexBuilder.build(databasePath: dir + "/db", bins: 10, cell: 5)
        let db = try Database(path: dir + "/db")
        let path = try indexPath(dir)
        // Rewrite the file as version 1 would have: entries with the old uint8 bin edges.
        do {
            let f = try CHIFile(path: path, segment: db.segments[0], writable: true)
            let old = CHIGrid(height: 23, width: 37, cell: f.grid.cell, bins: f.grid.bins, pixelFormat: .uint8, codeEdges: true)
            #expect(old.edges != f.grid.edges)
            let builder = CHIBuilder(grid: old)
            var entries = [UInt8](repeating: 0, count: 40 * old.keyCount * 2)
            var buffer = [UInt8](repeating: 0, count: 23 * 37)
            for m in 0..<40 {
                try buffer.withUnsafeMutableBytes { try db.readPixels(row: m, rows: 0..<23, into: $0) }
                buffer.withUnsafeBytes { builder.build(codes: $0) }
                entries.withUnsafeMutableBytes { builder.copyEntries(to: $0.baseAddress! + m * old.keyCount * 2, width: 2) }
            }
            entries.withUnsafeBytes { f.store(masks: Array(0..<40), entries: $0) }
            try f.file.sync()
        }
        var head = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)).prefix(64))
        head[8] = 1; head[9] = 0; head[10] = 1; head[11] = 0
        for i in 48..<60 { head[i] = 0 }
        let crc = head.withUnsafeBytes { IndexHeader.checksum($0) }
        head[60] = UInt8(crc & 0xFF); head[61] = UInt8((crc >> 8) & 0xFF); head[62] = UInt8((crc >> 16) & 0xFF); head[63] = UInt8(crc >> 24)
        try patch(path, at: 0, head)
        let reopened = try Database(path: dir + "/db")
        let index = try DatabaseIndex(database: reopened, incremental: false)
        let f = try #require(index.files[0])
        #expect(f.trusted && f.unsyncedBoot == 0 && f.validCount == 40 && f.grid.codeEdges)
        // Bounds from the version-1 entries contain the exact CP, by every path.
        var rng = SplitMix64(seed: 17)
        var buffer = [UInt8](repeating: 0, count: 23 * 37)
        for _ in 0..<100 {
            let x0 = Int(rng.next() % 37), y0 = Int(rng.next() % 23)
            let box = PixelBox(x0: x0, y0: y0, x1: x0 + Int(rng.next() % 20) + 1, y1: y0 + Int(rng.next() % 12) + 1).clipped(width: 37, height: 23)
            let lv = Double(rng.next() % 256) / 255.0, uv = lv + Double(rng.next() % 128) / 255.0
            let codes = PixelFormat.uint8.codeInterval(lower: lv, upper: uv)
            let all = try #require(index.boundsForAllRows(box: box, codes: codes))
            let rows = Array(0..<40)
            let batch = index.bounds(rows: rows, boxes: rows.map { _ in box }, codes: codes)
            let refined = try #require(index.refinedBounds(rows: rows, boxes: rows.map { _ in box }, codes: codes))
            for row in rows {
                try buffer.withUnsafeMutableBytes { try reopened.readPixels(row: row, rows: 0..<23, into: $0) }
                var cp = 0
                for y in box.y0..<box.y1 { for x in box.x0..<box.x1 where codes.contains(UInt32(buffer[y * 37 + x])) { cp += 1 } }
                for (lo, hi) in [(all.lower[row], all.upper[row]), (batch.lower[row], batch.upper[row]), (refined.lower[row], refined.upper[row])] {
                    #expect(Int(lo) <= cp && cp <= Int(hi), "row \(row) box \(box) [\(lv), \(uv)): CP \(cp) outside \(lo)...\(hi)")
                }
            }
        }
    }
}
