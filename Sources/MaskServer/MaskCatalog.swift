import Foundation
import MaskExport
import MaskFormat
import MaskQuery
import MaskStorage

/// The database's metadata as the API looks it up: the row of a mask_id, the masks of an
/// image, the label and prediction columns. Built from one snapshot, once per commit
/// (`LiveCatalog`): the server itself writes only index entries, but other processes may
/// ingest, load ROI sets or build the index while it runs.
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

    /// The catalog of `database`, advised for random access, after the first-read checks of
    /// the metadata it read (damage there is an error: `Database.checkIntegrity`).
    static func open(_ database: Database, labelColumn: String, predColumn: String) throws -> MaskCatalog {
        database.adviseRandomAccess()
        let catalog = MaskCatalog(database: database, labelColumn: labelColumn, predColumn: predColumn)
        try database.checkIntegrity()
        return catalog
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

/// The catalog of the database's current snapshot, shared by all requests: a commit by another
/// process (ingest, roi, index) is seen by the next request (`SnapshotPool` compares the
/// MANIFEST's stamp, one `stat` per look-up). Mask rows never move (writers only append masks),
/// so a row found in one snapshot names the same mask in every later one. When the new snapshot
/// cannot be opened (damage: its queries report it), the last one that opened is kept.
final class LiveCatalog: @unchecked Sendable {
    /// The sessions of the queries, in the same pool, so they see the same snapshots.
    let sessions: SnapshotPool<MaskCatalog>
    private let mutex = NSLock()
    private var lastGood: MaskCatalog

    /// Opens the database at `path`; throws when it cannot be opened or its metadata is damaged.
    init(path: String, labelColumn: String, predColumn: String) throws {
        lastGood = try MaskCatalog.open(try Database(path: path), labelColumn: labelColumn, predColumn: predColumn)
        sessions = SnapshotPool(path: path) { try MaskCatalog.open($0, labelColumn: labelColumn, predColumn: predColumn) }
    }

    /// The catalog of the current snapshot (or the last one that opened).
    /// - Complexity: one `stat`; O(n log n) for n masks once after each commit.
    var current: MaskCatalog {
        let fresh = try? sessions.catalog()
        mutex.lock()
        defer { mutex.unlock() }
        if let fresh { lastGood = fresh }
        return lastGood
    }
}
