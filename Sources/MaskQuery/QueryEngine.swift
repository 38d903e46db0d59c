import MaskFormat
import MaskStorage

/// The public entry point: parses, binds and runs one query against a `MaskTable`.
///
///     let engine = QueryEngine(table: db, bounds: index, observer: index)   // nil, nil for --no-index
///     let result = try engine.run("SELECT mask_id FROM masks WHERE CP(mask, full, 0.8, 1) > 100")
///     print(ResultFormatter.format(result, as: .json))
///
/// Errors are typed: `QueryError.exitCode` is 2 for a bad query, 1 for I/O or internal failures.
public struct QueryEngine: Sendable {
    public let table: any MaskTable
    public let bounds: (any CPBoundsSource)?
    /// The index writer, offered the masks the query reads whole; nil: the query indexes nothing.
    public let observer: (any IndexObserver)?

    public init(table: any MaskTable, bounds: (any CPBoundsSource)? = nil, observer: (any IndexObserver)? = nil) {
        self.table = table
        self.bounds = bounds
        self.observer = observer
    }

    /// Runs `sql`. - Complexity: O(masks) metadata work plus the pixel reads of undecided masks.
    public func run(_ sql: String) throws(QueryError) -> QueryResult {
        let clock = ContinuousClock()
        let start = clock.now
        let statement = try Parser.parse(sql)
        let plan = try Binder.bind(statement, table: table)
        let executor = Executor(table: table, plan: plan, boundsSource: bounds, observer: observer)
        let (rows, counts) = try executor.run()
        let elapsed = clock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var stats = QueryStats(masksTotal: counts.total, masksTargeted: counts.targeted, pruned: counts.pruned,
                               acceptedByIndex: counts.accepted, verified: counts.verified,
                               newlyIndexed: counts.newlyIndexed, elapsedMilliseconds: ms)
        stats.boundWidthHistogram = counts.boundWidths
        return QueryResult(columns: plan.columnNames, rows: rows, stats: stats,
                           explain: PlanDescription.describe(plan, table: table, bounds: bounds != nil, stats: stats))
    }

    /// The plan of `sql` without running it (for `--explain` without execution).
    public func explain(_ sql: String) throws(QueryError) -> String {
        let plan = try Binder.bind(try Parser.parse(sql), table: table)
        return PlanDescription.describe(plan, table: table, bounds: bounds != nil, stats: nil)
    }
}
