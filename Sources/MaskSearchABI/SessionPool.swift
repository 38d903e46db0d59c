import MaskQuery
import MaskStorage

/// The open state of one database handle: `SnapshotPool` (pooled query sessions of the
/// current snapshot, dropped when the MANIFEST changes) with a mask_id → row map of that
/// snapshot for mask reads and `ms_info`. The handle also drops it after every write it makes.
typealias SessionPool = SnapshotPool<MaskRows>

/// A database snapshot and where each mask_id is in it.
struct MaskRows {
    var database: Database
    var rowOfMask: [Int64: Int]

    /// - Complexity: O(masks).
    init(database: Database) {
        self.database = database
        let ids = database.builtinColumn(0)
        var rowOfMask: [Int64: Int] = [:]
        rowOfMask.reserveCapacity(ids.count)
        for (row, id) in ids.enumerated() { rowOfMask[id] = row }
        self.rowOfMask = rowOfMask
    }
}

extension SnapshotPool where Catalog == MaskRows {
    convenience init(path: String) { self.init(path: path, catalog: MaskRows.init(database:)) }

    /// The snapshot for mask reads (opened and mapped once per change); nil while the
    /// directory is not yet a database.
    func maskCatalog() throws -> MaskRows? { try catalog() }
}
