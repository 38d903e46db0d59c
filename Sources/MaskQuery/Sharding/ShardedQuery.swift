import Foundation
import MaskFormat
import MaskStorage
import Synchronization

/// A sharded database opened for queries (CONTRACT.md section 10): one `QuerySession` per shard
/// that holds masks, run in parallel in this process, merged by `ShardMerge` — the same rows
/// and order as one database holding every mask. `masksearch query` on a sharded directory.
///
/// Consistency: the shard map is read clean (waiting for a writer, recovering a dead one's
/// journal), the shards opened, and the map read again; a changed epoch means a sharded write
/// ran meanwhile, and the shards are opened again. A shard the map says holds masks that is
/// missing, has no database or another number of masks is damage (`StorageError.corrupt`, exit
/// 1), never a partial answer.
public final class ShardedQuery: @unchecked Sendable {
    public let path: String
    public let useIndex: Bool
    public private(set) var map: ShardMap
    /// Sessions of the shards holding masks, with their shard numbers.
    public private(set) var sessions: [(shard: Int, session: QuerySession)] = []

    public init(path: String, useIndex: Bool = true) throws(StorageError) {
        self.path = path
        self.useIndex = useIndex
        map = try ShardedDatabase.readClean(path)
        for attempt in 0..<3 {
            sessions = try Self.open(path, map, useIndex: useIndex)
            let again = try ShardedDatabase.readClean(path)
            if again == map { return }
            guard attempt < 2 else { break }
            map = again
        }
        throw StorageError.invalidInput(file: path, location: "", reason: "sharded writes kept changing the database while it was opened; try again")
    }

    static func open(_ path: String, _ map: ShardMap, useIndex: Bool) throws(StorageError) -> [(shard: Int, session: QuerySession)] {
        var out: [(shard: Int, session: QuerySession)] = []
        for i in map.shardNames.indices {
            let shard = map.shardPath(path, i)
            func damaged(_ why: String) -> StorageError {
                .corrupt(FormatError(.invalidField, structure: "sharded database", file: shard, detail: why))
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: shard, isDirectory: &isDirectory), isDirectory.boolValue else { throw damaged("the shard directory is missing") }
            guard Database.exists(at: shard) else {
                if map.maskCounts[i] == 0 { continue }
                throw damaged("the shard map says it holds \(map.maskCounts[i]) masks, but it has no MANIFEST")
            }
            let session = try QuerySession(path: shard, useIndex: useIndex)
            guard session.database.count == map.maskCounts[i] else {
                throw damaged("it holds \(session.database.count) masks, the shard map says \(map.maskCounts[i])")
            }
            out.append((i, session))
        }
        return out
    }

    /// Runs `sql` on every shard in parallel and merges. A bad query throws before any shard
    /// reads a mask; the first error by shard order is thrown, never a partial answer.
    /// - Complexity: the shards' queries (in parallel, up to the core count) plus the merge.
    public func run(_ sql: String) throws -> QueryResult {
        let clock = ContinuousClock()
        let start = clock.now
        guard let schema = sessions.first?.session.database else {
            throw StorageError.notADatabase(path: path, reason: "the sharded database holds no masks yet")
        }
        try QueryEngine(table: schema).checkPartial(sql, shardCount: map.shardNames.count)
        let results = Mutex<[Int: Result<ShardPartial, any Error>]>([:])
        let count = map.shardNames.count
        let workers = max(1, min(sessions.count, Parallel.coreCount))
        Parallel.run(workers: workers) { w in
            for (n, s) in self.sessions.enumerated() where n % workers == w {
                let r = Result { try s.session.runPartial(sql, shardCount: count) }
                results.withLock { $0[n] = r }
            }
        }
        var partials: [ShardPartial] = []
        for n in sessions.indices {
            guard let r = results.withLock({ $0[n] }) else { continue }
            partials.append(try r.get())
        }
        return try ShardMerge.merge(sql: sql, schema: schema, shardCount: count, partials: partials,
                                    elapsedMilliseconds: QueryEngine.milliseconds(clock.now - start))
    }
}
