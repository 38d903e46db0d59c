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

    mutating func runGrouped(_ candidates: [Candidate]) throws(QueryError) -> [ResultRow] {
        let needed = aggregateTerms
        try verify(candidates.filter { needsRead($0, needed: needed) }.map(\.row))
        // Members: rows whose WHERE is true.
        var groupIndex: [ColumnValue: Int] = [:]
        var keys: [ColumnValue] = []
        var members: [[Int]] = []
        if plan.groupColumn == nil {
            keys = [.null]
            members = [[]]
        }
        for c in candidates {
            let passes = try plan.residualFilter.map { (p) throws(QueryError) in try evaluator.exactTruth(p, row: c.row) } ?? .true
            guard passes == .true else { continue }
            if outcomes[c.row] != .verified { outcomes[c.row] = .accepted }
            if let gc = plan.groupColumn {
                let key = ValueSemantics.normalised(table.value(row: c.row, column: gc))
                if let g = groupIndex[key] {
                    members[g].append(c.row)
                } else {
                    groupIndex[key] = keys.count
                    keys.append(key)
                    members.append([c.row])
                }
            } else {
                members[0].append(c.row)
            }
        }
        for g in members.indices {
            members[g].sort { table.maskID(row: $0) < table.maskID(row: $1) }
        }
        let boxes: [[PixelBox?]] = members.map { m in plan.rois.indices.map { groupBox(roi: $0, members: m) } }

        var groupCP: [[IntervalValue]] = Array(repeating: [], count: members.count)
        if !plan.groupCPTerms.isEmpty {
            let aggregation = MaskAggregation(table: table, terms: plan.groupCPTerms, boundsSource: boundsSource)
            let inputs = members.indices.map { MaskAggregation.GroupInput(members: members[$0], boxes: boxes[$0]) }
            let outcome = try aggregation.compute(groups: inputs, alreadyRead: outcomes.map { $0 == .verified })
            for r in outcome.readRows { outcomes[r] = .verified }
            newlyIndexed += outcome.newlyIndexed
            groupCP = outcome.values
        }

        var rows: [ResultRow] = []
        for g in members.indices {
            var aggregates: [IntervalValue] = []
            for a in plan.aggregates { aggregates.append(.exact(try aggregateValue(a, members: members[g]))) }
            let areas: [ColumnValue] = boxes[g].map { $0.map { .int(Int64($0.area)) } ?? .null }
            let values = GroupValues(key: keys[g], areas: areas, groupCP: groupCP[g], aggregates: aggregates)
            let row = members[g].first ?? 0
            if let h = plan.having, try evaluator.exactTruth(h, row: row, group: values) != .true { continue }
            var out: [ColumnValue] = []
            for p in plan.projections { out.append(try evaluator.exactValue(p, row: row, group: values)) }
            var sortKeys: [ColumnValue] = []
            for k in plan.sortKeys { sortKeys.append(try evaluator.exactValue(k.expression, row: row, group: values)) }
            rows.append(ResultRow(values: out, keys: sortKeys, tie: keys[g]))
        }
        return rows
    }
}
