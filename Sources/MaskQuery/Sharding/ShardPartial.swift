import MaskFormat

/// One shard's answer to a query, before the merge (`ShardMerge`): what the merge needs to give
/// exactly the rows and order of one database holding every shard's masks.
///
/// - `.rows`: the shard's result rows with their ORDER BY keys (also keys not selected) and
///   tie-breaker (mask_id, or the group key when grouped by image_id), already sorted and cut to
///   LIMIT — the shard's top-k. Queries without GROUP BY, GROUP BY image_id (every group lies in
///   one shard, so HAVING ran in the shard), and any query on a single shard.
/// - `.groups`: for GROUP BY another key (or aggregates without GROUP BY), every group the shard
///   has, with each scalar aggregate's combinable `AggregateState` and each ROI's `BoxState`;
///   HAVING, projection, ORDER BY and LIMIT run after the merge.
///
/// `encoded()` / `init(encoded:)` turn it into bytes (JSON; Doubles as their IEEE bit patterns, so
/// nothing is rounded) for a process or machine other than the one that ran the shard.
public struct ShardPartial: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case rows, groups
    }

    /// One result row of a `.rows` partial.
    public struct Row: Sendable, Hashable {
        public var values: [ColumnValue]
        public var keys: [ColumnValue]
        public var tie: ColumnValue
    }

    /// The common box of a group's members for one ROI, combinable across shards.
    public enum BoxState: Sendable, Hashable {
        /// No member in this shard (a named set): says nothing.
        case none
        case box(PixelBox)
        /// Members' boxes differ, or a member has none: the group's box is NULL.
        case conflict

        func merged(_ other: BoxState) -> BoxState {
            switch (self, other) {
            case (.none, let x), (let x, .none): return x
            case (.box(let a), .box(let b)) where a == b: return self
            default: return .conflict
            }
        }
    }

    /// One group of a `.groups` partial.
    public struct Group: Sendable, Hashable {
        public var key: ColumnValue
        public var aggregates: [AggregateState]
        public var boxes: [BoxState]
    }

    public var kind: Kind
    public var columns: [String]
    public var rows: [Row] = []
    public var groups: [Group] = []
    /// The shard's counters (its own elapsed time).
    public var stats: QueryStats

    public init(kind: Kind, columns: [String], stats: QueryStats) {
        self.kind = kind
        self.columns = columns
        self.stats = stats
    }
}
