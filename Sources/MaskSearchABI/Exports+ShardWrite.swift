import Foundation
import MaskFormat
import MaskStorage

/// The C ABI of sharded writes by several processes (masksearch.h, "Sharded databases";
/// Format/shards.md): the driver begins a write (`ms_shard_write_begin`: root LOCK, journal),
/// plans an ingest (`ms_shard_write_plan`), the shards are written by any processes
/// (`ms_shard_ingest`, or `ms_open` + `ms_load_rois`/`ms_index` on a shard's path), and the
/// driver commits (`ms_shard_write_commit`) or rolls back every shard (`ms_shard_write_rollback`).
/// If the driver dies, the next writer or reader rolls the journal back.

/// `ms_shard_write *ms_shard_write_begin(const char *path, ms_error *)`.
@_cdecl("ms_shard_write_begin")
public func ms_shard_write_begin(_ path: UnsafePointer<CChar>?, _ error: UnsafeMutableRawPointer?) -> OpaquePointer? {
    ExportCall.run(error, failure: nil) { () throws -> OpaquePointer? in
        try ShardWriteHandle(directory: try ExportCall.text(path, "ms_shard_write_begin", "path")).opaque
    }
}

/// `char *ms_shard_write_map(ms_shard_write *, ms_error *)`: the map as the write sees it (the
/// JSON of `ms_shard_map`), without waiting for the lock this process holds.
@_cdecl("ms_shard_write_map")
public func ms_shard_write_map(_ write: OpaquePointer?, _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let handle = try ShardWriteHandle.from(write, "ms_shard_write_map")
        return try handle.use { ShardMapJSON.text(handle.write.map, directory: handle.write.directory) }
    }
}

/// `char *ms_shard_write_plan(ms_shard_write *, int64_t count, int32_t element_type, int32_t storage,
/// const char *meta_csv, ms_error *)`: plans an ingest of `count` masks (`ShardedIngest.plan`) and
/// returns {"storage": ms_dtype, "band_rows": n, "extra_columns": [{"name", "type"}],
/// "mask_ids": [...], "shard_of": [...], "meta_csv": [text or null per shard]}.
@_cdecl("ms_shard_write_plan")
public func ms_shard_write_plan(_ write: OpaquePointer?, _ count: Int64, _ elementType: Int32, _ storage: Int32,
                                _ metaCSV: UnsafePointer<CChar>?, _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let handle = try ShardWriteHandle.from(write, "ms_shard_write_plan")
        guard storage == -1 || (0..<3).contains(storage), (0..<4).contains(elementType) else {
            throw ABIError.argument("ms_shard_write_plan", "element_type \(elementType) or storage \(storage) is not an ms_dtype")
        }
        let plan = try handle.use { () throws -> ShardedIngest.Plan in
            try ShardedIngest.plan(handle.write, count: Int(count), metaCSV: metaCSV.map { String(cString: $0) },
                                   uint8Input: elementType == 0,
                                   pixelFormat: storage < 0 ? nil : IngestRequest.storageFormats[Int(storage)])
        }
        let dtype = IngestRequest.storageFormats.firstIndex(of: plan.pixelFormat) ?? 2
        return JSONField.object([
            ("storage", .int(dtype)), ("band_rows", .int(plan.bandRows)),
            ("extra_columns", .array(plan.extraColumns.map { .object([("name", .string($0.name)), ("type", .string($0.type.description))]) })),
            ("mask_ids", .array(plan.maskIDs.map { .int(Int($0)) })), ("shard_of", .array(plan.shardOf.map { .int($0) })),
            ("meta_csv", .array(plan.metaCSV.map { $0.map(JSONField.string) ?? .null })),
        ]).text
    }
}

/// `char *ms_shard_ingest(const char *shard_path, const ms_ingest_request *, const char *extra_columns,
/// int32_t band_rows, ms_error *)`: one shard writer's part of a planned ingest
/// (`ShardedIngest.ingestPart`): the request's masks with its `meta_csv` (the plan's text for this
/// shard) and `storage` (the plan's), the plan's `extra_columns` as JSON text and band rows.
/// Returns the summary of `ms_ingest`.
@_cdecl("ms_shard_ingest")
public func ms_shard_ingest(_ shardPath: UnsafePointer<CChar>?, _ request: UnsafeRawPointer?, _ extraColumns: UnsafePointer<CChar>?,
                            _ bandRows: Int32, _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let f = "ms_shard_ingest"
        let shard = try ExportCall.text(shardPath, f, "shard_path")
        let r = try IngestRequest(request)
        guard case .text(let csv, _)? = r.options.meta, let format = r.options.pixelFormat else {
            throw ABIError.argument(f, "request.meta_csv and request.storage (the plan's) are required")
        }
        let columns = try ShardColumnsJSON.decode(try ExportCall.text(extraColumns, f, "extra_columns"))
        guard bandRows > 0 else { throw ABIError.argument(f, "band_rows \(bandRows) is not > 0") }
        let s = try ShardedIngest.ingestPart(into: shard, source: .buffer(r.buffer), metaCSV: csv, pixelFormat: format,
                                             bandRows: Int(bandRows), extraColumns: columns, clip: r.options.clip)
        return JSONField.object([
            ("masks", .int(s.masks)), ("segment", .string(s.segmentFile)), ("raw_bytes", .int(s.rawBytes)),
            ("stored_bytes", .int(s.storedBytes)), ("created_database", .bool(s.createdDatabase)),
        ]).text
    }
}

/// `char *ms_shard_write_commit(ms_shard_write *, ms_error *)`: commits (or, when that fails,
/// rolls back) and frees the write; returns the new map's JSON.
@_cdecl("ms_shard_write_commit")
public func ms_shard_write_commit(_ write: OpaquePointer?, _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let handle = try ShardWriteHandle.from(write, "ms_shard_write_commit")
        var ended = false
        defer { if ended, let write { ShardWriteHandle.release(write) } }
        return try handle.use(end: true) { () throws -> String in
            ended = true
            try handle.commit()
            return ShardMapJSON.text(handle.write.map, directory: handle.write.directory)
        }
    }
}

/// `int32_t ms_shard_write_rollback(ms_shard_write *, ms_error *)`: every shard as before the
/// write; frees the write. Returns 0, or -1 (the journal stays; the next writer or reader
/// rolls back).
@_cdecl("ms_shard_write_rollback")
public func ms_shard_write_rollback(_ write: OpaquePointer?, _ error: UnsafeMutableRawPointer?) -> Int32 {
    ExportCall.run(error, failure: -1) { () throws -> Int32 in
        let handle = try ShardWriteHandle.from(write, "ms_shard_write_rollback")
        var ended = false
        defer { if ended, let write { ShardWriteHandle.release(write) } }
        try handle.use(end: true) { ended = true; try handle.write.rollback() }
        return 0
    }
}

/// The plan's extra columns as JSON text: [{"name": "...", "type": "INT64"|"FLOAT64"|"TEXT"}].
enum ShardColumnsJSON {
    static func decode(_ text: String) throws(ABIError) -> [ColumnDescriptor] {
        let bad = ABIError.argument("ms_shard_ingest", "extra_columns is not a JSON array of {\"name\", \"type\"}")
        guard let items = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] else { throw bad }
        var out: [ColumnDescriptor] = []
        for item in items {
            guard let name = item["name"] as? String, let typeName = item["type"] as? String,
                  let type = ColumnType(name: typeName) else { throw bad }
            out.append(ColumnDescriptor(name: name, type: type))
        }
        return out
    }
}
