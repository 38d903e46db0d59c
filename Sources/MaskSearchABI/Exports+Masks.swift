import MaskStorage

/// `int32_t ms_read_masks(ms_database *, const int64_t *mask_ids, int64_t count, float *out,
/// ms_error *)`: writes the masks `mask_ids[0..count)` as float32 values
/// (`MaskTable.readValues`), `count` × H × W floats, into `out`. Every id is looked up
/// before any pixel is read, so an unknown id fails before `out` is written.
/// - Complexity: O(count · H · W) plus the blocks read; the mask_id → row map is built once
///   per snapshot (`SessionPool.maskCatalog`).
@_cdecl("ms_read_masks")
public func ms_read_masks(_ database: OpaquePointer?, _ maskIDs: UnsafePointer<Int64>?, _ count: Int64,
                          _ out: UnsafeMutablePointer<Float>?, _ error: UnsafeMutableRawPointer?) -> Int32 {
    ExportCall.run(error, failure: -1) { () throws -> Int32 in
        let f = "ms_read_masks"
        let handle = try DatabaseHandle.from(database, f)
        guard count >= 0 else { throw ABIError.argument(f, "count \(count) is negative") }
        if count == 0 { return 0 }
        guard let maskIDs else { throw ABIError.argument(f, "mask_ids is NULL") }
        guard let out else { throw ABIError.argument(f, "out is NULL") }
        let ids = UnsafeBufferPointer(start: maskIDs, count: Int(count))
        try handle.read { pool in
            let catalog = try pool.maskCatalog()
            let rows = try ids.map { (id) throws -> Int in
                guard let row = catalog?.rowOfMask[id] else {
                    throw StorageError.invalidInput(file: handle.path, location: "mask_id \(id)", reason: "no such mask in the database")
                }
                return row
            }
            guard let db = catalog?.database else { return }
            let pixels = db.height * db.width
            guard pixels.multipliedReportingOverflow(by: rows.count).overflow == false else {
                throw ABIError.argument(f, "count \(count) masks of \(db.height)x\(db.width) overflow the address space")
            }
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: pixels * db.pixelFormat.bytesPerPixel, alignment: 64)
            defer { scratch.deallocate() }
            for (i, row) in rows.enumerated() {
                try db.readValues(row: row, into: UnsafeMutableBufferPointer(start: out + i * pixels, count: pixels), scratch: scratch)
            }
        }
        return 0
    }
}
