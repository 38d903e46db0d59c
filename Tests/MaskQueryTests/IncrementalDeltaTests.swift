import Foundation
import MaskFormat
import MaskIndex
import MaskStorage
import MaskTestSupport
import Testing
@testable import MaskQuery

/// Incremental indexing through real queries (QuerySession) on an index file with a delta
/// region: each small query indexes every mask it reads, later queries use those entries, and
/// the answers equal the full scan's and a bulk-built index's.
@Suite struct IncrementalDeltaTests {
    /// `n` 64×64 uint8 blob masks ingested into `dir/name` for each name.
    func databases(_ dir: String, names: [String], n: Int = 300) throws {
        var rng = SplitMix64(seed: 77)
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(n), 64, 64), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        for _ in 0..<n {
            let cy = Double(rng.next() % 64), cx = Double(rng.next() % 64), s = Double(rng.next() % 16 + 4)
            for y in 0..<64 {
                for x in 0..<64 {
                    let d = (Double(y) - cy) * (Double(y) - cy) + (Double(x) - cx) * (Double(x) - cx)
                    bytes.append(UInt8(255 * exp(-d / (2 * s * s))))
                }
            }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/in.npy"))
        for name in names { _ = try Ingester.ingest(into: dir + "/" + name, inputs: [dir + "/in.npy"], options: .init()) }
    }

    @Test func smallQueriesIndexAllTheyReadAndLaterQueriesUseIt() throws {
        let dir = NSTemporaryDirectory() + "ms-incdelta-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try databases(dir, names: ["ii", "bulk"])
        // Index version 3's delta capacity (one mask in 16), so that the region fills and merges.
        _ = try DatabaseIndex.createEmptyFiles(database: try Database(path: dir + "/ii"), deltaCapacity: { ($0 + 15) / 16 })
        _ = try IndexBuilder.build(databasePath: dir + "/bulk", bins: nil, cell: nil)
        // Each query in a fresh session, as each `masksearch query` process (a session's
        // database is a snapshot: it does not see index files created after it opened).
        func ii(_ sql: String) throws -> QueryResult { try QuerySession(path: dir + "/ii").run(sql) }
        let bulk = try QuerySession(path: dir + "/bulk")
        let scan = try QuerySession(path: dir + "/ii", useIndex: false)
        var read = Set<Int>()
        // Twelve disjoint groups of 12 consecutive masks in scattered order, then four revisits
        // (delta capacity: ceil(300 / 16) = 19 records, so the region fills and merges).
        let groups = [7, 2, 11, 0, 9, 4, 10, 1, 6, 3, 8, 5].map { $0 * 24 + 5 }
        for (i, g) in (groups + groups.prefix(4)).enumerated() {
            let sql = "SELECT mask_id FROM masks WHERE mask_id BETWEEN \(g) AND \(g + 11) AND CP(mask, (8, 8, 50, 40), 0.5, 1.0) > \(100 + 37 * i % 300)"
            let r = try ii(sql)
            let revisit = read.contains(g)
            #expect(r.stats.newlyIndexed == (revisit ? 0 : r.stats.verified) && (revisit || r.stats.verified == 12), "\(sql): \(r.stats)")
            let (full, bulkRows) = (try scan.run(sql).rows, try bulk.run(sql).rows)
            #expect(r.rows == full && r.rows == bulkRows, "\(sql)")
            read.formUnion(g...(g + 11))
        }
        let index = try DatabaseIndex(database: try Database(path: dir + "/ii"), incremental: false)
        #expect((0..<300).allSatisfy { index.isIndexed(row: $0) == read.contains($0) })
        // A later query over indexed masks decides as the bulk index does: the same reads.
        for g in groups.prefix(4) {
            let sql = "SELECT mask_id FROM masks WHERE mask_id BETWEEN \(g) AND \(g + 11) AND CP(mask, (0, 0, 64, 64), 0.5, 1.0) > 200"
            let (a, b) = (try ii(sql), try bulk.run(sql))
            #expect(a.rows == b.rows && a.stats.verified == b.stats.verified && a.stats.newlyIndexed == 0, "\(a.stats) vs \(b.stats)")
        }
    }
}
