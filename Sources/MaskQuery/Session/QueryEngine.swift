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

    /// Runs `sql`; with `explain`, also explains its bounds (`QueryResult.explanation`).
    /// - Complexity: O(masks) metadata work plus the pixel reads of undecided masks.
    /// Runs on a stack of its own (`QueryStack`).
    public func run(_ sql: String, explain: ExplainRequest? = nil) throws(QueryError) -> QueryResult {
        try QueryStack.run { () throws(QueryError) in try runHere(sql, explain: explain) }
    }

    private func runHere(_ sql: String, explain: ExplainRequest?) throws(QueryError) -> QueryResult {
        let clock = ContinuousClock()
        let start = clock.now
        let statement = try Parser.parse(sql)
        let plan = try Binder.bind(statement, table: table)
        let maskRow = try explain?.maskID.map { (id) throws(QueryError) in try row(ofMaskID: id) }
        let executor = Executor(table: table, plan: plan, boundsSource: bounds, observer: observer,
                                explain: explain, explainMaskRow: maskRow)
        let (rows, counts) = try executor.run()
        let elapsed = clock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var stats = QueryStats(masksTotal: counts.total, masksTargeted: counts.targeted, pruned: counts.pruned,
                               acceptedByIndex: counts.accepted, verified: counts.verified,
                               newlyIndexed: counts.newlyIndexed, elapsedMilliseconds: ms)
        stats.boundWidthHistogram = counts.boundWidths
        var text = PlanDescription.describe(plan, table: table, bounds: bounds != nil, stats: stats)
        if let e = executor.explanation { text += "\n" + ExplanationFormatter.text(e) }
        var result = QueryResult(columns: plan.columnNames, rows: rows, stats: stats, explain: text)
        result.explanation = executor.explanation
        return result
    }

    /// The storage row of the mask with `id` (for `--explain-mask`); a semantic error (exit 2)
    /// when no mask has it. - Complexity: O(masks).
    func row(ofMaskID id: Int64) throws(QueryError) -> Int {
        guard let row = table.builtinColumn(0).firstIndex(of: id) else {
            throw QueryError(kind: .semantic, location: nil, token: String(id),
                             message: "--explain-mask \(id): no mask has this mask_id")
        }
        return row
    }

    /// Parses and binds `sql` against the table, reading nothing: the error a run would throw
    /// before its first read, or none.
    public func check(_ sql: String) throws(QueryError) {
        try QueryStack.run { () throws(QueryError) in _ = try Binder.bind(try Parser.parse(sql), table: table) }
    }
}
