import Hummingbird
import MaskFormat
import MaskStorage

extension MaskServer {
    /// `GET /api/masks/{id}`, `{id}.npy`, `{id}.png`: the mask's details, the stored mask as
    /// .npy, or a PNG rendering. Ids are integers naming a mask, else 404.
    func mask(file: String, query: QueryParameters) async throws -> Response {
        let (stem, ext) = MaskServer.splitExtension(file)
        let row = try catalog.row(ofMaskText: stem)
        switch ext {
        case nil: return maskDetails(row)
        case "npy": return try await maskNPY(row)
        case "png": return try await maskPNG(row, options: try RenderOptions(query: query, catalog: catalog, row: row))
        default: throw APIError.notFound("no such mask file '\(file)' (the mask is .npy or .png)")
        }
    }

    /// `"12.png"` → ("12", "png"); `"12"` → ("12", nil).
    static func splitExtension(_ file: String) -> (Substring, String?) {
        guard let dot = file.lastIndex(of: ".") else { return (file[...], nil) }
        return (file[..<dot], String(file[file.index(after: dot)...]).lowercased())
    }

    /// `{"mask_id", "image_id", "model_id", "mask_type", "columns": {extra columns},
    /// "siblings": [masks of the same image, ascending], "boxes": {set: [x0, y0, x1, y1] | null}}`.
    func maskDetails(_ row: Int) -> Response {
        let db = database
        let extras = db.columns.indices.dropFirst(4).map { (db.columns[$0].name, JSON(db.value(row: row, column: $0))) }
        let siblings = catalog.rows(ofImage: catalog.imageID(row)).map { JSON.int(catalog.maskID($0)) }
        let boxes = db.roiSetNames.map { name -> (String, JSON) in
            guard let b = catalog.box(row: row, roiSet: name) else { return (name, .null) }
            return (name, .array([.int(b.x0), .int(b.y0), .int(b.x1), .int(b.y1)]))
        }
        return Reply.json(.object(catalog.identity(row) + [
            ("columns", .object(extras)), ("siblings", .array(siblings)), ("boxes", .object(boxes)),
        ]))
    }

    /// The stored mask as a `(H, W)` .npy of the stored dtype, its bytes as stored.
    func maskNPY(_ row: Int) async throws -> Response {
        let lookup = catalog.lookup
        let bytes = try await Blocking.run { try lookup.npyFile(row: row) }
        return Reply.bytes(bytes, contentType: "application/octet-stream",
                           headers: Reply.attachment("\(catalog.maskID(row)).npy"))
    }
}
