import MaskExport
import MaskFormat
import MaskStorage

/// The database's metadata as the API looks it up: the row of a mask_id, the masks of an
/// image, the label and prediction columns. Built once at start from the open database
/// (metadata never changes under a running server: it writes only index entries).
struct MaskCatalog: Sendable {
    let database: Database
    /// Rows by mask_id and image_id; masks read as values and files.
    let lookup: MaskLookup
    /// Every image_id, ascending.
    let imageIDs: [Int64]
    /// Column numbers of the label and prediction columns, when the database has them.
    let labelColumn: Int?
    let predColumn: Int?
    let models: [Int64]
    let maskTypes: [Int64]

    /// - Complexity: O(n log n) for n masks.
    init(database: Database, labelColumn: String, predColumn: String) {
        self.database = database
        lookup = MaskLookup(table: database)
        imageIDs = Array(Set(database.builtinColumn(1))).sorted()
        self.labelColumn = database.columns.firstIndex { $0.name == labelColumn && $0.name != "mask_id" }
        self.predColumn = database.columns.firstIndex { $0.name == predColumn && $0.name != "mask_id" }
        models = Array(Set(database.builtinColumn(2))).sorted()
        maskTypes = Array(Set(database.builtinColumn(3))).sorted()
    }

    /// The rows of an image's masks by ascending mask_id (empty when none).
    func rows(ofImage id: Int64) -> [Int] { lookup.rows(imageID: id) }

    func maskID(_ row: Int) -> Int64 { database.maskID(row: row) }
    func imageID(_ row: Int) -> Int64 { database.imageID(row: row) }
    func modelID(_ row: Int) -> Int64 { database.builtinColumn(2)[row] }
    func maskType(_ row: Int) -> Int64 { database.builtinColumn(3)[row] }
    func label(_ row: Int) -> ColumnValue { labelColumn.map { database.value(row: row, column: $0) } ?? .null }
    func pred(_ row: Int) -> ColumnValue { predColumn.map { database.value(row: row, column: $0) } ?? .null }

    /// The row of a mask id given as path text: 404 unless it is an integer naming a mask.
    func row(ofMaskText text: Substring) throws(APIError) -> Int {
        guard let id = Int64(text) else { throw .notFound("no mask '\(text)': mask ids are integers") }
        guard let row = lookup.row(maskID: id) else { throw .notFound("no mask with mask_id \(id)") }
        return row
    }

    /// The box of `row`'s mask in the ROI set `name` (nil when the set has none for it).
    func box(row: Int, roiSet name: String) -> PixelBox? {
        database.roiSet(named: name)?.box(maskID: maskID(row), imageID: imageID(row))
    }

    /// The identity of a mask, for row info and mask details.
    func identity(_ row: Int) -> [(String, JSON)] {
        [("mask_id", .int(maskID(row))), ("image_id", .int(imageID(row))),
         ("model_id", .int(modelID(row))), ("mask_type", .int(maskType(row)))]
    }
}
