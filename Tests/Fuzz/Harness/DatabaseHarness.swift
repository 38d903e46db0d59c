import Foundation
import MaskFormat
import MaskInspect
import MaskQuery
import MaskStorage

/// `fuzz-database`: the input's first byte picks one file of the fixture databases (`Target`), the
/// rest of the input replaces that file in a fresh copy of them; then that database is
/// opened and queried with and without the index (shard 0 alone and the whole sharded database
/// for a sharded file), and the file is dumped (`MaskInspect`, text with header and blocks, and
/// JSON). Any thrown error is a correct outcome
/// (and dump's corruption lines are); a trap or a sanitizer report is a finding.
public enum DatabaseHarness {
    /// The file an input replaces: a kind in the plain database, or in shard 0 of the sharded one,
    /// or the sharded database's shard map.
    public enum Target: UInt8, CaseIterable, Sendable {
        case segment, manifest, roiSet, index, shardedSegment, shardedManifest, shardedROISet, shardedIndex, shardMap

        /// The file's path relative to the fixture's root: the first file of the kind, by name.
        func relativePath(in root: String) -> String? {
            let dir = rawValue >= Target.shardedSegment.rawValue && self != .shardMap ? "sharded/shard-000" : "single"
            let ext: String
            switch self {
            case .shardMap: return "sharded/" + ShardMapLayout.fileName
            case .manifest, .shardedManifest: return dir + "/" + Manifest.fileName
            case .segment, .shardedSegment: ext = ".mss"
            case .roiSet, .shardedROISet: ext = ".msr"
            case .index, .shardedIndex: ext = ".chi"
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + dir)) ?? []
            return names.sorted().first { $0.hasSuffix(ext) }.map { dir + "/" + $0 }
        }
    }

    /// Queries each damaged database answers (or refuses): a filter, a top-k, an aggregate
    /// over an ROI set, a mask-combining aggregate and a metadata scan.
    static let queries = [
        "SELECT mask_id FROM masks WHERE CP(mask, (8, 6, 24, 18), (0.8, 1.0)) > 10",
        "SELECT mask_id, CP(mask, object, 0.8, 1.0) / AREA(object) AS r FROM masks WHERE mask_type = 1 ORDER BY r ASC LIMIT 6",
        "SELECT image_id, AVG(CP(mask, object, 0.8, 1.0)) AS a, COUNT(*) AS n FROM masks GROUP BY image_id ORDER BY a DESC",
        "SELECT image_id, CP(INTERSECT(mask > 0.5), full, 0.5, 1) AS i FROM masks GROUP BY image_id",
        "SELECT * FROM masks WHERE image_id = 3",
    ]

    /// The pristine fixture, built once per process; each input works on a copy.
    static let pristine = FuzzFixture.shared

    /// Runs one input: only the database holding the replaced file is copied, queried and has
    /// that file dumped (the other files are the pristine ones, dumped by the seeds).
    /// - Complexity: a copy of one fixture database (under 40 KB), its queries, one dump.
    public static func run(_ data: UnsafeRawBufferPointer) {
        guard let first = data.first, let target = Target(rawValue: first % UInt8(Target.allCases.count)) else { return }
        let isSharded = target.rawValue >= Target.shardedSegment.rawValue
        let name = isSharded ? "sharded" : "single"
        let source = isSharded ? pristine.sharded : pristine.single
        let work = FuzzScratch.fresh("database")
        guard (try? FileManager.default.copyItem(atPath: source, toPath: work + "/" + name)) != nil else {
            FuzzScratch.abandon("cannot copy the fixture to \(work)")
        }
        guard let relative = target.relativePath(in: work) else { return }
        let file = work + "/" + relative
        guard FuzzScratch.write(UnsafeRawBufferPointer(rebasing: data.dropFirst()), to: file) else { return }
        if isSharded {
            query(work + "/sharded/shard-000")
            queryShards(work + "/sharded")
        } else {
            query(work + "/single")
        }
        dump(file)
    }

    /// Opens the database (with and without its index) and runs every query.
    static func query(_ path: String) {
        for useIndex in [true, false] {
            guard let session = try? QuerySession(path: path, useIndex: useIndex) else { continue }
            for sql in queries { _ = try? session.run(sql) }
        }
    }

    /// Opens the sharded database and runs every query across its shards.
    static func queryShards(_ path: String) {
        for useIndex in [true, false] {
            guard let sharded = try? ShardedQuery(path: path, useIndex: useIndex) else { continue }
            for sql in queries { _ = try? sharded.run(sql) }
        }
    }

    /// Dumps the file as `masksearch dump --header --blocks` and `--json` do.
    static func dump(_ path: String) {
        guard let dumper = try? FileDump.open(path: path) else { return }
        var text = ""
        dumper.write(DumpOptions(header: true, blocks: true), to: &text)
        dumper.write(DumpOptions(json: true), to: &text)
    }
}
