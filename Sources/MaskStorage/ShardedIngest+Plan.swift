import Foundation
import MaskFormat

/// A sharded ingest whose shards are written by other processes (Format/shards.md, "Sharded
/// writes by several processes"; the C ABI's `ms_shard_write_*`, used by Ray tasks): the
/// process holding the `ShardedWrite` decides here, once for all shards, what `ShardedIngest`
/// decides for its own staged parts — mask_ids, the partition, the pixel format, band rows and
/// the extra columns' types — and hands each shard's writer its rows and metadata CSV text. Each
/// writer then ingests its part as an ordinary database (`ingestPart`), and the holder commits.
extension ShardedIngest {
    /// What every shard's writer of one sharded ingest uses.
    public struct Plan: Sendable {
        /// The new masks' ids, in input order.
        public var maskIDs: [Int64]
        /// The shard of every input mask (`PartitionRule` of its image_id).
        public var shardOf: [Int]
        public var pixelFormat: PixelFormat
        public var bandRows: Int
        public var extraColumns: [ColumnDescriptor]
        /// Per shard, the metadata CSV of its rows (every column, in input order); nil for a
        /// shard that receives none.
        public var metaCSV: [String?]
    }

    /// Plans the ingest of `count` masks with the metadata CSV text `metaCSV` (nil: fresh ids
    /// after the largest over all shards). `uint8Input` and `pixelFormat` decide the pixel format
    /// as `ShardedIngest` does (the existing shards' first). Checks mask_id uniqueness against
    /// every shard. - Complexity: O(masks in the database + count × metadata columns).
    public static func plan(_ write: ShardedWrite, count: Int, metaCSV: String?, uint8Input: Bool,
                            pixelFormat: PixelFormat?) throws(StorageError) -> Plan {
        guard count > 0 else { throw StorageError.invalidInput(file: "array", location: "", reason: "empty input: no masks") }
        let existing = try existing(write)
        let meta = try metaCSV.map { (text) throws(StorageError) in
            try MetadataTable.load(.text(text, name: "meta"), existingExtras: existing.extras)
        }
        if let meta, meta.rowCount != count {
            throw StorageError.invalidInput(file: "meta", location: "",
                                            reason: "\(meta.rowCount) metadata rows for \(count) masks: they must match one to one, in input order")
        }
        let maskIDs = try newMaskIDs(meta?.maskIDs, existing: existing, total: count, source: "meta")
        let imageIDs = meta?.imageIDs ?? maskIDs
        let shards = write.map.shardNames.count
        let shardOf = imageIDs.map { write.map.rule.shard(ofImage: $0, count: shards) }
        let extras = meta.map { $0.extras.map { ColumnDescriptor(name: $0.name, type: $0.data.type) } } ?? existing.extras ?? []
        var rows = [[Int]](repeating: [], count: shards)
        for (i, shard) in shardOf.enumerated() { rows[shard].append(i) }
        let texts: [String?] = rows.map { part in
            part.isEmpty ? nil : ShardStaging.metadataText(maskIDs: part.map { maskIDs[$0] }, imageIDs: part.map { imageIDs[$0] },
                                                           meta: meta?.selecting(part), extras: extras)
        }
        return Plan(maskIDs: maskIDs, shardOf: shardOf,
                    pixelFormat: existing.pixelFormat ?? pixelFormat ?? (uint8Input ? .uint8 : .float32),
                    bandRows: existing.bandRows ?? SegmentLayout.defaultBandRows, extraColumns: extras, metaCSV: texts)
    }

    /// One shard writer's part of a planned ingest: `source` (the shard's masks, in input order)
    /// with the shard's metadata CSV text, ingested into the shard directory `shard` as an
    /// ordinary database with the plan's pixel format, band rows and column types.
    /// - Complexity: as `Ingester.ingest`.
    public static func ingestPart(into shard: String, source: IngestSource, metaCSV: String, pixelFormat: PixelFormat,
                                  bandRows: Int, extraColumns: [ColumnDescriptor], clip: Bool) throws(StorageError) -> Ingester.Summary {
        var options = Ingester.Options()
        options.meta = .text(metaCSV, name: "meta")
        options.pixelFormat = pixelFormat
        options.bandRows = bandRows
        options.extraColumns = extraColumns
        options.clip = clip
        return try Ingester.ingest(into: shard, sources: [source], options: options)
    }
}

extension ShardedWrite {
    /// Gives the shards this write created (holding a database now, not in `before`) the ROI
    /// sets of the first shard of `before`, as `ShardedIngest` does, so every shard binds the
    /// same queries. - Complexity: O(boxes × created shards).
    public func shareROISets(createdSince before: [Int]) throws(StorageError) {
        guard let reference = before.first else { return }
        let created = databaseShards.filter { !before.contains($0) }
        guard !created.isEmpty else { return }
        let staging = directory + "/.ingest-tmp"
        try? FileManager.default.removeItem(atPath: staging)
        try SystemCalls.mkdir(staging)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try copyROISets(from: map.shardPath(directory, reference), to: created, staging: staging)
    }
}
