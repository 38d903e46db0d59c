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
        let part = try partition(write, existing: existing, meta: metaCSV.map { .text($0, name: "meta") }, total: count,
                                 idSource: "meta")
        var shardOf = [Int](repeating: 0, count: count)
        for (shard, rows) in part.rows.enumerated() { for i in rows { shardOf[i] = shard } }
        let texts: [String?] = part.rows.map { rows in
            rows.isEmpty ? nil : ShardStaging.metadataText(maskIDs: rows.map { part.maskIDs[$0] }, imageIDs: rows.map { part.imageIDs[$0] },
                                                           meta: part.meta?.selecting(rows), extras: part.extras)
        }
        return Plan(maskIDs: part.maskIDs, shardOf: shardOf,
                    pixelFormat: existing.pixelFormat ?? pixelFormat ?? (uint8Input ? .uint8 : .float32),
                    bandRows: existing.bandRows ?? SegmentLayout.defaultBandRows, extraColumns: part.extras, metaCSV: texts)
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
