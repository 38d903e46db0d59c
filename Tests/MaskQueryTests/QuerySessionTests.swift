import Foundation
import Testing
@testable import MaskQuery

/// A session kept across queries (the server, a Python connection) sees the index files its
/// own first query created: the snapshot is reopened after that flush.
@Suite struct QuerySessionTests {
    @Test func aLongLivedSessionUsesTheIndexItsFirstQueryCreated() throws {
        let dir = NSTemporaryDirectory() + "ms-session-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try IncrementalDeltaTests().databases(dir, names: ["db"], n: 200)
        let session = try QuerySession(path: dir + "/db")
        let scan = try QuerySession(path: dir + "/db", useIndex: false)
        let sql = "SELECT mask_id FROM masks WHERE CP(mask, (8, 8, 50, 40), 0.5, 1.0) > 120"
        let first = try session.run(sql)
        #expect(first.stats.verified == 200 && first.stats.newlyIndexed == 200, "\(first.stats)")
        let second = try session.run(sql)
        #expect(second.stats.newlyIndexed == 0)
        #expect(second.stats.verified < first.stats.verified, "the second query read \(second.stats.verified) masks: the index was not used")
        let full = try scan.run(sql)
        #expect(second.rows == first.rows && second.rows == full.rows)
    }
}
