import Foundation
import MaskIndex
import MaskQuery
import MaskStorage

/// Runs queries for the server, one at a time, as `QuerySession` does for the CLI — check the
/// query, run it with filter-verification over the index, publish the entries it indexed —
/// with two differences a long-lived process needs:
///
/// - Publishing (`DatabaseIndex.flush`) takes the database's lock, a POSIX record lock, which
///   serialises processes but not the threads of one process. Flushes of all runners are
///   therefore serialised by `indexWrites` too.
/// - When a flush created index files, the database snapshot is reopened with the index:
///   an index opened over the old snapshot would not see the new files.
///
/// `stats.elapsedMilliseconds` covers the query and its flush, as the CLI's.
final class QueryRunner: @unchecked Sendable {
    private let path: String
    private var database: Database
    private var index: DatabaseIndex?

    /// Serialises index publishing across the runners of this process.
    private static let indexWrites = NSLock()

    init(path: String) throws(StorageError) {
        self.path = path
        database = try Database(path: path)
        database.adviseRandomAccess()
    }

    /// Runs `sql`; `useIndex: false` reads every targeted mask and writes nothing (`--no-index`).
    /// Damage found in the metadata the query read is its error, as in `QuerySession`.
    func run(_ sql: String, useIndex: Bool, explain: ExplainRequest?) throws -> QueryResult {
        let snapshot = database
        let result: QueryResult
        do {
            result = try runUnchecked(sql, useIndex: useIndex, explain: explain)
        } catch {
            try snapshot.checkIntegrity()
            throw error
        }
        try snapshot.checkIntegrity()
        return result
    }

    private func runUnchecked(_ sql: String, useIndex: Bool, explain: ExplainRequest?) throws -> QueryResult {
        guard useIndex else {
            return try QueryEngine(table: database).run(sql, explain: explain)
        }
        // A bad query opens nothing: checked (parsed and bound) before the index is first opened;
        // once it is open, `run` checks the query before reading anything anyway.
        if index == nil { _ = try QueryEngine(table: database).explain(sql) }
        let index = try openIndex()
        let observer = index.incremental ? index : nil
        var result = try QueryEngine(table: database, bounds: index, observer: observer).run(sql, explain: explain)
        let clock = ContinuousClock()
        let start = clock.now
        try publish(index)
        let flush = clock.now - start
        result.stats.elapsedMilliseconds += Double(flush.components.seconds) * 1000
            + Double(flush.components.attoseconds) / 1e15
        return result
    }

    /// The index, opened incremental (read-only when the directory is not writable).
    private func openIndex() throws(StorageError) -> DatabaseIndex {
        if let index { return index }
        let opened: DatabaseIndex
        do throws(StorageError) {
            opened = try DatabaseIndex(database: database, incremental: true)
        } catch {
            guard case .system = error else { throw error }
            opened = try DatabaseIndex(database: database, incremental: false)
        }
        index = opened
        return opened
    }

    private func publish(_ index: DatabaseIndex) throws(StorageError) {
        Self.indexWrites.lock()
        defer { Self.indexWrites.unlock() }
        try index.flush()
        if index.createdFiles {
            // The new files are named by the new manifest: reopen the snapshot to see them.
            let fresh = try Database(path: path)
            fresh.adviseRandomAccess()
            database = fresh
            self.index = nil
        }
    }
}
