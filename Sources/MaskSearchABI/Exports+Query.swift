import MaskQuery

/// `char *ms_query_json(ms_database *, const char *sql, int32_t use_index, ms_error *)`:
/// runs one query on a pooled session (shared lock: queries run concurrently) and returns
/// the text of `masksearch query --format json` (`ResultFormatter`, the CLI's code).
@_cdecl("ms_query_json")
public func ms_query_json(_ database: OpaquePointer?, _ sql: UnsafePointer<CChar>?, _ useIndex: Int32,
                          _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let handle = try DatabaseHandle.from(database, "ms_query_json")
        let text = try ExportCall.text(sql, "ms_query_json", "sql")
        let result = try handle.read { pool in
            try pool.withSession(useIndex: useIndex != 0) { try $0.run(text) }
        }
        return ResultFormatter.format(result, as: .json)
    }
}
