import Hummingbird
import MaskIndex
import MaskStorage

extension MaskServer {
    /// `GET /api/info`: the contract's fields, then `label_column`, `pred_column`, `index`
    /// (`{"bins", "cell"}` once the database has an index, else null), `sample_mask_id` (the
    /// first mask's id, null when empty) and `image_ids_sample` (up to 10 image ids, ascending).
    /// `indexed` counts the masks with a valid index entry now (read from a fresh snapshot).
    func info() async throws -> Response {
        let indexed = try await Blocking.run { [path = configuration.databasePath] in try MaskServer.indexedCount(path) }
        let db = database
        let columns: [JSON] = db.columns.map { .object([("name", .string($0.name)), ("type", .string($0.type.description))]) }
        let index: JSON = db.manifest.index.map { .object([("bins", .int($0.bins)), ("cell", .int($0.cell))]) } ?? .null
        let sampleImages = catalog.imageIDs.prefix(10).map { JSON.int($0) }
        let body = JSON.object([
            ("masks", .int(db.count)), ("height", .int(db.height)), ("width", .int(db.width)),
            ("dtype", .string(db.pixelFormat.description)), ("columns", .array(columns)),
            ("roi_sets", .array(db.roiSetNames.map { .string($0) })),
            ("models", .array(catalog.models.map { .int($0) })),
            ("mask_types", .array(catalog.maskTypes.map { .int($0) })),
            ("indexed", .int(indexed)), ("images", .bool(images != nil)),
            ("label_column", catalog.labelColumn.map { .string(db.columns[$0].name) } ?? .null),
            ("pred_column", catalog.predColumn.map { .string(db.columns[$0].name) } ?? .null),
            ("index", index),
            ("sample_mask_id", db.count > 0 ? .int(db.maskID(row: 0)) : .null),
            ("image_ids_sample", .array(sampleImages)),
        ])
        return Reply.json(body)
    }

    /// Masks with a valid index entry, as the files on disk say now.
    static func indexedCount(_ path: String) throws -> Int {
        let db = try Database(path: path)
        guard db.manifest.segments.contains(where: { $0.indexFile != nil }) else { return 0 }
        let index = try DatabaseIndex(database: db, incremental: false)
        var n = 0
        for row in 0..<db.count where index.isIndexed(row: row) { n += 1 }
        return n
    }
}
