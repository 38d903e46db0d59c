import Foundation
import MaskFormat
import Synchronization

extension ShardedWrite {
    /// Runs `body` inside a sharded write: committed when it returns, rolled back (every shard
    /// as before) when it throws — the error is rethrown.
    public static func perform<T>(directory: String, _ body: (ShardedWrite) throws -> T) throws -> T {
        let write = try ShardedWrite(directory: directory)
        do {
            let result = try body(write)
            try write.commit()
            return result
        } catch {
            try? write.rollback()
            throw error
        }
    }

    /// The shards holding a database, by number.
    public var databaseShards: [Int] {
        map.shardNames.indices.filter { Database.exists(at: map.shardPath(directory, $0)) }
    }

    /// Runs `body(shard, path)` on every shard holding a database, shards in parallel (up to the
    /// core count; `workers: 1` in turn); results by shard. The first error by shard order is
    /// thrown after all have finished.
    public func forEachDatabaseShard<T: Sendable>(workers: Int = Parallel.coreCount,
                                        _ body: (Int, String) throws -> T) throws -> [Int: T] {
        let shards = databaseShards
        guard !shards.isEmpty else {
            throw StorageError.notADatabase(path: directory, reason: "the sharded database holds no masks yet (ingest first)")
        }
        let results = Mutex<[Int: Result<T, any Error>]>([:])
        let n = max(1, min(workers, shards.count))
        Parallel.run(workers: n) { w in
            for (k, s) in shards.enumerated() where k % n == w {
                let r = Result { try body(s, self.map.shardPath(self.directory, s)) }
                results.withLock { $0[s] = r }
            }
        }
        var out: [Int: T] = [:]
        for s in shards {
            guard let r = results.withLock({ $0[s] }) else { continue }
            out[s] = try r.get()
        }
        return out
    }

    /// Gives every shard in `shards` (databases this write created) the ROI sets of `reference`,
    /// so every shard binds the same queries: each set as boxes CSV text for `ROISetLoader`.
    /// - Complexity: O(boxes × shards).
    func copyROISets(from reference: String, to shards: [Int]) throws(StorageError) {
        let db = try Database(path: reference)
        for name in db.roiSetNames {
            guard let set = db.roiSet(named: name) else { continue }
            try db.checkIntegrity()
            var text = (set.key == .imageID ? "image_id" : "mask_id") + ",x0,y0,x1,y1\n"
            for (id, b) in set.boxes.sorted { text += "\(id),\(b.x0),\(b.y0),\(b.x1),\(b.y1)\n" }
            for s in shards { _ = try ROISetLoader.load(into: map.shardPath(directory, s), name: name, csvText: text) }
        }
    }

    /// Gives the shards this write created (holding a database now, not in `before`) the ROI
    /// sets of the first shard of `before` (both sharded ingests call it).
    /// - Complexity: O(boxes × created shards).
    public func shareROISets(createdSince before: [Int]) throws(StorageError) {
        guard let reference = before.first else { return }
        let created = databaseShards.filter { !before.contains($0) }
        guard !created.isEmpty else { return }
        try copyROISets(from: map.shardPath(directory, reference), to: created)
    }
}
