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
/// pixel format is the existing shards' (or the whole input's). Each shard's part is staged as
/// `.npy` files (the masks, in their input dtype and byte order) and a metadata CSV under
/// `DIR/.ingest-tmp/` (removed afterwards): the staged copy costs one extra write of the input.
public enum ShardedIngest {
    public struct Summary: Sendable {
        public var masks: Int
        public var perShard: [Int]
    }

    /// - Complexity: O(input bytes) twice (staging, then the shards' ingests) plus O(masks).
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
        let staging = directory + "/.ingest-tmp"
        defer { try? FileManager.default.removeItem(atPath: staging) }
        do throws(StorageError) {
            let summary = try ingestJournaled(write, files: files, total: total, options: options, staging: staging,
                                              progress: progress)
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
                                        staging: String, progress: ((Int, Int) -> Void)?) throws(StorageError) -> Summary {
        let existing = try existing(write)
        let meta = try options.meta.map { (m) throws(StorageError) in try MetadataTable.load(m, existingExtras: existing.extras) }
        if let meta, meta.rowCount != total {
            throw StorageError.invalidInput(file: options.meta?.name ?? "", location: "",
                                            reason: "\(meta.rowCount) metadata rows for \(total) masks: they must match one to one, in input order")
        }
        let maskIDs = try newMaskIDs(meta?.maskIDs, existing: existing, total: total, source: options.meta?.name ?? files[0].path)
        let imageIDs = meta?.imageIDs ?? maskIDs
        let count = write.map.shardNames.count
        let shardOf = imageIDs.map { write.map.rule.shard(ofImage: $0, count: count) }
        var perShard = [Int](repeating: 0, count: count)
        for s in shardOf { perShard[s] += 1 }
        let extras = meta.map { $0.extras.map { ColumnDescriptor(name: $0.name, type: $0.data.type) } } ?? existing.extras ?? []
        try? FileManager.default.removeItem(atPath: staging)
        try SystemCalls.mkdir(staging)
        let parts = try ShardStaging.stage(files: files, shardOf: shardOf, shardNames: write.map.shardNames, into: staging)
        try ShardStaging.writeMetadata(maskIDs: maskIDs, imageIDs: imageIDs, meta: meta, extras: extras, shardOf: shardOf,
                                       shardNames: write.map.shardNames, into: staging)
        var shardOptions = options
        shardOptions.raw = nil
        shardOptions.rowSelection = nil
        shardOptions.pixelFormat = existing.pixelFormat ?? options.pixelFormat
            ?? (files.allSatisfy { $0.elementType == .uint8 } ? .uint8 : .float32)
        shardOptions.bandRows = existing.bandRows ?? options.bandRows
        shardOptions.extraColumns = extras
        let before = write.databaseShards
        try ingestShards(write, parts: parts, perShard: perShard, options: shardOptions, staging: staging, progress: progress)
        if let reference = before.first {
            let created = write.databaseShards.filter { !before.contains($0) }
            try write.copyROISets(from: write.map.shardPath(write.directory, reference), to: created, staging: staging)
        }
        return Summary(masks: total, perShard: perShard)
    }

    /// Ingests each shard's staged part, shards in parallel (one writer each); the first error
    /// (by shard order) is thrown once all have finished.
    static func ingestShards(_ write: ShardedWrite, parts: [[String]], perShard: [Int], options: Ingester.Options,
                             staging: String, progress: ((Int, Int) -> Void)?) throws(StorageError) {
        let shards = perShard.indices.filter { perShard[$0] > 0 }
        let errors = Mutex<[Int: StorageError]>([:])
        let done = Mutex<Int>(0)
        let total = perShard.reduce(0, +)
        let workers = max(1, min(shards.count, Parallel.coreCount))
        Parallel.run(workers: workers) { w in
            for (n, s) in shards.enumerated() where n % workers == w {
                var o = options
                o.metaPath = staging + "/" + write.map.shardNames[s] + ".csv"
                do throws(StorageError) {
                    _ = try Ingester.ingest(into: write.map.shardPath(write.directory, s), inputs: parts[s], options: o)
                    let d = done.withLock { $0 += perShard[s]; return $0 }
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
