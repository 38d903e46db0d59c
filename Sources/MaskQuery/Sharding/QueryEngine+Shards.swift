import MaskFormat
import MaskStorage

extension QueryEngine {
    /// Runs `sql` on this engine's table as one shard of a database of `shardCount` shards and
    /// returns its partial result (`ShardPartial`), for `ShardMerge.merge`. The strategy is the
    /// plan's (`ShardStrategy`): the shard's sorted top rows with their sort keys, or its groups'
    /// partial aggregates. A query no strategy answers exactly throws (semantic, exit 2) before
    /// anything is read.
    /// - Complexity: as `run` (grouped partials verify every group: no pruning on HAVING).
    /// Runs on a stack of its own (`QueryStack`).
    public func runPartial(_ sql: String, shardCount: Int) throws(QueryError) -> ShardPartial {
        try QueryStack.run { () throws(QueryError) in try runPartialHere(sql, shardCount: shardCount) }
    }

    private func runPartialHere(_ sql: String, shardCount: Int) throws(QueryError) -> ShardPartial {
        let clock = ContinuousClock()
        let start = clock.now
        let plan = try Binder.bind(try Parser.parse(sql), table: table)
        let strategy = try ShardStrategy.of(plan, shardCount: shardCount)
        let executor = Executor(table: table, plan: plan, boundsSource: bounds, observer: observer)
        var partial: ShardPartial
        switch strategy {
        case .rows:
            let (rows, counts) = try executor.runResultRows()
            partial = ShardPartial(kind: .rows, columns: plan.columnNames, stats: Self.stats(counts))
            partial.rows = rows.map { ShardPartial.Row(values: $0.values, keys: $0.keys, tie: $0.tie) }
        case .groups:
            let (groups, counts) = try executor.runPartialGroups()
            partial = ShardPartial(kind: .groups, columns: plan.columnNames, stats: Self.stats(counts))
            partial.groups = groups
        }
        partial.stats.elapsedMilliseconds = Self.milliseconds(clock.now - start)
        return partial
    }

    /// The stats of an executor's counts (elapsed time not set).
    static func stats(_ counts: ExecutionCounts) -> QueryStats {
        var stats = QueryStats(masksTotal: counts.total, masksTargeted: counts.targeted, pruned: counts.pruned,
                               acceptedByIndex: counts.accepted, verified: counts.verified,
                               newlyIndexed: counts.newlyIndexed)
        stats.boundWidthHistogram = counts.boundWidths
        return stats
    }

    static func milliseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    /// Checks `sql` against this table (parse, bind, shard strategy) without reading anything.
    public func checkPartial(_ sql: String, shardCount: Int) throws(QueryError) {
        try QueryStack.run { () throws(QueryError) in
            _ = try ShardStrategy.of(try Binder.bind(try Parser.parse(sql), table: table), shardCount: shardCount)
        }
    }
}
