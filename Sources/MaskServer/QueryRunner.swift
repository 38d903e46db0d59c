import MaskQuery
import MaskStorage

/// Runs queries for the server, one at a time: a `QuerySession` with the index (it publishes
/// what each query indexed, serialised with every other session of the process, and reopens
/// its snapshot when that created index files) and one without it, for `use_index: false`.
final class QueryRunner: @unchecked Sendable {
    private let indexed: QuerySession
    private let scan: QuerySession

    init(path: String) throws(StorageError) {
        indexed = try QuerySession(path: path)
        scan = try QuerySession(path: path, useIndex: false)
    }

    /// Runs `sql`; `useIndex: false` reads every targeted mask and writes nothing (`--no-index`).
    /// Damage found in the metadata the query read is its error, as in `QuerySession`.
    func run(_ sql: String, useIndex: Bool, explain: ExplainRequest?) throws -> QueryResult {
        try (useIndex ? indexed : scan).run(sql, explain: explain)
    }
}
