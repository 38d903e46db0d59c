import Foundation
import MaskTestSupport
import Testing

/// Sharded databases through the real binary (CONTRACT.md section 10): `shard create`, `ingest`,
/// `roi`, `index`, `query` on a sharded directory give one database's rows; a removed or damaged
/// shard or shard map is an error (exit 1), never a partial answer; a failed sharded ingest leaves
/// every shard as it was.
@Suite struct ShardCLITests {
    static let queries = [
        "SELECT mask_id FROM masks WHERE CP(mask, (8, 8, 40, 40), 0.5, 1.0) > 300",
        "SELECT mask_id, CP(mask, full, 0.2, 0.6) AS v FROM masks ORDER BY v DESC LIMIT 7",
        "SELECT mask_id, score FROM masks WHERE CP(mask, object, 0.9, 1.0) < 100 AND mask_id > 20 LIMIT 9",
        "SELECT image_id, AVG(CP(mask, full, 0.7, 1.0)) AS a FROM masks GROUP BY image_id ORDER BY a ASC LIMIT 5",
        "SELECT tag, COUNT(*), SUM(score), AVG(CP(mask, object, 0.5, 1.0)) AS a, MAX(score) FROM masks GROUP BY tag HAVING COUNT(*) > 3 ORDER BY a DESC",
        "SELECT COUNT(*), MIN(score), AVG(score) FROM masks WHERE mask_type = 1",
        "SELECT image_id, CP(INTERSECT(mask > 0.5), object, 0.5, 1.0) AS i FROM masks GROUP BY image_id ORDER BY i DESC LIMIT 4",
    ]

    /// 160 masks of 60 images with metadata (INT64, FLOAT64 and TEXT extras) and object boxes.
    func inputs(_ s: Scratch) throws {
        try writeNpyU8(s.path + "/m.npy", n: 160, h: 48, w: 48, seed: 5)
        var meta = "mask_id,image_id,model_id,mask_type,score,tag\n"
        for i in 0..<160 {
            meta += "\(1000 + i),\(i % 60),\(i % 3),\(i % 2),\(Double(i % 17) * 0.1 + (i % 5 == 0 ? 1e15 : 0)),t\(i % 7)\n"
        }
        try meta.write(toFile: s.path + "/meta.csv", atomically: true, encoding: .utf8)
        var rois = "image_id,x0,y0,x1,y1\n"
        for i in 0..<60 { rois += "\(i),\(i % 9),\(i % 5),\(20 + i % 20),\(30 + i % 13)\n" }
        try rois.write(toFile: s.path + "/rois.csv", atomically: true, encoding: .utf8)
    }

    func run(_ args: [String], status: Int32 = 0) throws -> CLI.Result {
        let r = try CLI.run(args)
        #expect(r.status == status, "\(args): \(r.stderr)")
        return r
    }

    func build(_ s: Scratch, shards: Int?) throws -> String {
        let db = s.path + (shards.map { "/s\($0)" } ?? "/one")
        if let shards { try run(["shard", "create", db, "--shards", String(shards)]) }
        try run(["ingest", db, s.path + "/m.npy", "--meta", s.path + "/meta.csv"])
        try run(["roi", db, "object", s.path + "/rois.csv"])
        return db
    }

    func rows(_ db: String, _ sql: String, noIndex: Bool = false) throws -> TinyJSON? {
        let r = try run(["query", db, sql, "--format", "json"] + (noIndex ? ["--no-index"] : []))
        return try TinyJSON.parse(r.stdout)["rows"]
    }

    @Test func shardedDatabaseAnswersAsOneDatabase() throws {
        let s = Scratch()
        try inputs(s)
        let one = try build(s, shards: nil)
        let expected = try Self.queries.map { try rows(one, $0, noIndex: true) }
        for n in [1, 2, 4] {
            let db = try build(s, shards: n)
            for (q, e) in zip(Self.queries, expected) { #expect(try rows(db, q, noIndex: true) == e, "\(n) shards: \(q)") }
            try run(["index", db])
            for (q, e) in zip(Self.queries, expected) { #expect(try rows(db, q) == e, "\(n) shards, indexed: \(q)") }
            // A second ingest without --meta continues mask_ids over all shards.
            try run(["ingest", db, s.path + "/m.npy"])
            let count = try rows(db, "SELECT COUNT(*), MIN(mask_id), MAX(mask_id) FROM masks")
            #expect(count == .array([.array([.int(320), .int(1000), .int(1319)])]), "\(n) shards")
            // Each shard is an ordinary database.
            try run(["query", db + "/shard-000", "SELECT COUNT(*) FROM masks"])
        }
    }

    @Test func maskAggregateOverOtherKeysIsRefused() throws {
        let s = Scratch()
        try inputs(s)
        let db = try build(s, shards: 2)
        let r = try run(["query", db, "SELECT tag, CP(UNION(mask > 0.5), full, 0.5, 1.0) FROM masks GROUP BY tag"], status: 2)
        #expect(r.stderr.contains("mask aggregate") && r.stdout.isEmpty)
    }

    @Test func removedOrDamagedShardIsAnError() throws {
        let s = Scratch()
        try inputs(s)
        let db = try build(s, shards: 4)
        let sql = "SELECT COUNT(*) FROM masks"
        try FileManager.default.removeItem(atPath: db + "/shard-001/MANIFEST")
        #expect(try run(["query", db, sql], status: 1).stdout.isEmpty)
        try FileManager.default.removeItem(atPath: db + "/shard-001")
        #expect(try run(["query", db, sql], status: 1).stderr.contains("shard-001"))
        let db2 = try build(s, shards: 2)
        var map = try Data(contentsOf: URL(fileURLWithPath: db2 + "/SHARDS"))
        map[20] ^= 0x01
        try map.write(to: URL(fileURLWithPath: db2 + "/SHARDS"))
        #expect(try run(["query", db2, sql], status: 1).stderr.contains("checksum"))
        #expect(try run(["dump", db2 + "/SHARDS"], status: 1).stdout.contains("checksum"))
    }

    /// Float32 masks, one of them NaN: the shard that gets it fails after others may have
    /// committed; every shard must be as it was.
    @Test func failedShardedIngestLeavesEveryShardAsItWas() throws {
        let s = Scratch()
        try inputs(s)
        let db = try build(s, shards: 4)
        let n = 40, h = 48, w = 48
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(n), \(h), \(w)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        for i in 0..<(n * h * w) {
            let v: Float = i == 37 * h * w + 5 ? .nan : 0.5
            withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        try data.write(to: URL(fileURLWithPath: s.path + "/bad.npy"))
        func snapshot() throws -> [String: Data] {
            var out: [String: Data] = [:]
            for shard in try FileManager.default.contentsOfDirectory(atPath: db) where shard.hasPrefix("shard-") {
                for f in try FileManager.default.contentsOfDirectory(atPath: db + "/" + shard) where f != "LOCK" {
                    out[shard + "/" + f] = try Data(contentsOf: URL(fileURLWithPath: db + "/" + shard + "/" + f))
                }
            }
            return out
        }
        let before = try snapshot()
        let r = try run(["ingest", db, s.path + "/bad.npy"], status: 2)
        #expect(r.stderr.contains("NaN") || r.stderr.contains("nan"), "\(r.stderr)")
        #expect(try snapshot() == before)
        #expect(try rows(db, "SELECT COUNT(*) FROM masks") == .array([.array([.int(160)])]))
        #expect(!FileManager.default.fileExists(atPath: db + "/.ingest-tmp"))
    }

    @Test func createRefusesBadArguments() throws {
        let s = Scratch()
        try run(["shard", "create", s.path + "/x", "--shards", "0"], status: 2)
        try "x".write(toFile: s.path + "/file", atomically: true, encoding: .utf8)
        try run(["shard", "create", s.path + "/file", "--shards", "2"], status: 2)
        try run(["query", s.path + "/x", "SELECT 1"], status: 2)
    }
}
