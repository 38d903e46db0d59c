import MaskFormat
import MaskStorage

extension Executor {
    /// The box of a group for one ROI: `full` and constant boxes as they are; for a named set, the
    /// members' common box — NULL when a member has no box, when the members' boxes differ, or when
    /// the group is empty. With GROUP BY image_id and an image-keyed set this is the image's box.
    func groupBox(roi: Int, members: [Int]) -> PixelBox? {
        switch plan.rois[roi] {
        case .full: return PixelBox.full(width: table.width, height: table.height)
        case .box(let b): return b
        case .named:
            guard let first = members.first, let box = states.box(row: first, roi: roi) else { return nil }
            for m in members.dropFirst() where states.box(row: m, roi: roi) != box { return nil }
            return box
        }
    }

    /// CP terms read by scalar aggregate arguments.
    var aggregateTerms: [Int] {
        var s = Set<Int>()
        for a in plan.aggregates { a.argument?.collectCPTerms(into: &s) }
        return s.sorted()
    }

    /// The groups of a grouped query: keys, and member rows in ascending mask_id order.
    struct Groups {
        var keys: [ColumnValue] = []
        var members: [[Int]] = []
        /// Each group's box per ROI (`groupBox`), group `g`'s at `g * roiCount ..< (g + 1) * roiCount`:
        /// one array, not one per group (ImageNet's Q5 has 665k groups).
        var flatBoxes: [PixelBox?] = []
        var roiCount = 0
        /// Exact CP values of mask aggregates, once computed (nil: not yet).
        var groupCP: [[IntervalValue]?] = []

        /// Group `g`'s box per ROI.
        func boxes(_ g: Int) -> ArraySlice<PixelBox?> { flatBoxes[g * roiCount ..< (g + 1) * roiCount] }

        /// Group `g`'s box for ROI `roi`.
        func box(_ g: Int, roi: Int) -> PixelBox? { flatBoxes[g * roiCount + roi] }
    }

    /// Group-level values: exact when every member value is exact and mask aggregates are
    /// computed, else bounds (mask aggregates bounded by 0...area of the group's box).
    func groupValues(_ groups: Groups, _ g: Int) throws(QueryError) -> GroupValues {
        var aggregates: [IntervalValue] = []
        for a in plan.aggregates { aggregates.append(try aggregateBounds(a, members: groups.members[g])) }
        let areas: [ColumnValue] = groups.boxes(g).map { $0.map { .int(Int64($0.area)) } ?? .null }
        let groupCP: [IntervalValue] = groups.groupCP[g] ?? plan.groupCPTerms.map { t in
            guard !groups.members[g].isEmpty, let b = groups.box(g, roi: t.roi) else { return .exact(.null) }
            return b.isEmpty ? .exact(.int(0)) : maskAggregateBounds(t, box: b, members: groups.members[g])
        }
        return GroupValues(key: groups.keys[g], areas: areas, groupCP: groupCP, aggregates: aggregates)
    }

    /// Reads what the listed groups still need: members' CP terms of aggregate arguments
    /// (`PixelVerifier`, all groups in one parallel pass) and the mask aggregates (`MaskAggregation`).
    func verifyGroups(_ list: [Int], _ groups: inout Groups) throws(QueryError) {
        let needed = aggregateTerms
        var rows: [Int] = []
        for g in list {
            for m in groups.members[g] where needed.contains(where: { states[cp: m, term: $0].exactValue == nil }) {
                rows.append(m)
            }
        }
        try verify(rows)
        // Groups whose mask-aggregate CP values are already exact from bounds need no pixels.
        for g in list where groups.groupCP[g] == nil && !plan.groupCPTerms.isEmpty {
            let values = try groupValues(groups, g).groupCP
            if values.allSatisfy({ $0.exactValue != nil }) { groups.groupCP[g] = values }
        }
        let pending = list.filter { groups.groupCP[$0] == nil }
        if !plan.groupCPTerms.isEmpty && !pending.isEmpty {
            let aggregation = MaskAggregation(table: table, terms: plan.groupCPTerms, observer: observer)
            let inputs = pending.map { MaskAggregation.GroupInput(members: groups.members[$0], boxes: Array(groups.boxes($0))) }
            let outcome = try aggregation.compute(groups: inputs, alreadyRead: UnsafeBufferPointer(outcomes))
            for r in outcome.readRows { outcomes[r] = .verified }
            newlyIndexed += outcome.newlyIndexed
            for (i, g) in pending.enumerated() { groups.groupCP[g] = outcome.values[i] }
        }
    }

    /// HAVING, projections and sort keys of a group whose values are exact; nil when HAVING fails.
    func finishGroup(_ groups: Groups, _ g: Int) throws(QueryError) -> ResultRow? {
        let values = try groupValues(groups, g)
        let row = groups.members[g].first ?? 0
        if let h = plan.having, try evaluator.exactTruth(h, row: row, group: values) != .true { return nil }
        var out: [ColumnValue] = []
        for p in plan.projections { out.append(try evaluator.exactValue(p, row: row, group: values)) }
        var sortKeys: [ColumnValue] = []
        for k in plan.sortKeys { sortKeys.append(try evaluator.exactValue(k.expression, row: row, group: values)) }
        return ResultRow(values: out, keys: sortKeys, tie: groups.keys[g])
    }

    /// Grouped execution. Rows whose WHERE is undecided are verified first (membership must be
    /// exact). Without a bounds source every group is then verified. With one, each group's
    /// HAVING is evaluated on aggregate bounds (certainly failing groups are pruned unread), and
    /// with ORDER BY + LIMIT groups go through `TopKCutoff` and `TopKLoop`, as rows do.
    func runGrouped(_ candidates: [Candidate]) throws(QueryError) -> [ResultRow] {
        try verifyMembership(candidates)
        var groups = try formGroups(candidates)
        var items = try rankGroups(&groups)
        guard let k = plan.limit, boundsSource != nil, items.count > k else {
            try verifyGroups(items.map(\.index), &groups)
            var rows: [ResultRow] = []
            for item in items {
                markMembers(groups.members[item.index], .accepted)
                if let r = try finishGroup(groups, item.index) { rows.append(r) }
            }
            return rows
        }
        let loop = TopKLoop(k: k, sortKeys: plan.sortKeys)
        loop.sort(&items)
        let (rows, visited) = try loop.run(items) { (batch) throws(QueryError) -> [ResultRow] in
            try verifyGroups(batch.map(\.index), &groups)
            var rows: [ResultRow] = []
            for item in batch {
                if let r = try finishGroup(groups, item.index) { rows.append(r) }
            }
            return rows
        }
        for (i, item) in items.enumerated() {
            markMembers(groups.members[item.index], i < visited ? .accepted : .prunedByRank)
        }
        return rows
    }

    /// Reads the candidates whose WHERE is undecided (group membership must be exact) and,
    /// without a bounds source, every candidate whose aggregate arguments need pixels.
    func verifyMembership(_ candidates: [Candidate]) throws(QueryError) {
        if boundsSource == nil {
            let needed = aggregateTerms
            try verify(candidates.filter { needsRead($0, needed: needed) }.map(\.row))
        } else {
            try verify(candidates.filter { !$0.filter.certainlyPasses }.map(\.row))
        }
    }

    /// Sets the outcome of the members not read.
    func markMembers(_ members: [Int], _ outcome: RowOutcome) {
        for m in members where outcomes[m] != .verified { outcomes[m] = outcome }
    }

    /// The groups of the candidates passing WHERE (exactly: membership is verified), members in
    /// ascending mask_id order, with their boxes. Without GROUP BY, one group of all.
    /// Each row's group first, then each group's members at their final size (no array grows
    /// member by member), sorted only where row order is not mask_id order.
    /// - Complexity: O(candidates) hashing plus sorting the groups not already in order.
    func formGroups(_ candidates: [Candidate]) throws(QueryError) -> Groups {
        var groups = Groups()
        var index = GroupIndex(table: table, column: plan.groupColumn)
        var rows: [Int] = [], groupOf: [Int] = [], sizes: [Int] = []
        rows.reserveCapacity(candidates.count)
        groupOf.reserveCapacity(candidates.count)
        if plan.groupColumn == nil {
            groups.keys = [.null]
            sizes = [0]
        }
        for c in candidates {
            let passes = try plan.residualFilter.map { (p) throws(QueryError) in try evaluator.exactTruth(p, row: c.row) } ?? .true
            guard passes == .true else { continue }
            var g = 0
            if plan.groupColumn != nil {
                let (found, key) = index.group(ofRow: c.row, next: groups.keys.count)
                if let key {
                    groups.keys.append(key)
                    sizes.append(0)
                }
                g = found
            }
            rows.append(c.row)
            groupOf.append(g)
            sizes[g] += 1
        }
        groups.members = sizes.map { n in
            var m: [Int] = []
            m.reserveCapacity(n)
            return m
        }
        for (i, row) in rows.enumerated() { groups.members[groupOf[i]].append(row) }
        let maskIDs = table.builtinColumn(0)
        for g in groups.members.indices where groups.members[g].count > 1 {
            let m = groups.members[g]
            if !zip(m, m.dropFirst()).allSatisfy({ maskIDs[$0] < maskIDs[$1] }) { groups.members[g].sort { maskIDs[$0] < maskIDs[$1] } }
        }
        groups.roiCount = plan.rois.count
        groups.flatBoxes.reserveCapacity(groups.members.count * groups.roiCount)
        for m in groups.members {
            for r in plan.rois.indices { groups.flatBoxes.append(groupBox(roi: r, members: m)) }
        }
        groups.groupCP = Array(repeating: nil, count: groups.keys.count)
        return groups
    }

    /// The groups still in the running, each with the best value its first sort key can take
    /// (its key, without ORDER BY). With a bounds source: groups whose HAVING certainly fails
    /// on bounds are dropped (members `.prunedByFilter`), and with LIMIT those `TopKCutoff`
    /// excludes (members `.prunedByRank`). Groups are ranked in parallel chunks
    /// (`rankedGroups`); the items keep the groups' order.
    func rankGroups(_ groups: inout Groups) throws(QueryError) -> [TopKItem] {
        guard boundsSource != nil else {
            return groups.keys.indices.map { TopKItem(best: groups.keys[$0], tie: groups.keys[$0], index: $0) }
        }
        let ranking = try rankedGroups(groups)
        for g in ranking.failedHaving { markMembers(groups.members[g], .prunedByFilter) }
        guard let k = plan.limit, let firstKey = plan.sortKeys.first,
              let cutoff = TopKCutoff.compute(k: k, descending: firstKey.descending, ranking.firstKeyBounds)
        else { return ranking.items }
        return ranking.items.filter { item in
            if cutoff.excludes(item.best) { markMembers(groups.members[item.index], .prunedByRank); return false }
            return true
        }
    }

    /// What ranking a range of groups found.
    struct GroupRanking {
        var items: [TopKItem] = []
        /// Per item: its first sort key's bounds, and whether HAVING certainly passes.
        var firstKeyBounds: [(IntervalValue, Bool)] = []
        /// Groups whose HAVING certainly fails on bounds.
        var failedHaving: [Int] = []
        var failure: QueryError?

        mutating func append(_ other: GroupRanking) {
            items += other.items
            firstKeyBounds += other.firstKeyBounds
            failedHaving += other.failedHaving
        }
    }

    /// Ranks every group, in chunks over the cores when that is safe: group values read the row
    /// states and the constant ROIs' bounds of every row (`allRowBounds`, cached by the first
    /// group, ranked alone first), never the index row by row — a named ROI in a mask
    /// aggregate ranks sequentially. The first failure in group order is thrown.
    /// (ImageNet's Q4 and Q5 rank 665k groups: ~200 ms on one core.)
    /// - Complexity: O(groups × group-value cost) over the cores.
    func rankedGroups(_ groups: Groups) throws(QueryError) -> GroupRanking {
        let count = groups.keys.count
        var all = rank(0..<min(1, count), groups)
        if let failure = all.failure { throw failure }
        let parallel = plan.groupCPTerms.allSatisfy { term in
            if case .named = plan.rois[term.roi] { return false }
            return true
        }
        let rest = 1..<max(1, count)
        let chunks = parallel ? ParallelChunks.ranges(count: rest.count, minimumChunk: 1024).map { $0.lowerBound + 1 ..< $0.upperBound + 1 }
                              : (rest.isEmpty ? [] : [rest])
        for part in ParallelChunks.map(chunks, { _, range in rank(range, groups) }) {
            if let failure = part.failure { throw failure }
            all.append(part)
        }
        return all
    }

    /// Ranks groups `range` (see `rankGroups`); stops at the first failure.
    private func rank(_ range: Range<Int>, _ groups: Groups) -> GroupRanking {
        let firstKey = plan.sortKeys.first
        var ranking = GroupRanking()
        for g in range {
            let values: GroupValues
            do { values = try groupValues(groups, g) } catch {
                ranking.failure = error
                return ranking
            }
            let row = groups.members[g].first ?? 0
            let truth = plan.having.map { evaluator.truth($0, row: row, group: values) } ?? .true
            if truth.certainlyFails {
                ranking.failedHaving.append(g)
                continue
            }
            var best = groups.keys[g]
            if let firstKey {
                let v = evaluator.value(firstKey.expression, row: row, group: values)
                ranking.firstKeyBounds.append((v, truth.certainlyPasses))
                best = v.best(descending: firstKey.descending)
            }
            ranking.items.append(TopKItem(best: best, tie: groups.keys[g], index: g))
        }
        return ranking
    }
}

/// Finds the group of a row by its GROUP BY value: builtin columns (INT64, never NULL) by
/// their Int64 value, others as normalised values in a hash table.
///
/// Builtin keys usually arrive in ascending order (rows are stored image by image): while
/// every new key is greater than the last one, a key is either the last group's or a new
/// group's, and no hash table is kept. The first key below the last one builds the table
/// from the keys seen so far (once) and hashing takes over. ImageNet's Q4 groups 665k rows
/// by image_id this way without hashing them.
struct GroupIndex {
    let table: any MaskTable
    let column: Int?
    let builtinKeys: [Int64]?
    /// Builtin keys by group, in group order, while they ascend (`ascending`).
    private var ascendingKeys: [Int64] = []
    private var ascending = true
    private var intIndex: [Int64: Int] = [:]
    private var valueIndex: [ColumnValue: Int] = [:]

    init(table: any MaskTable, column: Int?) {
        self.table = table
        self.column = column
        builtinKeys = column.flatMap { $0 < 4 ? table.builtinColumn($0) : nil }
    }

    /// The row's group, or (`next`, its key) when the row opens a new group numbered `next`.
    mutating func group(ofRow row: Int, next: Int) -> (Int, ColumnValue?) {
        if let builtinKeys { return group(ofKey: builtinKeys[row], next: next) }
        let key = ValueSemantics.normalised(table.value(row: row, column: column ?? 0))
        if let g = valueIndex[key] { return (g, nil) }
        valueIndex[key] = next
        return (next, key)
    }

    /// `group(ofRow:next:)` for a builtin key.
    private mutating func group(ofKey k: Int64, next: Int) -> (Int, ColumnValue?) {
        if ascending {
            if let last = ascendingKeys.last {
                if k == last { return (ascendingKeys.count - 1, nil) }
                if k < last {
                    ascending = false
                    intIndex = Dictionary(uniqueKeysWithValues: ascendingKeys.enumerated().map { ($1, $0) })
                    ascendingKeys = []
                    return group(ofKey: k, next: next)
                }
            }
            ascendingKeys.append(k)
            return (next, .int(k))
        }
        if let g = intIndex[k] { return (g, nil) }
        intIndex[k] = next
        return (next, .int(k))
    }
}
