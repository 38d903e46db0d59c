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

    /// Exact value of one scalar aggregate over a group (members' CP values exact).
    /// SUM of INT64 wraps on overflow; AVG sums Doubles in member (mask_id) order.
    /// - Complexity: O(members × argument size).
    func aggregateValue(_ term: AggregateTerm, members: [Int]) throws(QueryError) -> ColumnValue {
        guard let argument = term.argument else { return .int(Int64(members.count)) }
        var values: [ColumnValue] = []
        values.reserveCapacity(members.count)
        for m in members {
            let v = try evaluator.exactValue(argument, row: m)
            if v != .null { values.append(v) }
        }
        if term.function == .count { return .int(Int64(values.count)) }
        guard let first = values.first else { return .null }
        switch term.function {
        case .sum:
            if term.argumentType == .double {
                var s = 0.0
                for v in values { s += ValueSemantics.double(v) ?? 0 }
                return ValueSemantics.finite(s)
            }
            var s: Int64 = 0
            for case .int(let x) in values { s = s &+ x }
            return .int(s)
        case .avg:
            var s = 0.0
            for v in values { s += ValueSemantics.double(v) ?? 0 }
            return ValueSemantics.finite(s / Double(values.count))
        case .min, .max:
            var best = first
            for v in values.dropFirst() {
                let c = ValueSemantics.compare(v, best) ?? 0
                if (term.function == .min && c < 0) || (term.function == .max && c > 0) { best = v }
            }
            return best
        case .count:
            return .int(Int64(values.count))
        }
    }

    /// CP terms read by scalar aggregate arguments.
    var aggregateTerms: [Int] {
        var s = Set<Int>()
        for a in plan.aggregates { a.argument?.collectCPTerms(into: &s) }
        return s.sorted()
    }

    /// Bounds on one scalar aggregate from its members' (possibly bounded) argument values.
    ///
    /// COUNT: [definitely non-NULL, possibly non-NULL]. SUM: Σ of lower / upper ends, a maybe-NULL
    /// member contributing min(0, lo) / max(0, hi). AVG: [Σlo/n, Σhi/n] when no member can be NULL,
    /// else [min lo, max hi]. MIN: [min lo, min hi over certain members] (MAX symmetric).
    /// Double bounds are widened by a relative 1e-9 so that rounding in the exact evaluation
    /// (summation order) never escapes them. - Complexity: O(members).
    func aggregateBounds(_ term: AggregateTerm, members: [Int]) throws(QueryError) -> IntervalValue {
        guard let argument = term.argument else { return .exact(.int(Int64(members.count))) }
        var values: [IntervalValue] = []
        values.reserveCapacity(members.count)
        var allExact = true
        for m in members {
            let v = evaluator.value(argument, row: m)
            if v.exactValue == nil { allExact = false }
            values.append(v)
        }
        if allExact { return .exact(try aggregateValue(term, members: members)) }
        // One pass over the members' bounds: "possible" members may be non-NULL, "certain" ones
        // are never NULL.
        var possibleCount = 0, certainCount = 0
        var sumLo = 0.0, sumHi = 0.0            // SUM: maybe-NULL members count as min(0, lo) / max(0, hi)
        var allLo = 0.0, allHi = 0.0            // AVG when every member is certain
        var minLo = Double.infinity, maxHi = -Double.infinity          // over possible members
        var minHiCertain = Double.infinity, maxLoCertain = -Double.infinity  // over certain members
        for v in values {
            let b = v.bounds
            if b.isNull { continue }
            possibleCount += 1
            sumLo += b.maybeNull ? min(0, b.lo) : b.lo
            sumHi += b.maybeNull ? max(0, b.hi) : b.hi
            minLo = min(minLo, b.lo)
            maxHi = max(maxHi, b.hi)
            if !b.maybeNull {
                certainCount += 1
                allLo += b.lo
                allHi += b.hi
                minHiCertain = min(minHiCertain, b.hi)
                maxLoCertain = max(maxLoCertain, b.lo)
            }
        }
        let isInt = term.argumentType != .double
        func widened(_ lo: Double, _ hi: Double, maybeNull: Bool) -> IntervalValue {
            let l = lo - abs(lo) * 1e-9 - 1e-300, h = hi + abs(hi) * 1e-9 + 1e-300
            return IntervalValue.normalisedDouble(lo: l, hi: h, maybeNull: maybeNull)
        }
        let noneCertain = certainCount == 0
        switch term.function {
        case .count:
            return IntervalValue.normalisedInt(lo: Double(certainCount), hi: Double(possibleCount), maybeNull: false)
        case .sum:
            if possibleCount == 0 { return .exact(.null) }
            return isInt ? IntervalValue.normalisedInt(lo: sumLo, hi: sumHi, maybeNull: noneCertain)
                         : widened(sumLo, sumHi, maybeNull: noneCertain)
        case .avg:
            if possibleCount == 0 { return .exact(.null) }
            if certainCount == values.count {
                let n = Double(values.count)
                return widened(allLo / n, allHi / n, maybeNull: false)
            }
            return widened(minLo, maxHi, maybeNull: noneCertain)
        case .min, .max:
            if possibleCount == 0 { return .exact(.null) }
            let lo: Double, hi: Double
            if term.function == .min {
                lo = minLo
                hi = noneCertain ? maxHi : minHiCertain
            } else {
                hi = maxHi
                lo = noneCertain ? minLo : maxLoCertain
            }
            return isInt ? IntervalValue.normalisedInt(lo: lo, hi: hi, maybeNull: noneCertain)
                         : .range(lo: lo, hi: hi, maybeNull: noneCertain)
        }
    }

    /// Bounds on CP over a mask aggregate, before reading any member.
    ///
    /// For `INTERSECT(mask > t)` / `UNION(mask > t)` the aggregate is a 0/1 mask. With `c_i` the
    /// count of member i's pixels above the threshold in the box (bounded by the bounds source,
    /// else `0...area`), the ones of the intersection lie in
    /// `max(0, Σ lo_i − (n − 1)·area) ... min_i hi_i`, those of the union in
    /// `max_i lo_i ... min(area, Σ hi_i)`. CP then counts the ones if `1.0` is in CP's range, the
    /// zeros (`area − ones`) if `0.0` is. Other mask aggregates get `0...area`.
    /// - Complexity: O(members) bounds look-ups.
    func maskAggregateBounds(_ term: GroupCPTerm, box: PixelBox, members: [Int]) -> IntervalValue {
        let area = box.area
        let trivial = IntervalValue.range(lo: 0, hi: Double(area), maybeNull: false)
        let threshold: Double, strict: Bool, isIntersect: Bool
        switch term.source {
        case .intersect(let t, let s): (threshold, strict, isIntersect) = (t, s, true)
        case .union(let t, let s): (threshold, strict, isIntersect) = (t, s, false)
        default: return trivial
        }
        let countsOnes = MaskAggregation.inRange(1.0, lower: term.lower, upper: term.upper)
        let countsZeros = MaskAggregation.inRange(0.0, lower: term.lower, upper: term.upper)
        if countsOnes && countsZeros { return .exact(.int(Int64(area))) }
        if !countsOnes && !countsZeros { return .exact(.int(0)) }
        guard let source = boundsSource else { return trivial }
        let codes = table.pixelFormat.codeInterval(lower: strict ? threshold.nextUp : threshold, upper: 1.0)
        // A constant box: every row's bounds from one column pass, kept for the query.
        var all: (lower: [Int32], upper: [Int32])?
        switch plan.rois[term.roi] {
        case .full, .box:
            let key = ConstantBoundsKey(box: box, codes: codes)
            if let cached = constantBounds[key] {
                all = cached
            } else if !codes.isEmpty {
                all = source.boundsForAllRows(box: box, codes: codes)
                constantBounds[key] = all
            }
        case .named:
            all = nil
        }
        var sumLo = 0, sumHi = 0, minHi = area, maxLo = 0
        for m in members {
            var lo = 0, hi = area
            var found: ClosedRange<Int>?
            if codes.isEmpty {
                hi = 0
            } else if let all {
                found = all.lower[m] >= 0 ? Int(all.lower[m])...Int(all.upper[m]) : nil
            } else {
                found = source.bounds(row: m, box: box, codes: codes)
            }
            if let b = found {
                lo = max(0, b.lowerBound)
                hi = min(area, b.upperBound)
                if lo > hi { (lo, hi) = (0, area) }
            }
            sumLo += lo
            sumHi += hi
            minHi = min(minHi, hi)
            maxLo = max(maxLo, lo)
        }
        let onesLo: Int, onesHi: Int
        if isIntersect {
            onesLo = max(0, sumLo - (members.count - 1) * area)
            onesHi = minHi
        } else {
            onesLo = maxLo
            onesHi = min(area, sumHi)
        }
        let lo = countsOnes ? onesLo : area - onesHi
        let hi = countsOnes ? onesHi : area - onesLo
        return lo == hi ? .exact(.int(Int64(lo))) : .range(lo: Double(lo), hi: Double(hi), maybeNull: false)
    }

    /// The groups of a grouped query: keys, and member rows in ascending mask_id order.
    struct Groups {
        var keys: [ColumnValue] = []
        var members: [[Int]] = []
        var boxes: [[PixelBox?]] = []
        /// Exact CP values of mask aggregates, once computed (nil: not yet).
        var groupCP: [[IntervalValue]?] = []
    }

    /// Group-level values: exact when every member value is exact and mask aggregates are
    /// computed, else bounds (mask aggregates bounded by 0...area of the group's box).
    func groupValues(_ groups: Groups, _ g: Int) throws(QueryError) -> GroupValues {
        var aggregates: [IntervalValue] = []
        for a in plan.aggregates { aggregates.append(try aggregateBounds(a, members: groups.members[g])) }
        let areas: [ColumnValue] = groups.boxes[g].map { $0.map { .int(Int64($0.area)) } ?? .null }
        let groupCP: [IntervalValue] = groups.groupCP[g] ?? plan.groupCPTerms.map { t in
            guard !groups.members[g].isEmpty, let b = groups.boxes[g][t.roi] else { return .exact(.null) }
            return b.isEmpty ? .exact(.int(0)) : maskAggregateBounds(t, box: b, members: groups.members[g])
        }
        return GroupValues(key: groups.keys[g], areas: areas, groupCP: groupCP, aggregates: aggregates)
    }

    /// Reads what the listed groups still need: members' CP terms of aggregate arguments
    /// (`PixelVerifier`, all groups in one parallel pass) and the mask aggregates (`MaskAggregation`).
    func verifyGroups(_ list: [Int], _ groups: inout Groups) throws(QueryError) {
        let needed = aggregateTerms
        let termCount = plan.cpTerms.count
        var rows: [Int] = []
        for g in list {
            for m in groups.members[g] where needed.contains(where: { states.cp[m * termCount + $0].exactValue == nil }) {
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
            let inputs = pending.map { MaskAggregation.GroupInput(members: groups.members[$0], boxes: groups.boxes[$0]) }
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
    /// with ORDER BY + LIMIT groups are visited in order of their first key's best bound and
    /// verified in batches until no remaining group can enter the top k (as for rows).
    func runGrouped(_ candidates: [Candidate]) throws(QueryError) -> [ResultRow] {
        if boundsSource == nil {
            let needed = aggregateTerms
            try verify(candidates.filter { needsRead($0, needed: needed) }.map(\.row))
        } else {
            try verify(candidates.filter { !$0.filter.certainlyPasses }.map(\.row))
        }
        var groups = Groups()
        if plan.groupColumn == nil {
            groups.keys = [.null]
            groups.members = [[]]
        }
        // Builtin (INT64, never NULL) group columns are hashed as Int64, others as values.
        let builtinKeys = plan.groupColumn.flatMap { $0 < 4 ? table.builtinColumn($0) : nil }
        var intIndex: [Int64: Int] = [:]
        var valueIndex: [ColumnValue: Int] = [:]
        for c in candidates {
            let passes = try plan.residualFilter.map { (p) throws(QueryError) in try evaluator.exactTruth(p, row: c.row) } ?? .true
            guard passes == .true else { continue }
            guard let gc = plan.groupColumn else {
                groups.members[0].append(c.row)
                continue
            }
            let existing: Int?
            if let builtinKeys {
                existing = intIndex[builtinKeys[c.row]]
                if existing == nil { intIndex[builtinKeys[c.row]] = groups.keys.count }
            } else {
                let key = ValueSemantics.normalised(table.value(row: c.row, column: gc))
                existing = valueIndex[key]
                if existing == nil { valueIndex[key] = groups.keys.count }
            }
            if let g = existing {
                groups.members[g].append(c.row)
            } else {
                groups.keys.append(builtinKeys.map { .int($0[c.row]) } ?? ValueSemantics.normalised(table.value(row: c.row, column: gc)))
                groups.members.append([c.row])
            }
        }
        let maskIDs = table.builtinColumn(0)
        for g in groups.members.indices where groups.members[g].count > 1 {
            groups.members[g].sort { maskIDs[$0] < maskIDs[$1] }
        }
        groups.boxes = groups.members.map { m in plan.rois.indices.map { groupBox(roi: $0, members: m) } }
        groups.groupCP = Array(repeating: nil, count: groups.keys.count)

        // Which groups to evaluate, in which order.
        var live: [Int] = []
        var best: [ColumnValue] = []
        var firstKeyBounds: [(IntervalValue, Bool)] = []
        let firstKey = plan.sortKeys.first
        for g in groups.keys.indices {
            if boundsSource != nil {
                let values = try groupValues(groups, g)
                let row = groups.members[g].first ?? 0
                var certain = true
                if let h = plan.having {
                    let truth = evaluator.truth(h, row: row, group: values)
                    if truth.certainlyFails {
                        for m in groups.members[g] where outcomes[m] != .verified { outcomes[m] = .pruned }
                        continue
                    }
                    certain = truth.certainlyPasses
                }
                if let firstKey {
                    let v = evaluator.value(firstKey.expression, row: row, group: values)
                    firstKeyBounds.append((v, certain))
                    switch v {
                    case .exact(let v): best.append(v)
                    case .range(let lo, let hi, _): best.append(.double(firstKey.descending ? hi : lo))
                    }
                } else {
                    best.append(groups.keys[g])
                }
            }
            live.append(g)
        }
        // Top-k pruning of groups before any is read (see `TopKCutoff`); pruned groups' members
        // stay unread.
        if let k = plan.limit, let firstKey, boundsSource != nil,
           let cutoff = TopKCutoff.compute(k: k, descending: firstKey.descending, firstKeyBounds) {
            var keptLive: [Int] = [], keptBest: [ColumnValue] = []
            for (i, g) in live.enumerated() {
                if cutoff.excludes(best[i]) {
                    for m in groups.members[g] where outcomes[m] != .verified { outcomes[m] = .pruned }
                } else {
                    keptLive.append(g)
                    keptBest.append(best[i])
                }
            }
            (live, best) = (keptLive, keptBest)
        }
        var rows: [ResultRow] = []
        guard let k = plan.limit, boundsSource != nil, live.count > k else {
            try verifyGroups(live, &groups)
            for g in live {
                for m in groups.members[g] where outcomes[m] != .verified { outcomes[m] = .accepted }
                if let r = try finishGroup(groups, g) { rows.append(r) }
            }
            return rows
        }
        // Top-k over groups.
        let descending = firstKey?.descending ?? false
        var order = Array(zip(live, best))
        order.sort {
            let c = ResultOrdering.compareKey($0.1, $1.1, descending: descending)
            return c != 0 ? c < 0 : ResultOrdering.compareKey(groups.keys[$0.0], groups.keys[$1.0], descending: false) < 0
        }
        let ordering = ResultOrdering(descending: plan.sortKeys.map(\.descending))
        let singleKey = plan.sortKeys.count <= 1
        var next = 0
        var batchSize = max(1, min(k, 256))
        var visited = Set<Int>()
        while next < order.count && k > 0 {
            let kth = rows.count >= k ? rows[k - 1] : nil
            var batch: [Int] = []
            while next < order.count && batch.count < batchSize {
                let (g, b) = order[next]
                if let kth {
                    let kthFirst = firstKey == nil ? kth.tie : kth.keys[0]
                    let c = ResultOrdering.compareKey(b, kthFirst, descending: descending)
                    if c > 0 || (c == 0 && singleKey
                                 && ResultOrdering.compareKey(groups.keys[g], kth.tie, descending: false) > 0) {
                        next = order.count
                        break
                    }
                }
                batch.append(g)
                next += 1
            }
            if batch.isEmpty { break }
            try verifyGroups(batch, &groups)
            for g in batch {
                visited.insert(g)
                if let r = try finishGroup(groups, g) { rows.append(r) }
            }
            ordering.sort(&rows)
            if rows.count > k { rows.removeLast(rows.count - k) }
            batchSize = min(batchSize * 2, 4096)
        }
        for g in live {
            for m in groups.members[g] where outcomes[m] != .verified {
                outcomes[m] = visited.contains(g) ? .accepted : .pruned
            }
        }
        return rows
    }
}
