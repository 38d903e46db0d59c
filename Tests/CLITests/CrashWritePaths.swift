import Foundation

/// The write paths the crash and power-cut sweeps run: each a base state built under a root
/// directory (the database at `root/db`; inputs live outside the root) and one command that
/// changes it, with the check queries whose answers tell the old state from the new.
struct WritePath: Sendable, CustomStringConvertible {
    let name: String
    /// Builds the base state under `root` from the inputs in `inputs`.
    let prepare: @Sendable (_ inputs: String, _ root: String) throws -> Void
    /// The command under test.
    let command: @Sendable (_ inputs: String, _ root: String) -> [String]
    /// Check queries (answers compared as exit status + CSV output, indexed and `--no-index`).
    let queries: [String]
    var description: String { name }

    static let values = "SELECT mask_id, CP(mask, (4, 4, 28, 20), 0.5, 1.0) AS v FROM masks ORDER BY mask_id"
    static let filter = "SELECT mask_id FROM masks WHERE CP(mask, (8, 8, 24, 24), 0.75, 1.0) > 60 ORDER BY mask_id"
    static let topk = "SELECT mask_id, CP(mask, full, 0.3, 0.9) AS v FROM masks ORDER BY v DESC, mask_id LIMIT 5"
    static let roi = "SELECT mask_id, CP(mask, object, 0.5, 1.0) AS v FROM masks ORDER BY mask_id"

    /// The inputs every path uses: two stacks of 8 masks of 32 x 32 and an ROI file.
    static func writeInputs(_ dir: String) throws {
        try writeNpyU8(dir + "/a.npy", n: 8, h: 32, w: 32, seed: 11)
        try writeNpyU8(dir + "/b.npy", n: 8, h: 32, w: 32, seed: 12)
        var rois = "image_id,x0,y0,x1,y1\n"
        for i in 0..<16 { rois += "\(i),\(i % 5),\(i % 7),\(16 + i % 9),\(20 + i % 11)\n" }
        try rois.write(toFile: dir + "/rois.csv", atomically: true, encoding: .utf8)
    }

    /// Runs the binary (no shim) and requires success.
    static func must(_ args: [String]) throws {
        let r = try CLI.run(args)
        guard r.status == 0 else { throw FaultShim.ShimError(message: "\(args): \(r.stderr)") }
    }

    static let all: [WritePath] = [
        WritePath(name: "ingest-new", prepare: { _, _ in },
                  command: { i, r in ["ingest", r + "/db", i + "/a.npy"] }, queries: [values, filter]),
        WritePath(name: "ingest", prepare: { i, r in try must(["ingest", r + "/db", i + "/a.npy"]) },
                  command: { i, r in ["ingest", r + "/db", i + "/b.npy"] }, queries: [values, filter]),
        WritePath(name: "roi", prepare: { i, r in try must(["ingest", r + "/db", i + "/a.npy"]) },
                  command: { i, r in ["roi", r + "/db", "object", i + "/rois.csv"] }, queries: [roi, filter]),
        WritePath(name: "index", prepare: { i, r in
                      try must(["ingest", r + "/db", i + "/a.npy"])
                      try must(["ingest", r + "/db", i + "/b.npy"])
                      try must(["query", r + "/db", "SELECT mask_id FROM masks WHERE mask_id < 5 AND CP(mask, full, 0.5, 1.0) > 10"])
                  },
                  command: { _, r in ["index", r + "/db"] }, queries: [values, filter, topk]),
        WritePath(name: "query-flush", prepare: { i, r in
                      try must(["ingest", r + "/db", i + "/a.npy"])
                      try must(["ingest", r + "/db", i + "/b.npy"])
                  },
                  command: { _, r in ["query", r + "/db", filter] }, queries: [values, filter, topk]),
        WritePath(name: "sharded-ingest", prepare: { i, r in
                      try must(["shard", "create", r + "/db", "--shards", "2"])
                      try must(["ingest", r + "/db", i + "/a.npy"])
                  },
                  command: { i, r in ["ingest", r + "/db", i + "/b.npy"] }, queries: [values, filter]),
    ]
}
