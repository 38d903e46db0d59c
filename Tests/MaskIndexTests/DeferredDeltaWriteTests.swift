import Foundation
import MaskFormat
import MaskStorage
import Testing
@testable import MaskIndex

/// Indexing after the answer when the masks' index files exist with room in their delta
/// regions (`IndexWriter.storeIntoDelta`): the cores write the records themselves, under the
/// database lock, and publish them at the end. The records equal a bulk build's entries; a
/// failed read publishes nothing; too few free slots fall back to the pending entries, which
/// `flush` merges into the columns.
@Suite struct DeferredDeltaWriteTests {
    /// `DatabaseIndexTests`' two segments (40 and 25 random 23×37 masks; the first indexed in
    /// bulk with bins 8, cell 5 unless `indexFirst` is false), an empty index file of `capacity`
    /// delta records (at most its masks) for each segment without one, and a copy of the
    /// database in `dir/bulk` whose every segment is indexed in bulk with the same parameters.
    func databases(_ dir: String, capacity: Int, indexFirst: Bool = true) throws -> (path: String, bulk: DatabaseIndex) {
        let db = try DatabaseIndexTests().database(dir, indexFirst: indexFirst)
        try FileManager.default.copyItem(atPath: dir + "/db", toPath: dir + "/bulk")
        // The parameters the empty files get: the first segment's, else the defaults.
        let p = db.manifest.index ?? .defaults(height: db.height, width: db.width)
        _ = try IndexBuilder.build(databasePath: dir + "/bulk", bins: p.bins, cell: p.cell)
        _ = try DatabaseIndex.createEmptyFiles(database: db, deltaCapacity: { min(capacity, $0) })
        return (dir + "/db", try DatabaseIndex(database: try Database(path: dir + "/bulk"), incremental: false))
    }

    /// A writer that defers, with `rows` noted; the rows it noted.
    func noted(_ path: String, rows: [Int]) throws -> (DatabaseIndex, [Int]) {
        let index = try DatabaseIndex(database: try Database(path: path), incremental: true)
        index.defersIndexing = true
        return (index, rows.filter { index.deferIndexing(row: $0) })
    }

    func withDirectory(_ body: (String) throws -> Void) throws {
        let dir = NSTemporaryDirectory() + "ms-deferred-delta-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    @Test func recordsWrittenByTheCoresEqualABulkBuildsEntries() throws {
        try withDirectory { dir in
            let (path, bulk) = try databases(dir, capacity: 25)
            // Rows 3 and 10 are in the bulk-indexed first segment: not noted.
            let (index, rows) = try noted(path, rows: [3, 10] + Array(stride(from: 41, to: 65, by: 2)))
            #expect(rows == Array(stride(from: 41, to: 65, by: 2)))
            #expect(try index.indexDeferred() == rows.count)
            // Stored by `indexDeferred` itself: nothing waits for `flush`.
            #expect(!index.hasPendingEntries && index.newlyIndexed == rows.count)
            let after = try DatabaseIndex(database: try Database(path: path), incremental: false)
            let file = try #require(after.files[1]), reference = try #require(bulk.files[1])
            #expect(file.deltaDirectory()?.storedCount == rows.count && file.validCount == 0)
            for local in 0..<25 {
                let entries = file.indexedEntries(mask: local)
                if rows.contains(40 + local) {
                    #expect(entries != nil && entries == reference.indexedEntries(mask: local), "mask \(local)")
                } else {
                    #expect(entries == nil, "mask \(local)")
                }
            }
            // A second round appends after the first records.
            let (again, more) = try noted(path, rows: [40, 42, 41])
            let built = try again.indexDeferred()
            #expect(more == [40, 42] && built == 2)
            let last = try #require(try DatabaseIndex(database: try Database(path: path), incremental: false).files[1])
            #expect(last.deltaDirectory()?.storedCount == rows.count + 2)
            #expect(last.indexedEntries(mask: 2) == reference.indexedEntries(mask: 2))
        }
    }

    /// Masks of both segments, more than the cores' share of one run each: each core writes runs
    /// of consecutive slots with one `pwritev`, a run crossing from the first segment's file to
    /// the second's (17 masks of the first: any run of 2–5 crosses). Every record equals the
    /// bulk build's entries, in both files.
    @Test func runsOfRecordsAcrossTwoFilesEqualABulkBuildsEntries() throws {
        try withDirectory { dir in
            let (path, bulk) = try databases(dir, capacity: 40, indexFirst: false)
            let wanted = Array(23..<63)
            let (index, rows) = try noted(path, rows: wanted)
            #expect(rows == wanted)
            #expect(try index.indexDeferred() == 40 && !index.hasPendingEntries)
            let after = try DatabaseIndex(database: try Database(path: path), incremental: false)
            for (s, locals) in [(0, 23..<40), (1, 0..<23)] {
                let file = try #require(after.files[s]), reference = try #require(bulk.files[s])
                #expect(file.deltaDirectory()?.storedCount == locals.count, "segment \(s)")
                for local in 0..<file.header.maskCount {
                    let entries = file.indexedEntries(mask: local)
                    if locals.contains(local) {
                        #expect(entries != nil && entries == reference.indexedEntries(mask: local), "segment \(s), mask \(local)")
                    } else {
                        #expect(entries == nil, "segment \(s), mask \(local)")
                    }
                }
            }
        }
    }

    @Test func aFailedReadPublishesNothing() throws {
        try withDirectory { dir in
            let (path, _) = try databases(dir, capacity: 25)
            let (index, rows) = try noted(path, rows: Array(40..<65))
            #expect(rows.count == 25)
            // A flipped byte in the last band of mask 20 of the second segment.
            let db = try Database(path: path)
            let segment = db.segments[1]
            let block = segment.block(20 * segment.header.bandsPerMask + segment.header.bandsPerMask - 1)
            var data = try Data(contentsOf: URL(fileURLWithPath: segment.path))
            data[Int(block.payloadOffset)] ^= 0x5A
            try data.write(to: URL(fileURLWithPath: segment.path))
            #expect(throws: StorageError.self) { _ = try index.indexDeferred() }
            let after = try #require(try DatabaseIndex(database: try Database(path: path), incremental: false).files[1])
            #expect(after.deltaDirectory()?.storedCount == 0 && after.indexedCount == 0)
        }
    }

    @Test func tooFewFreeSlotsFallBackToThePendingEntries() throws {
        try withDirectory { dir in
            let (path, bulk) = try databases(dir, capacity: 4)
            let (index, rows) = try noted(path, rows: Array(50..<60))
            let built = try index.indexDeferred()
            #expect(rows.count == 10 && built == 10)
            #expect(index.hasPendingEntries)
            try index.flush()
            let after = try #require(try DatabaseIndex(database: try Database(path: path), incremental: false).files[1])
            let reference = try #require(bulk.files[1])
            #expect(after.validCount == 10 && (after.deltaDirectory()?.storedCount ?? 0) == 0)
            #expect((10..<20).allSatisfy { after.indexedEntries(mask: $0) == reference.indexedEntries(mask: $0) })
        }
    }
}
