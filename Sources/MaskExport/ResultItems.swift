import MaskFormat
import MaskQuery

/// The masks and images a query result refers to: through its `mask_id` column when it has
/// one, else through its `image_id` column (every mask of each image, as for a grouped result).
struct ResultItems {
    /// Rows of the mask table, in result order, without repeats.
    let maskRows: [Int]
    /// Distinct image ids, in order of first appearance.
    let imageIDs: [Int64]

    init(_ result: QueryResult, lookup: MaskLookup) throws(ExportError) {
        func column(_ name: String) -> Int? { result.columns.firstIndex { $0.lowercased() == name } }
        func ints(_ c: Int) -> [Int64] {
            result.rows.compactMap { row in if case .int(let v) = row[c] { return v } else { return nil } }
        }
        var maskRows: [Int] = [], seenRows = Set<Int>()
        var imageIDs: [Int64] = [], seenImages = Set<Int64>()
        func addImage(_ id: Int64) { if seenImages.insert(id).inserted { imageIDs.append(id) } }
        if let c = column("mask_id") {
            for id in ints(c) {
                guard let row = lookup.row(maskID: id) else {
                    throw ExportError(.unsupportedResult, what: "exporting the result", why: "mask_id \(id) is not in the database")
                }
                if seenRows.insert(row).inserted { maskRows.append(row) }
                addImage(lookup.table.imageID(row: row))
            }
        } else if let c = column("image_id") {
            for id in ints(c) {
                addImage(id)
                for row in lookup.rows(imageID: id) where seenRows.insert(row).inserted { maskRows.append(row) }
            }
        } else {
            throw ExportError(.unsupportedResult, what: "exporting the result",
                              why: "the result has neither a mask_id nor an image_id column")
        }
        self.maskRows = maskRows
        self.imageIDs = imageIDs
    }
}
