#if canImport(Glibc)
import Glibc
#endif
import MaskFormat
import MaskQuery
import MaskStorage

/// The C ABI of sharded databases, read side (masksearch.h, "Sharded databases"): create a
/// sharded directory, read its map, partition image ids, run one shard's partial plan
/// (`QuerySession.runPartial`, bytes of `ShardPartial.encoded()`), and merge partials run
/// anywhere (Ray tasks) with the engine's merge (`ShardMerge`) into the CLI's JSON.

/// `char *ms_shard_create(const char *path, int32_t shards, ms_error *)`: a new sharded database
/// (`ShardedDatabase.create`); returns the map as `ms_shard_map` does.
@_cdecl("ms_shard_create")
public func ms_shard_create(_ path: UnsafePointer<CChar>?, _ shards: Int32,
                            _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let directory = try ExportCall.text(path, "ms_shard_create", "path")
        let map = try ShardedDatabase.create(at: directory, shards: Int(shards))
        return ShardMapJSON.text(map, directory: directory)
    }
}

/// `char *ms_shard_map(const char *path, ms_error *)`: the shard map of a sharded database that
/// no write is changing (`ShardedDatabase.readClean`: waits for a writer, recovers a dead one's
/// journal) as JSON: {"epoch", "rule", "shards": [{"name", "path", "masks", "database"}]}.
@_cdecl("ms_shard_map")
public func ms_shard_map(_ path: UnsafePointer<CChar>?, _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let directory = try ExportCall.text(path, "ms_shard_map", "path")
        guard ShardMap.exists(at: directory) else {
            throw StorageError.notADatabase(path: directory, reason: "no \(ShardMapLayout.fileName) (not a sharded database)")
        }
        return ShardMapJSON.text(try ShardedDatabase.readClean(directory), directory: directory)
    }
}

/// `int32_t ms_shard_of(const int64_t *image_ids, int64_t count, int32_t shard_count, int32_t *out,
/// ms_error *)`: the shard of each image id (`PartitionRule.splitMix64`). O(count).
@_cdecl("ms_shard_of")
public func ms_shard_of(_ ids: UnsafePointer<Int64>?, _ count: Int64, _ shardCount: Int32, _ out: UnsafeMutablePointer<Int32>?,
                        _ error: UnsafeMutableRawPointer?) -> Int32 {
    ExportCall.run(error, failure: -1) { () throws -> Int32 in
        guard count >= 0, (1...Int32(ShardMapLayout.maximumShards)).contains(shardCount) else {
            throw ABIError.argument("ms_shard_of", "count \(count) or shard_count \(shardCount) out of range")
        }
        guard count > 0 else { return 0 }
        guard let ids, let out else { throw ABIError.argument("ms_shard_of", "image_ids or out is NULL") }
        for i in 0..<Int(count) {
            out[i] = Int32(PartitionRule.splitMix64.shard(ofImage: ids[i], count: Int(shardCount)))
        }
        return 0
    }
}

/// `void *ms_query_partial(ms_database *, const char *sql, int32_t use_index, int32_t shard_count,
/// int64_t *length, ms_error *)`: runs `sql` on the handle's database as one shard of
/// `shard_count` (`QuerySession.runPartial` on a pooled session) and returns the bytes of its
/// `ShardPartial` (malloc'd, `*length` bytes; free with `ms_free`).
@_cdecl("ms_query_partial")
public func ms_query_partial(_ database: OpaquePointer?, _ sql: UnsafePointer<CChar>?, _ useIndex: Int32, _ shardCount: Int32,
                             _ length: UnsafeMutablePointer<Int64>?, _ error: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    ExportCall.run(error, failure: nil) { () throws -> UnsafeMutableRawPointer? in
        let handle = try DatabaseHandle.from(database, "ms_query_partial")
        let text = try ExportCall.text(sql, "ms_query_partial", "sql")
        guard let length else { throw ABIError.argument("ms_query_partial", "length is NULL") }
        guard shardCount >= 1 else { throw ABIError.argument("ms_query_partial", "shard_count \(shardCount) is not >= 1") }
        let partial = try handle.read { pool in
            try pool.withSession(useIndex: useIndex != 0) { try $0.runPartial(text, shardCount: Int(shardCount)) }
        }
        let bytes = partial.encoded()
        guard let copy = malloc(max(bytes.count, 1)) else { throw ABIError(.internal, "error: out of memory") }
        bytes.withUnsafeBytes { raw in if let base = raw.baseAddress { copy.copyMemory(from: base, byteCount: raw.count) } }
        length.pointee = Int64(bytes.count)
        return copy
    }
}

/// `char *ms_merge_partials(const char *path, const char *sql, const void *const *partials,
/// const int64_t *lengths, int64_t count, double elapsed_ms, ms_error *)`: merges the partials
/// of every shard holding masks (`ShardMerge.merge`) into the JSON of `query --format json`.
/// The schema is read from a shard of `path` (any: shards share columns and ROI sets). The
/// partials must cover the map's masks exactly (their masks_total summed equals the map's
/// count; else a shard is missing or changed: an internal error, never a partial answer).
/// - Complexity: decoding O(bytes) plus the merge's.
@_cdecl("ms_merge_partials")
public func ms_merge_partials(_ path: UnsafePointer<CChar>?, _ sql: UnsafePointer<CChar>?,
                              _ partials: UnsafePointer<UnsafeRawPointer?>?, _ lengths: UnsafePointer<Int64>?, _ count: Int64,
                              _ elapsedMs: Double, _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let f = "ms_merge_partials"
        let directory = try ExportCall.text(path, f, "path")
        let text = try ExportCall.text(sql, f, "sql")
        guard count >= 0, count == 0 || (partials != nil && lengths != nil) else { throw ABIError.argument(f, "bad partials") }
        var decoded: [ShardPartial] = []
        for i in 0..<Int(count) {
            guard let base = partials?[i], let n = lengths?[i], n >= 0 else { throw ABIError.argument(f, "partial \(i) is NULL") }
            let bytes = Array(UnsafeRawBufferPointer(start: base, count: Int(n)))
            decoded.append(try ShardPartial(encoded: bytes, source: "partial \(i)"))
        }
        let map = try ShardedDatabase.readClean(directory)
        guard let first = map.shardNames.indices.first(where: { Database.exists(at: map.shardPath(directory, $0)) }) else {
            throw StorageError.notADatabase(path: directory, reason: "the sharded database holds no masks yet")
        }
        let expected = map.maskCounts.reduce(0, +)
        let covered = decoded.reduce(0) { $0 + $1.stats.masksTotal }
        guard covered == expected else {
            throw ABIError(.internal, "error: \(directory): the partials cover \(covered) masks, the shard map holds \(expected): a shard is missing or changed (no partial answer)")
        }
        let schema = try Database(path: map.shardPath(directory, first))
        let result = try ShardMerge.merge(sql: text, schema: schema, shardCount: map.shardNames.count, partials: decoded,
                                          elapsedMilliseconds: elapsedMs)
        return ResultFormatter.format(result, as: .json)
    }
}

/// The JSON of a shard map (`ms_shard_map`, `ms_shard_create`, `ms_shard_write_map`).
enum ShardMapJSON {
    static func text(_ map: ShardMap, directory: String) -> String {
        let shards: [JSONField] = map.shardNames.indices.map { i in
            let path = map.shardPath(directory, i)
            return .object([("name", .string(map.shardNames[i])), ("path", .string(path)),
                            ("masks", .int(map.maskCounts[i])), ("database", .bool(Database.exists(at: path)))])
        }
        return JSONField.object([("epoch", .int(Int(truncatingIfNeeded: map.epoch))), ("rule", .string("splitmix64")),
                                 ("shards", .array(shards))]).text
    }
}
