import Foundation
import MaskSearchABI
import Testing

/// The "Sharded databases" block of masksearch.h: a sharded write run through the driver calls
/// (begin, plan, commit/rollback) with every shard written by `ms_shard_ingest`, partial queries
/// merged by `ms_merge_partials` equal to one database's `ms_query_json`, the partition rule.
@Suite struct ShardABITests {
    let n = 24, h = 6, w = 5

    var meta: String {
        "mask_id,image_id,label\n" + (0..<n).map { "\($0),\($0 / 2),\($0 % 3)" }.joined(separator: "\n") + "\n"
    }

    /// Calls `ms_shard_ingest` with the masks `rows` of `codes` and the plan's fields.
    func shardIngest(_ path: String, _ codes: [UInt8], rows: [Int], plan: [String: Any], shard: Int, error: CError) -> String? {
        let part = rows.flatMap { codes[($0 * h * w)..<(($0 + 1) * h * w)] }
        let metaTexts = plan["meta_csv"] as? [Any] ?? []
        guard let csv = metaTexts[shard] as? String,
              let columns = try? JSONSerialization.data(withJSONObject: plan["extra_columns"] ?? []) else { return nil }
        let storage = Int32(plan["storage"] as? Int ?? -1), bandRows = Int32(plan["band_rows"] as? Int ?? 0)
        return part.withUnsafeBytes { data in
            let r = UnsafeMutableRawPointer.allocate(byteCount: IngestRequest.size, alignment: 8)
            defer { r.deallocate() }
            r.initializeMemory(as: UInt8.self, repeating: 0, count: IngestRequest.size)
            r.storeBytes(of: data.baseAddress, toByteOffset: IngestRequest.dataOffset, as: UnsafeRawPointer?.self)
            r.storeBytes(of: Int64(rows.count), toByteOffset: IngestRequest.countOffset, as: Int64.self)
            r.storeBytes(of: Int64(h), toByteOffset: IngestRequest.heightOffset, as: Int64.self)
            r.storeBytes(of: Int64(w), toByteOffset: IngestRequest.widthOffset, as: Int64.self)
            r.storeBytes(of: storage, toByteOffset: IngestRequest.storageOffset, as: Int32.self)
            return csv.withCString { m in
                r.storeBytes(of: m, toByteOffset: IngestRequest.metaOffset, as: UnsafePointer<CChar>?.self)
                return String(decoding: columns, as: UTF8.self).withCString {
                    take(ms_shard_ingest(path, UnsafeRawPointer(r), $0, bandRows, error.pointer))
                }
            }
        }
    }

    /// Begins a write, plans the ingest of `codes` with `meta`, writes every shard; the plan.
    func writeShards(_ sdb: String, _ codes: [UInt8], error: CError) -> (OpaquePointer?, [String: Any]) {
        let write = ms_shard_write_begin(sdb, error.pointer)
        let plan = object(take(ms_shard_write_plan(write, Int64(n), 0, -1, meta, error.pointer)))
        let shardOf = plan["shard_of"] as? [Int] ?? []
        let shards = object(take(ms_shard_write_map(write, error.pointer)))["shards"] as? [[String: Any]] ?? []
        for (s, shard) in shards.enumerated() {
            let rows = shardOf.indices.filter { shardOf[$0] == s }
            guard !rows.isEmpty, let path = shard["path"] as? String else { continue }
            #expect(object(shardIngest(path, codes, rows: rows, plan: plan, shard: s, error: error))["masks"] as? Int == rows.count)
        }
        return (write, plan)
    }

    /// The merged answer of `sql` over every shard holding masks.
    func merged(_ sdb: String, _ sql: String, error: CError) -> [[Any]]? {
        let shards = object(take(ms_shard_map(sdb, error.pointer)))["shards"] as? [[String: Any]] ?? []
        var partials: [[UInt8]] = []
        for shard in shards where shard["database"] as? Bool == true {
            let db = ms_open(shard["path"] as? String, 0, error.pointer)
            defer { ms_close(db) }
            var length: Int64 = 0
            guard let p = ms_query_partial(db, sql, 1, Int32(shards.count), &length, error.pointer) else { return nil }
            partials.append(Array(UnsafeRawBufferPointer(start: p, count: Int(length))))
            ms_free(p)
        }
        let buffers = partials.map { bytes -> UnsafeMutableRawPointer in
            let b = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 8)
            bytes.withUnsafeBytes { b.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
            return b
        }
        defer { buffers.forEach { $0.deallocate() } }
        let pointers: [UnsafeRawPointer?] = buffers.map { UnsafeRawPointer($0) }
        let lengths = partials.map { Int64($0.count) }
        let text = take(ms_merge_partials(sdb, sql, pointers, lengths, Int64(partials.count), 1.0, error.pointer))
        return object(text)["rows"] as? [[Any]]
    }

    @Test func shardedWriteAndMergedQueriesEqualOneDatabase() {
        let dir = ScratchDirectory()
        let e = CError()
        let sdb = dir.path + "/sdb"
        #expect((object(take(ms_shard_create(sdb, 4, e.pointer)))["shards"] as? [Any])?.count == 4)
        let codes = uint8Masks(count: n, height: h, width: w)
        let (write, plan) = writeShards(sdb, codes, error: e)
        #expect(plan["mask_ids"] as? [Int] == Array(0..<n))
        let committed = object(take(ms_shard_write_commit(write, e.pointer)))
        let counts = (committed["shards"] as? [[String: Any]] ?? []).compactMap { $0["masks"] as? Int }
        #expect(counts.reduce(0, +) == n && counts.filter { $0 > 0 }.count > 1)
        let one = ms_open(dir.db, 1, e.pointer)
        defer { ms_close(one) }
        _ = ingest(one, codes, count: Int64(n), height: Int64(h), width: Int64(w), type: 0, meta: meta, error: e)
        for sql in ["SELECT mask_id, CP(mask, full, 0.3, 0.7) AS v FROM masks ORDER BY v DESC LIMIT 7",
                    "SELECT label, COUNT(*) AS c, AVG(CP(mask, full, 0.5, 1.0)) AS a FROM masks GROUP BY label ORDER BY label",
                    "SELECT mask_id FROM masks WHERE CP(mask, full, 0.5, 1.0) > 12"] {
            let expected = rows(one, sql)
            let actual = merged(sdb, sql, error: e)
            #expect(actual != nil && expected != nil)
            #expect(actual.map { "\($0)" } == expected.map { "\($0)" }, "\(sql)")
        }
    }

    @Test func rolledBackWriteLeavesEveryShardAsItWas() {
        let dir = ScratchDirectory()
        let e = CError()
        let sdb = dir.path + "/sdb"
        _ = take(ms_shard_create(sdb, 3, e.pointer))
        // A shard's LOCK file is created by its first writer and stays (as in one database).
        func files() -> [[String]] { (0..<3).map { snapshot(sdb + "/shard-00\($0)").keys.filter { $0 != "LOCK" }.sorted() } }
        let before = files()
        let (write, _) = writeShards(sdb, uint8Masks(count: n, height: h, width: w), error: e)
        #expect(ms_shard_write_rollback(write, e.pointer) == 0)
        #expect(files() == before)
        let map = object(take(ms_shard_map(sdb, e.pointer)))
        #expect((map["shards"] as? [[String: Any]])?.allSatisfy { $0["masks"] as? Int == 0 && $0["database"] as? Bool == false } == true)
        let again = CError()
        #expect(merged(sdb, "SELECT mask_id FROM masks", error: again) == nil && again.kind == 2)
    }

    @Test func partitionRuleMatchesTheFormatsVectors() {
        let ids: [Int64] = [0, 1, 2, 42, -1]
        var out = [Int32](repeating: -1, count: ids.count)
        let e = CError()
        #expect(ms_shard_of(ids, Int64(ids.count), 4, &out, e.pointer) == 0 && out == [3, 1, 2, 1, 0])
        #expect(ms_shard_of(ids, Int64(ids.count), 3, &out, e.pointer) == 0 && out == [1, 2, 1, 1, 2])
        #expect(ms_shard_of(ids, 1, 0, &out, e.pointer) == -1 && e.kind == 2)
    }
}
