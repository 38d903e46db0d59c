import MaskFormat
import MaskStorage

/// The merge of shards' partial results into the result one database holding every shard's masks
/// gives: the same rows in the same order (CONTRACT.md section 10). Engine code shared by the CLI
/// (`ShardedQuery`) and by callers that ran the shards elsewhere (Ray tasks through the C ABI,
/// `ShardPartial.encoded()` carrying each partial).
///
/// - `.rows` partials (each a shard's first k rows with sort keys and tie-breakers): every row of
///   the global first k is among its own shard's first k (the order is total: ties fall to the
///   unique mask_id or to a shard-local group key), so the first k of their union, by
///   `ResultOrdering`, is the answer. O(R log k) for R rows.
/// - `.groups` partials: states of equal keys are combined (`AggregateState.merge`, exact), each
///   merged group's aggregates and boxes evaluated, then HAVING, projection, ORDER BY, LIMIT by
///   the engine's own evaluator and ordering. O(G log G) for G groups.
///
/// `stats` are the shards' counters summed (fml = verified / masks_total follows), with
/// `elapsedMilliseconds` the caller's wall time of the whole query.
public enum ShardMerge {
    /// Merges `partials` (one per shard that holds masks; `shardCount` is the database's number of
    /// shards, which decides the strategy) for `sql`, bound against `schema` (any shard's table:
    /// shards share columns and ROI sets). A partial of the wrong kind or shape is an `internal`
    /// error (exit 1), never a partial answer. Runs on a stack of its own (`QueryStack`).
    public static func merge(sql: String, schema: any MaskTable, shardCount: Int, partials: [ShardPartial],
                             elapsedMilliseconds: Double) throws(QueryError) -> QueryResult {
        try QueryStack.run { () throws(QueryError) in
            try mergeHere(sql: sql, schema: schema, shardCount: shardCount, partials: partials,
                          elapsedMilliseconds: elapsedMilliseconds)
        }
    }

    private static func mergeHere(sql: String, schema: any MaskTable, shardCount: Int, partials: [ShardPartial],
                                  elapsedMilliseconds: Double) throws(QueryError) -> QueryResult {
        let statement = try Parser.parse(sql)
        let plan = try Binder.bind(statement, table: schema)
        let strategy = try ShardStrategy.of(plan, shardCount: shardCount)
        var stats = QueryStats()
        for p in partials {
            guard p.kind == (strategy == .rows ? .rows : .groups), p.columns == plan.columnNames else {
                throw mismatch("a shard's partial result is of another query (kind \(p.kind), columns \(p.columns))")
            }
            add(p.stats, to: &stats)
        }
        stats.elapsedMilliseconds = elapsedMilliseconds
        let limit = statement.limit.map { min($0.value, max(stats.masksTotal, 1)) }
        var rows: [ResultRow]
        if strategy == .rows {
            rows = partials.flatMap { $0.rows.map { ResultRow(values: $0.values, keys: $0.keys, tie: $0.tie) } }
            guard rows.allSatisfy({ $0.keys.count == plan.sortKeys.count }) else {
                throw mismatch("a shard's rows do not carry the query's \(plan.sortKeys.count) sort keys")
            }
        } else {
            rows = try mergedGroupRows(plan: plan, schema: schema, partials: partials)
        }
        let ordering = ResultOrdering(descending: plan.sortKeys.map(\.descending))
        if let limit { ordering.firstK(&rows, limit) } else { ordering.sort(&rows) }
        let text = "sharded: \(shardCount) shards (\(partials.count) holding masks), merged \(strategy == .rows ? "rows" : "partial aggregates")\n"
            + PlanDescription.describe(plan, table: schema, bounds: true, stats: stats)
        return QueryResult(columns: plan.columnNames, rows: rows.map(\.values), stats: stats, explain: text)
    }

    static func add(_ s: QueryStats, to total: inout QueryStats) {
        total.masksTotal += s.masksTotal
        total.masksTargeted += s.masksTargeted
        total.pruned += s.pruned
        total.acceptedByIndex += s.acceptedByIndex
        total.verified += s.verified
        total.newlyIndexed += s.newlyIndexed
        if total.boundWidthHistogram.count < s.boundWidthHistogram.count {
            total.boundWidthHistogram += Array(repeating: 0, count: s.boundWidthHistogram.count - total.boundWidthHistogram.count)
        }
        for (i, h) in s.boundWidthHistogram.enumerated() { total.boundWidthHistogram[i] += h }
    }

    static func mismatch(_ message: String) -> QueryError {
        QueryError(kind: .internal, location: nil, token: "", message: message)
    }

    /// Combines the groups of equal keys across partials, then finishes each merged group as the
    /// executor finishes a group (`Executor.finishGroup`): HAVING, projections, sort keys.
    static func mergedGroupRows(plan: QueryPlan, schema: any MaskTable,
                                partials: [ShardPartial]) throws(QueryError) -> [ResultRow] {
        var index: [ColumnValue: Int] = [:]
        var merged: [ShardPartial.Group] = []
        for p in partials {
            for g in p.groups {
                guard g.aggregates.count == plan.aggregates.count, g.boxes.count == plan.rois.count else {
                    throw mismatch("a shard's group has \(g.aggregates.count) aggregates and \(g.boxes.count) boxes")
                }
                guard let i = index[g.key] else {
                    index[g.key] = merged.count
                    merged.append(g)
                    continue
                }
                for a in plan.aggregates.indices {
                    merged[i].aggregates[a].merge(g.aggregates[a], function: plan.aggregates[a].function)
                }
                for r in plan.rois.indices { merged[i].boxes[r] = merged[i].boxes[r].merged(g.boxes[r]) }
            }
        }
        let evaluator = ExpressionEvaluator(table: schema, states: RowStates(rows: 0, constantBoxes: plan.rois.map { _ in nil },
                                                                            termCount: plan.cpTerms.count))
        var rows: [ResultRow] = []
        for g in merged {
            let values = GroupValues(
                key: g.key,
                areas: g.boxes.map { if case .box(let b) = $0 { return .int(Int64(b.area)) } else { return .null } },
                groupCP: [],
                aggregates: plan.aggregates.indices.map {
                    .exact(g.aggregates[$0].value(plan.aggregates[$0].function, argumentType: plan.aggregates[$0].argumentType))
                })
            if let h = plan.having, try evaluator.exactTruth(h, row: 0, group: values) != .true { continue }
            var out: [ColumnValue] = []
            for p in plan.projections { out.append(try evaluator.exactValue(p, row: 0, group: values)) }
            var keys: [ColumnValue] = []
            for k in plan.sortKeys { keys.append(try evaluator.exactValue(k.expression, row: 0, group: values)) }
            rows.append(ResultRow(values: out, keys: keys, tie: g.key))
        }
        return rows
    }
}
