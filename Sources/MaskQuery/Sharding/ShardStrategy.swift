/// How a query runs over a database sharded by image_id (CONTRACT.md section 10), chosen from its
/// plan alone, so every shard and the merge choose alike.
enum ShardStrategy: Sendable, Hashable {
    /// Each shard runs the whole plan (its top-k when LIMIT is given) and returns its sorted rows
    /// with their sort keys; the merge is a k-way merge by the contract's order, then LIMIT.
    /// Rows are masks, or groups complete in one shard (GROUP BY image_id, or a single shard).
    case rows
    /// Each shard returns partial aggregates per group key; the merge combines them exactly, then
    /// runs HAVING, projection, ORDER BY and LIMIT.
    case groups

    /// The builtin column index of `image_id` (`MaskTable.columns`).
    static let imageIDColumn = 1

    /// The strategy of `plan` over `shardCount` shards; a query no strategy answers exactly is a
    /// semantic error (exit 2) saying why: a mask aggregate (INTERSECT, UNION, AVG/MIN/MAX(mask))
    /// over groups that can span shards, whose pixel-wise aggregate would need every member's
    /// pixels in one place.
    static func of(_ plan: QueryPlan, shardCount: Int) throws(QueryError) -> ShardStrategy {
        guard plan.isGrouped, shardCount > 1, plan.groupColumn != imageIDColumn else { return .rows }
        guard plan.groupCPTerms.isEmpty else {
            let by = plan.groupColumn == nil ? "without GROUP BY" : "with a GROUP BY key other than image_id"
            throw QueryError(kind: .semantic, location: nil, token: "",
                             message: "a mask aggregate (INTERSECT, UNION, AVG/MIN/MAX(mask)) \(by) cannot be answered on a "
                                 + "sharded database: its groups span shards, and a pixel-wise aggregate needs every member's "
                                 + "pixels in one place (the database is sharded by image_id: GROUP BY image_id works)")
        }
        return .groups
    }
}
