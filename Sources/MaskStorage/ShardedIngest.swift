import Foundation
import MaskFormat
import Synchronization

/// Ingest into a sharded database (Format/shards.md): the input masks are partitioned by image_id
/// (`PartitionRule`), every shard's part is ingested by the ordinary `Ingester` (one writer per
/// shard, in parallel), all inside one `ShardedWrite`, so a failure anywhere leaves every shard
/// as it was.
///
/// What one database would decide once is decided here for all shards: mask_ids without
/// `--meta` continue from the largest over all shards, mask_ids must be unique over all shards,
/// extra columns take the types of the whole metadata file (or of the existing shards), the
/// pixel format is the existing shards' (or the whole input's). Each shard's ingest reads its masks
/// in place from the input files (`Ingester.Options.rowSelection`), with one metadata CSV text of
/// every input mask (`ShardStaging.metadataText`): the input is read once per shard's ingest
/// (sequentially, skipping other shards' masks), never copied. Shards a write creates get the
/// existing shards' ROI sets (`ShardedWrite.shareROISets`).
public enum ShardedIngest {
    public struct Summary: Sendable {
        public var masks: Int
        public var perShard: [Int]
    }

    /// - Complexity: O(input bytes) read per shard (each shard's ingest scans the input) plus O(masks).
    public static func ingest(into directory: String, inputs: [String], options: Ingester.Options,
                              progress: ((Int, Int) -> Void)? = nil) throws(StorageError) -> Summary {
        guard !inputs.isEmpty else {
            throw StorageError.invalidInput(file: directory, location: "", reason: "no input files given")
        }
        let files = try MaskInputFile.resolve(inputs, raw: options.raw)
        let total = files.reduce(0) { $0 + $1.count }
        guard total > 0 else {
            throw StorageError.invalidInput(file: inputs.joined(separator: ", "), location: "", reason: "empty input: no masks")
        }
        let write = try ShardedWrite(directory: directory)
        do throws(StorageError) {
            let summary = try ingestJournaled(write, files: files, total: total, options: options, progress: progress)
            try write.commit()
            return summary
        } catch {
            try? write.rollback()
            throw error
        }
    }

    /// What the existing shards fix for the new masks.
    struct Existing {
        var ids = Set<Int64>()
        var nextID: Int64 = 0
        var pixelFormat: PixelFormat?
        var bandRows: Int?
        var extras: [ColumnDescriptor]?
    }

    static func existing(_ write: ShardedWrite) throws(StorageError) -> Existing {
        var e = Existing()
        for i in write.map.shardNames.indices {
            let path = write.map.shardPath(write.directory, i)
            guard Database.exists(at: path) else { continue }
            let db = try Database(path: path)
            let ids = db.builtinColumn(0)
            try db.checkIntegrity()
            for id in ids { e.ids.insert(id) }
            e.nextID = max(e.nextID, (ids.max() ?? -1) + 1)
            e.pixelFormat = e.pixelFormat ?? db.pixelFormat
            e.bandRows = e.bandRows ?? db.manifest.bandRows
            e.extras = e.extras ?? Array(db.columns.dropFirst(4))
        }
        return e
    }

    private static func ingestJournaled(_ write: ShardedWrite, files: [MaskInputFile], total: Int, options: Ingester.Options,
                                        progress: ((Int, Int) -> Void)?) throws(StorageError) -> Summary {
        let existing = try existing(write)
        let part = try partition(write, existing: existing, meta: options.meta, total: total,
                                 idSource: options.meta?.name ?? files[0].path)
        let text = ShardStaging.metadataText(maskIDs: part.maskIDs, imageIDs: part.imageIDs, meta: part.meta, extras: part.extras)
        var shardOptions = options
        shardOptions.meta = .text(text, name: options.meta?.name ?? "metadata of " + (files.first?.path ?? "the input"))
        shardOptions.pixelFormat = existing.pixelFormat ?? options.pixelFormat
            ?? (files.allSatisfy { $0.elementType == .uint8 } ? .uint8 : .float32)
        shardOptions.bandRows = existing.bandRows ?? options.bandRows
        shardOptions.extraColumns = part.extras
        let before = write.databaseShards
        try ingestShards(write, inputs: files.map(\.path), rows: part.rows, options: shardOptions, progress: progress)
        try write.shareROISets(createdSince: before)
        return Summary(masks: total, perShard: part.rows.map(\.count))
    }

    /// What every sharded ingest decides before writing (`ingest` here, `plan` for writers in
    /// several processes): the metadata, the new masks' ids, each shard's rows and the extra columns.
    struct Partition {
        var meta: MetadataTable?
        var maskIDs: [Int64]
        var imageIDs: [Int64]
        /// Per shard, the ascending input indices of its masks (`PartitionRule` of their image_id).
        var rows: [[Int]]
        var extras: [ColumnDescriptor]
    }

    /// Loads the metadata (its row count must be `total`), gives the new masks their ids (checked
    /// against every shard; `idSource` names the input in errors) and partitions them by image_id.
    /// - Complexity: O(total × metadata columns).
    static func partition(_ write: ShardedWrite, existing: Existing, meta source: CSVSource?, total: Int,
                          idSource: String) throws(StorageError) -> Partition {
        let meta = try source.map { (m) throws(StorageError) in try MetadataTable.load(m, existingExtras: existing.extras) }
        if let meta, meta.rowCount != total {
            throw StorageError.invalidInput(file: source?.name ?? "", location: "",
                                            reason: "\(meta.rowCount) metadata rows for \(total) masks: they must match one to one, in input order")
        }
        let maskIDs = try newMaskIDs(meta?.maskIDs, existing: existing, total: total, source: idSource)
        let imageIDs = meta?.imageIDs ?? maskIDs
        let count = write.map.shardNames.count
        var rows = [[Int]](repeating: [], count: count)
        for (i, imageID) in imageIDs.enumerated() { rows[write.map.rule.shard(ofImage: imageID, count: count)].append(i) }
        let extras = meta.map { $0.extras.map { ColumnDescriptor(name: $0.name, type: $0.data.type) } } ?? existing.extras ?? []
        return Partition(meta: meta, maskIDs: maskIDs, imageIDs: imageIDs, rows: rows, extras: extras)
    }

    /// Ingests each shard's masks (`rows`, ascending indices into the input, read in place by
    /// `Ingester.Options.rowSelection`), shards in parallel (one writer each); the first error (by
    /// shard order) is thrown once all have finished.
    static func ingestShards(_ write: ShardedWrite, inputs: [String], rows: [[Int]], options: Ingester.Options,
                             progress: ((Int, Int) -> Void)?) throws(StorageError) {
        let shards = rows.indices.filter { !rows[$0].isEmpty }
        let errors = Mutex<[Int: StorageError]>([:])
        let done = Mutex<Int>(0)
        let total = rows.reduce(0) { $0 + $1.count }
        let workers = max(1, min(shards.count, Parallel.coreCount))
        Parallel.run(workers: workers) { w in
            for (n, s) in shards.enumerated() where n % workers == w {
                var o = options
                o.rowSelection = rows[s]
                do throws(StorageError) {
                    _ = try Ingester.ingest(into: write.map.shardPath(write.directory, s), inputs: inputs, options: o)
                    let d = done.withLock { $0 += rows[s].count; return $0 }
                    progress?(d, total)
                } catch {
                    errors.withLock { $0[s] = error }
                }
            }
        }
        if let first = errors.withLock({ $0.min { $0.key < $1.key } }) {
            throw first.value
        }
    }

    /// The new masks' ids: the metadata's, else the next `total` after the largest over all
    /// shards; checked for duplicates within themselves and against every shard.
    static func newMaskIDs(_ given: [Int64]?, existing: Existing, total: Int, source: String) throws(StorageError) -> [Int64] {
        guard let given else { return (0..<Int64(total)).map { existing.nextID + $0 } }
        var seen = Set<Int64>()
        for (i, id) in given.enumerated() {
            guard !existing.ids.contains(id), seen.insert(id).inserted else {
                throw StorageError.invalidInput(file: source, location: "line \(i + 2)",
                                                reason: "mask_id \(id) is already used (mask_ids are unique across all shards)")
            }
        }
        return given
    }
}
