import Foundation
import MaskIndex
import MaskStorage
import Testing
@testable import MaskQuery

/// Indexing after the answer (`QuerySession.deferIndexing`, what `masksearch query` does): a
/// query notes the masks it would index and stores nothing; `finishIndexing` then indexes
/// exactly the masks a synchronous session indexes, and the answers never differ.
@Suite struct DeferredIndexingTests {
    @Test func deferredSessionsIndexWhatSynchronousOnesDoAfterTheAnswer() throws {
        let dir = NSTemporaryDirectory() + "ms-deferred-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try IncrementalDeltaTests().databases(dir, names: ["deferred", "sync"])
        // Index version 3's delta capacity (one mask in 16), so that the region fills and merges.
        for name in ["deferred", "sync"] {
            _ = try DatabaseIndex.createEmptyFiles(database: try Database(path: dir + "/" + name), deltaCapacity: { ($0 + 15) / 16 })
        }
        func indexed(_ name: String) throws -> [Bool] {
            guard let d = try? Database(path: dir + "/" + name), d.manifest.segments.contains(where: { $0.indexFile != nil }) else {
                return Array(repeating: false, count: 300)
            }
            let index = try DatabaseIndex(database: d, incremental: false)
            return (0..<300).map { index.isIndexed(row: $0) }
        }
        let scan = try QuerySession(path: dir + "/sync", useIndex: false)
        // Disjoint groups in scattered order, then revisits; delta capacity 19 records, so the
        // region fills and merges in both databases.
        let groups = [7, 2, 11, 0, 9, 4, 10, 1, 6, 3, 8, 5].map { $0 * 24 + 5 }
        for (i, g) in (groups + groups.prefix(4)).enumerated() {
            let sql = "SELECT mask_id FROM masks WHERE mask_id BETWEEN \(g) AND \(g + 11) AND CP(mask, (8, 8, 50, 40), 0.5, 1.0) > \(100 + 37 * i % 300)"
            let before = try indexed("deferred")
            let deferred = try QuerySession(path: dir + "/deferred")
            deferred.deferIndexing = true
            let a = try deferred.run(sql)
            // Nothing stored before `finishIndexing`: the answer did not wait for the index.
            let afterAnswer = try indexed("deferred")
            #expect(afterAnswer == before, "\(sql)")
            let finished = try deferred.finishIndexing()
            let b = try QuerySession(path: dir + "/sync").run(sql)
            let full = try scan.run(sql).rows
            #expect(a.rows == b.rows && a.rows == full, "\(sql)")
            #expect(a.stats.newlyIndexed == b.stats.newlyIndexed && finished.masks == a.stats.newlyIndexed && a.stats.verified == b.stats.verified,
                    "\(sql): \(a.stats) vs \(b.stats), built \(finished.masks)")
            let (held, heldSync) = (try indexed("deferred"), try indexed("sync"))
            #expect(held == heldSync && held.filter { $0 }.count > 0, "\(sql)")
        }
    }

    @Test func aDeferredSessionWithoutFinishingStoresNothing() throws {
        let dir = NSTemporaryDirectory() + "ms-deferred-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try IncrementalDeltaTests().databases(dir, names: ["db"], n: 40)
        let session = try QuerySession(path: dir + "/db")
        session.deferIndexing = true
        let r = try session.run("SELECT mask_id FROM masks WHERE CP(mask, full, 0.5, 1.0) > 100")
        #expect(r.stats.verified == 40 && r.stats.newlyIndexed == 40)
        // No index file was created: the query itself writes nothing.
        #expect(try Database(path: dir + "/db").manifest.segments.allSatisfy { $0.indexFile == nil })
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/db").allSatisfy { !$0.hasSuffix(".chi") })
    }
}
