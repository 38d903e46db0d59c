import MaskFormat

/// The metadata of the masks of one ingest, from `--meta meta.csv` (CONTRACT.md section 4):
/// the recognised columns `mask_id, image_id, model_id, mask_type` (INT64, every cell
/// required) and any others as extra columns.
///
/// Extra column types: in a new database, a column is INT64 when every non-empty cell is an
/// integer, else FLOAT64 when every non-empty cell is a number, else TEXT. Empty cells are
/// NULL. When appending, the extra columns must be the database's (same names, same order)
/// and cells are parsed as the database's types (an INT64 cell into a FLOAT64 column is
/// widened; anything else that does not parse is an error naming the line).
struct MetadataTable {
    var rowCount: Int
    var maskIDs: [Int64]?
    var imageIDs: [Int64]?
    var modelIDs: [Int64]?
    var maskTypes: [Int64]?
    var extras: [(name: String, data: ColumnData)]

    static let recognised = ["mask_id", "image_id", "model_id", "mask_type"]

    static func load(_ source: CSVSource, existingExtras: [ColumnDescriptor]?) throws(StorageError) -> MetadataTable {
        let csv = try CSVTable.load(source)
        let path = source.name
        var table = MetadataTable(rowCount: csv.rows.count, maskIDs: nil, imageIDs: nil, modelIDs: nil, maskTypes: nil, extras: [])
        func ints(_ name: String) throws(StorageError) -> [Int64]? {
            guard let c = csv.column(name) else { return nil }
            var out: [Int64] = []
            out.reserveCapacity(csv.rows.count)
            for r in 0..<csv.rows.count { out.append(try csv.int64(row: r, column: c)) }
            return out
        }
        table.maskIDs = try ints("mask_id")
        table.imageIDs = try ints("image_id")
        table.modelIDs = try ints("model_id")
        table.maskTypes = try ints("mask_type")
        let extraNames = csv.header.filter { !recognised.contains($0) }
        if let existing = existingExtras {
            guard extraNames == existing.map(\.name) else {
                throw StorageError.invalidInput(file: path, location: "line 1",
                    reason: "metadata columns \(extraNames) differ from the database's \(existing.map(\.name))")
            }
        }
        for (i, name) in extraNames.enumerated() {
            guard !name.isEmpty else {
                throw StorageError.invalidInput(file: path, location: "line 1", reason: "empty column name")
            }
            let c = csv.column(name)!
            let type = existingExtras?[i].type ?? inferType(csv, column: c)
            var data = ColumnData(type: type)
            for r in 0..<csv.rows.count {
                let cell = csv.rows[r].cells[c]
                if cell.trimmingSpaces.isEmpty && type != .text { data.append(.null); continue }
                switch type {
                case .int64: data.append(.int(try csv.int64(row: r, column: c)))
                case .float64: data.append(.double(try csv.double(row: r, column: c)))
                case .text: data.append(cell.isEmpty ? .null : .text(cell))
                }
            }
            table.extras.append((name, data))
        }
        return table
    }

    /// The table restricted to `rows` (ascending indices, each < `rowCount`), in that order.
    /// - Complexity: O(rows.count · columns).
    func selecting(_ rows: [Int]) -> MetadataTable {
        func pick(_ a: [Int64]?) -> [Int64]? { a.map { a in rows.map { a[$0] } } }
        let picked = extras.map { (name, data) -> (name: String, data: ColumnData) in
            var out = ColumnData(type: data.type)
            for r in rows { out.append(data.value(at: r)) }
            return (name, out)
        }
        return MetadataTable(rowCount: rows.count, maskIDs: pick(maskIDs), imageIDs: pick(imageIDs),
                             modelIDs: pick(modelIDs), maskTypes: pick(maskTypes), extras: picked)
    }

    private static func inferType(_ csv: CSVTable, column c: Int) -> ColumnType {
        var allInt = true, allNumber = true
        for row in csv.rows {
            let t = row.cells[c].trimmingSpaces
            if t.isEmpty { continue }
            if Int64(t) == nil { allInt = false }
            if Double(t).map({ $0.isFinite }) != true { allNumber = false; break }
        }
        return allInt ? .int64 : (allNumber ? .float64 : .text)
    }
}
