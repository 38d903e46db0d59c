import ArgumentParser
import Foundation
import MaskIndex
import MaskQuery
import MaskStorage

/// `masksearch shard create PATH --shards N`: a sharded database (Format/shards.md). The other
/// commands take a sharded PATH as they take a database: `ingest` partitions by image_id, `roi`
/// gives every shard the boxes, `index` indexes every shard in parallel, `query` runs the shards
/// in parallel and merges (CONTRACT.md section 10).
struct ShardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard",
        abstract: "Create a sharded database (masks partitioned by image_id over N shard databases).",
        subcommands: [ShardCreateCommand.self])
}

struct ShardCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an empty sharded database: PATH/SHARDS and the shard directories shard-000, ...",
        discussion: """
        Masks go to shard splitmix64(image_id) mod N (Format/shards.md), all masks of an image in one \
        shard. Each shard is an ordinary database: `masksearch query PATH/shard-000 SQL` opens it alone.
        """)

    @Argument(help: "The new directory (must not exist, or be empty).") var path: String
    @Option(help: "Number of shards (1...4096).") var shards: Int

    func run() throws {
        let map = try runReportingErrors { try ShardedDatabase.create(at: path, shards: shards) }
        print("created sharded database \(path) with \(map.shardNames.count) shards")
    }
}

/// The sharded branches of `ingest`, `roi`, `index` (each one `ShardedWrite`: all shards or none).
enum ShardedCommands {
    static func isSharded(_ path: String) -> Bool { ShardMap.exists(at: path) }

    static func ingest(_ path: String, inputs: [String], options: Ingester.Options, images: String?) throws {
        let bar = ProgressBar("ingest")
        let summary = try runReportingErrors {
            try ShardedIngest.ingest(into: path, inputs: inputs, options: options, progress: bar.update)
        }
        bar.finish()
        if let images {
            let absolute = URL(fileURLWithPath: images).standardizedFileURL.resolvingSymlinksInPath().path
            try runReportingErrors {
                _ = try ShardedWrite.perform(directory: path) { w in
                    try w.forEachDatabaseShard(workers: 1) { _, shard in try Manifest.recordImageFolder(absolute, in: shard) }
                }
            }
        }
        let parts = summary.perShard.map(String.init).joined(separator: ", ")
        print("ingested \(summary.masks) masks into \(summary.perShard.count) shards of \(path) (per shard: \(parts))")
    }

    static func roi(_ path: String, name: String, boxes: String) throws {
        let results = try runReportingErrors {
            try ShardedWrite.perform(directory: path) { w in
                try w.forEachDatabaseShard(workers: 1) { _, shard in try ROISetLoader.load(into: shard, name: name, csvPath: boxes) }
            }
        }
        guard let s = results.values.first else { return }
        print("\(s.replaced ? "replaced" : "loaded") ROI set '\(s.name)' in \(results.count) shards: \(s.boxes) boxes keyed by \(s.key == .imageID ? "image_id" : "mask_id") (every shard holds every box)")
    }

    static func index(_ path: String, bins: Int?, cell: Int?) throws {
        let start = Date()
        let results = try runReportingErrors {
            try ShardedWrite.perform(directory: path) { w in
                try w.forEachDatabaseShard { _, shard in try IndexBuilder.build(databasePath: shard, bins: bins, cell: cell) }
            }
        }
        let built = results.values.reduce(0) { $0 + $1.built }
        let already = results.values.reduce(0) { $0 + $1.alreadyIndexed }
        let bytes = results.values.reduce(0) { $0 + $1.indexBytes }
        print(String(format: "indexed \(built) masks (\(already) already indexed) in \(results.count) shards in %.2f s; index size %.1f MB",
                     Date().timeIntervalSince(start), Double(bytes) / 1e6))
    }

    static func query(_ path: String, sql: String, noIndex: Bool, explain: Bool) throws -> QueryResult {
        try runReportingErrors {
            let query = try ShardedQuery(path: path, useIndex: !noIndex)
            return try query.run(sql)
        }
    }
}
