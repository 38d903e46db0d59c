import Foundation
import MaskIndex
import MaskStorage

/// The small valid databases the fuzz targets query: the conformance sample (Tests/Fuzz/Data: 24
/// masks of 24 × 32 uint8, metadata, an `object` ROI set), ingested once per process into a
/// plain database and a 2-shard sharded one under the scratch directory, both fully indexed
/// (so queries find every mask indexed and write nothing). Building takes a few tens of
/// milliseconds on tmpfs.
public struct FuzzFixture: Sendable {
    /// The committed sample data, found from this file's path (the fuzzers and the regression
    /// tests run from a checkout).
    public static let dataDirectory: String = {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Data").path
    }()

    /// A valid plain database.
    public let single: String
    /// A valid sharded database of 2 shards.
    public let sharded: String

    /// The process's fixture under `FuzzScratch.root/fixture`, built on first use.
    public static let shared: FuzzFixture = build(under: FuzzScratch.fresh("fixture"))

    /// Ingests the sample into `directory/single` and `directory/sharded`, loads the ROI set and
    /// indexes both; stops the process when that fails (a broken harness, not a finding).
    public static func build(under directory: String) -> FuzzFixture {
        let fixture = FuzzFixture(single: directory + "/single", sharded: directory + "/sharded")
        let masks = dataDirectory + "/masks.npy", rois = dataDirectory + "/rois/object.csv"
        var options = Ingester.Options()
        options.metaPath = dataDirectory + "/meta.csv"
        do {
            _ = try Ingester.ingest(into: fixture.single, inputs: [masks], options: options)
            _ = try ROISetLoader.load(into: fixture.single, name: "object", csvPath: rois)
            _ = try IndexBuilder.build(databasePath: fixture.single, bins: nil, cell: nil)
            try ShardedDatabase.create(at: fixture.sharded, shards: 2)
            _ = try ShardedIngest.ingest(into: fixture.sharded, inputs: [masks], options: options)
            _ = try ShardedWrite.perform(directory: fixture.sharded) { write in
                try write.forEachDatabaseShard(workers: 1) { _, shard in
                    _ = try ROISetLoader.load(into: shard, name: "object", csvPath: rois)
                    return try IndexBuilder.build(databasePath: shard, bins: nil, cell: nil).built
                }
            }
        } catch {
            FuzzScratch.abandon("cannot build the fixture databases from \(dataDirectory): \(error)")
        }
        return fixture
    }
}
