import MaskFormat

extension Executor {
    /// The `.groups` partial of a shard: every group passing WHERE (membership verified exactly),
    /// each scalar aggregate as a combinable `AggregateState` over the members' exact values, and
    /// each ROI's box state. No HAVING, ORDER BY or LIMIT here: they need the merged groups. So
    /// groups are never pruned on bounds (every member whose aggregate argument is not exact on
    /// bounds is read), and members count as accepted or verified.
    /// - Complexity: O(candidates) plus the reads of undecided members.
    func runPartialGroups() throws(QueryError) -> ([ShardPartial.Group], ExecutionCounts) {
        let candidates = rowPass()
        try verifyMembership(candidates)
        var groups = try formGroups(candidates)
        let all = Array(groups.keys.indices)
        try verifyGroups(all, &groups)
        var out: [ShardPartial.Group] = []
        out.reserveCapacity(all.count)
        for g in all {
            let members = groups.members[g]
            markMembers(members, .accepted)
            var states: [AggregateState] = []
            for a in plan.aggregates { states.append(try aggregateState(a, members: members)) }
            let boxes: [ShardPartial.BoxState] = plan.rois.indices.map { r in
                if case .named = plan.rois[r], members.isEmpty { return .none }
                return groups.box(g, roi: r).map { .box($0) } ?? .conflict
            }
            out.append(ShardPartial.Group(key: groups.keys[g], aggregates: states, boxes: boxes))
        }
        return (out, countOutcomes())
    }
}
