import Foundation
import MaskIndex
import MaskStorage

/// A database opened for queries: the snapshot, its index (unless disabled), and the
/// engine. Each `run` checks the query (parse and bind) before touching any file, executes
/// it with filter-verification, then publishes the index entries it built (incremental
/// indexing, CONTRACT.md section 4). A bad query changes nothing on disk.
///
/// When the index cannot be opened for writing (a read-only directory), queries use the
/// entries that exist, read-only; a damaged index file is an error (exit 1), as any damage.
/// One session runs one query at a time; a long-lived process (the server, a Python
/// connection) may keep several sessions of one database:
///
/// - Publishing (`DatabaseIndex.flush`, and `indexDeferred` when it writes delta records
///   itself) takes the database's lock (`DatabaseLock`, which serialises processes and
///   threads alike); the flushes of all sessions of the process are also serialised by
///   `indexWrites`.
/// - When a flush created index files, the session reopens its snapshot: an index opened over
///   the old snapshot would not see the files the new manifest names.
public final class QuerySession: @unchecked Sendable {
    public let path: String
    public private(set) var database: Database
    public let useIndex: Bool
    public private(set) var index: DatabaseIndex?

    /// Index after the answer: `run` notes the masks it would index (reading only the rows it
    /// needs) and returns without storing anything; `finishIndexing` then reads those masks
    /// whole, builds and stores their entries. `masksearch query` sets it (it prints the answer,
    /// then finishes); false (the default): `run` indexes and publishes before it returns.
    public var deferIndexing = false

    /// Serialises index publishing across the sessions of this process.
    private static let indexWrites = NSLock()

    /// Opens the database at `path`. `useIndex: false` forces the full scan (`--no-index`):
    /// no index file is read, created or written.
    public init(path: String, useIndex: Bool = true) throws(StorageError) {
        self.path = path
        database = try Database(path: path)
        // Queries read only the blocks they need, and prefetch them (VerificationPass).
        database.adviseRandomAccess()
        self.useIndex = useIndex
    }

    /// Runs one query (explaining its bounds when `explain` is given), then publishes the
    /// entries it indexed; `stats.elapsedMilliseconds` covers both. Damage the database's
    /// first-read checks found in the metadata or ROI sets the query read
    /// (`Database.checkIntegrity`) is thrown instead of the result or of the error it caused.
    public func run(_ sql: String, explain: ExplainRequest? = nil) throws -> QueryResult {
        try checked {
            var (result, flushMs) = try execute(check: { (engine) throws(QueryError) in try engine.check(sql) }) {
                (engine) throws(QueryError) in try engine.run(sql, explain: explain)
            }
            // Publishing the entries the query built is part of its cost: `elapsed_ms` includes it.
            result.stats.elapsedMilliseconds += flushMs
            return result
        }
    }

    /// Runs `sql` as one shard of a database of `shardCount` shards (`QueryEngine.runPartial`),
    /// with the checks, indexing and publishing of `run`.
    public func runPartial(_ sql: String, shardCount: Int) throws -> ShardPartial {
        try checked {
            var (partial, flushMs) = try execute(check: { (engine) throws(QueryError) in
                try engine.checkPartial(sql, shardCount: shardCount)
            }) { (engine) throws(QueryError) in try engine.runPartial(sql, shardCount: shardCount) }
            partial.stats.elapsedMilliseconds += flushMs
            return partial
        }
    }

    /// Runs `body`, then throws the damage the first-read checks found (`Database.checkIntegrity`)
    /// instead of its result or of the error it caused.
    private func checked<T>(_ body: () throws -> T) throws -> T {
        let snapshot = database
        let result: T
        do {
            result = try body()
        } catch {
            try snapshot.checkIntegrity()
            throw error
        }
        try snapshot.checkIntegrity()
        return result
    }

    /// Checks the query on the table before any file is touched (`check`), opens the index, runs
    /// `body` on the engine, then publishes the entries it built; the publishing time in ms.
    private func execute<T>(check: (QueryEngine) throws(QueryError) -> Void,
                            _ body: (QueryEngine) throws(QueryError) -> T) throws -> (T, Double) {
        try check(QueryEngine(table: database))
        if useIndex && index == nil {
            do throws(StorageError) {
                index = try DatabaseIndex(database: database, incremental: true)
            } catch {
                guard case .system = error else { throw error }
                index = try DatabaseIndex(database: database, incremental: false)
            }
        }
        // A read-only index gives bounds but takes no entries.
        let observer = index.flatMap { $0.incremental ? $0 : nil }
        index?.defersIndexing = deferIndexing
        let result = try body(QueryEngine(table: database, bounds: index, observer: observer))
        if deferIndexing { return (result, 0) }
        let ms = try Self.milliseconds { () throws(StorageError) in if let index { try publish(index) } }
        return (result, ms)
    }

    /// With `deferIndexing`: reads the masks the last `run` noted whole, builds their entries and
    /// stores them (with the settling a query's end does). Returns the masks built and the time
    /// taken. Damage found reading them is thrown (the answer, computed from what the query
    /// read and checked, stands).
    public func finishIndexing() throws -> (masks: Int, milliseconds: Double) {
        guard let index else { return (0, 0) }
        let snapshot = database
        var built = 0
        let ms = try Self.milliseconds { () throws(StorageError) in
            built = try index.indexDeferred()
            try publish(index)
        }
        try snapshot.checkIntegrity()
        return (built, ms)
    }

    /// Runs `body`; the wall time it took, in milliseconds.
    private static func milliseconds(_ body: () throws(StorageError) -> Void) throws(StorageError) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let d = clock.now - start
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    /// Stores the entries the query indexed; reopens the snapshot when that created index files.
    private func publish(_ index: DatabaseIndex) throws(StorageError) {
        Self.indexWrites.lock()
        defer { Self.indexWrites.unlock() }
        try index.flush()
        guard index.createdFiles else { return }
        let fresh = try Database(path: path)
        fresh.adviseRandomAccess()
        database = fresh
        self.index = nil
    }
}
