import MaskIndex
import MaskStorage

/// `char *ms_load_rois(ms_database *, const char *name, const char *boxes_csv, ms_error *)`:
/// loads (or replaces) an ROI set from CSV text (`ROISetLoader`, as `masksearch roi`).
@_cdecl("ms_load_rois")
public func ms_load_rois(_ database: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ boxes: UnsafePointer<CChar>?,
                         _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let handle = try DatabaseHandle.from(database, "ms_load_rois")
        let setName = try ExportCall.text(name, "ms_load_rois", "name")
        let csv = try ExportCall.text(boxes, "ms_load_rois", "boxes_csv")
        let s = try handle.write { () throws -> ROISetLoader.Summary in
            try ROISetLoader.load(into: handle.path, name: setName, csvText: csv)
        }
        return JSONField.object([
            ("name", .string(s.name)), ("boxes", .int(s.boxes)),
            ("key", .string(s.key == .imageID ? "image_id" : "mask_id")), ("replaced", .bool(s.replaced)),
        ]).text
    }
}

/// `char *ms_index(ms_database *, int32_t bins, int32_t cell, ms_error *)`: builds the index
/// (`IndexBuilder`, as `masksearch index`); `bins`, `cell` <= 0 mean the default.
@_cdecl("ms_index")
public func ms_index(_ database: OpaquePointer?, _ bins: Int32, _ cell: Int32,
                     _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let handle = try DatabaseHandle.from(database, "ms_index")
        let s = try handle.write { () throws -> IndexBuilder.Summary in
            try IndexBuilder.build(databasePath: handle.path, bins: bins > 0 ? Int(bins) : nil, cell: cell > 0 ? Int(cell) : nil)
        }
        return JSONField.object([
            ("built", .int(s.built)), ("already_indexed", .int(s.alreadyIndexed)), ("roi_histogram_files", .int(s.roiHistogramFiles)), ("bins", .int(s.parameters.bins)),
            ("cell", .int(s.parameters.cell)), ("seconds", .double(s.seconds)), ("index_bytes", .int(s.indexBytes)),
        ]).text
    }
}

/// `char *ms_info(ms_database *, ms_error *)`: the masks' count and shape, the pixel format,
/// the columns and the ROI sets of the handle's snapshot; zeros (pixel_format null, no
/// columns) while the directory holds no database yet.
@_cdecl("ms_info")
public func ms_info(_ database: OpaquePointer?, _ error: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>? {
    ExportCall.string(error) { () throws -> String in
        let handle = try DatabaseHandle.from(database, "ms_info")
        guard let db = try handle.read({ try $0.maskCatalog() })?.database else {
            return JSONField.object([
                ("masks", .int(0)), ("height", .int(0)), ("width", .int(0)), ("pixel_format", .null),
                ("columns", .array([])), ("roi_sets", .array([])),
            ]).text
        }
        let columns = db.columns.map { JSONField.object([("name", .string($0.name)), ("type", .string($0.type.description))]) }
        return JSONField.object([
            ("masks", .int(db.count)), ("height", .int(db.height)), ("width", .int(db.width)),
            ("pixel_format", .string(db.pixelFormat.description)), ("columns", .array(columns)),
            ("roi_sets", .array(db.roiSetNames.map { .string($0) })),
        ]).text
    }
}
