import MaskStorage

/// `char *ms_ingest(ms_database *, const ms_ingest_request *, ms_error *)`: ingests the
/// request's buffer in place (`Ingester`, as `masksearch ingest`), holding the handle's lock
/// exclusively, and returns the summary as JSON. A failure leaves the database as it was.
@_cdecl("ms_ingest")
public func ms_ingest(_ database: OpaquePointer?, _ request: UnsafeRawPointer?,
                      _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let handle = try DatabaseHandle.from(database, "ms_ingest")
        let r = try IngestRequest(request)
        let s = try handle.write { () throws -> Ingester.Summary in
            try Ingester.ingest(into: handle.path, sources: [.buffer(r.buffer)], options: r.options)
        }
        return JSONField.object([
            ("masks", .int(s.masks)), ("segment", .string(s.segmentFile)), ("raw_bytes", .int(s.rawBytes)),
            ("stored_bytes", .int(s.storedBytes)), ("created_database", .bool(s.createdDatabase)),
        ]).text
    }
}
