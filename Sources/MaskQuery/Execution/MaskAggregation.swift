import MaskFormat
import MaskStorage

/// CP over pixel-wise aggregates of a group's masks (CONTRACT.md section 3, mask aggregation):
/// `INTERSECT(mask > t)`, `UNION(mask > t)` (or `>=`), `AVG(mask)`, `MIN(mask)`, `MAX(mask)`.
///
/// Algorithm: one `VerificationPass` over the groups (chunks of at least one group, each with
/// its `AggregationPlanes`). Each member of a group is read once — the image rows spanned by
/// the group's non-empty boxes, or the whole mask when the index observer wants it and the
/// budget admits it — and folded into the group's aggregates by the operators of
/// `MaskAggregatePlan`; then each term's box is counted with CP's rule (on 0/1 flags, or on
/// Doubles: `lv <= v < uv`, or `v >= lv` when `uv >= 1.0`). A term whose box is empty is 0; a
/// term whose box is NULL, or any term of an empty group (only possible without GROUP BY), is
/// NULL.
/// - Complexity: O(members × rows read × width).
struct MaskAggregation {
    let table: any MaskTable
    let terms: [GroupCPTerm]
    let observer: (any IndexObserver)?

    struct GroupInput {
        /// Member rows in ascending mask_id order.
        var members: [Int]
        /// The group's box per bound ROI (nil: NULL).
        var boxes: [PixelBox?]
    }

    struct Outcome {
        /// Per group, per term: exact CP (or NULL).
        var values: [[IntervalValue]]
        var readRows: [Int]
        var newlyIndexed: Int
    }

    /// CP's predicate on a Double value: `lv <= v < uv`, with the closed top edge for `uv >= 1`.
    @inline(__always)
    static func inRange(_ v: Double, lower: Double, upper: Double) -> Bool {
        MaskAggregatePlan.inRange(v, lower: lower, upper: upper)
    }

    /// `outcomes[row] == .verified` marks members already read (their index entry exists or was
    /// offered), which are not offered to the index observer again.
    func compute(groups: [GroupInput], alreadyRead outcomes: UnsafeBufferPointer<RowOutcome>) throws(QueryError) -> Outcome {
        let termCount = terms.count
        let null = Array(repeating: Array(repeating: IntervalValue.exact(.null), count: termCount), count: groups.count)
        guard termCount > 0, !groups.isEmpty else { return Outcome(values: null, readRows: [], newlyIndexed: 0) }
        let plan = try MaskAggregatePlan(terms: terms, format: table.pixelFormat)
        let neededRows = groups.map(rowsSpanned)
        var reads = MaskReadList()
        for (g, group) in groups.enumerated() {
            if !neededRows[g].isEmpty {
                for m in group.members { reads.append(MaskRead(row: m, rows: neededRows[g], mayIndex: outcomes[m] != .verified)) }
            }
            reads.endItem()
        }
        let counts = UnsafeMutableBufferPointer<Int?>.allocate(capacity: groups.count * termCount)
        counts.initialize(repeating: nil)
        defer { counts.deallocate() }
        let folding = GroupFolding(plan: plan, terms: terms, groups: groups, neededRows: neededRows,
                                   width: table.width, pixels: table.height * table.width, counts: counts)
        let pass = VerificationPass(table: table, observer: observer, minimumChunk: 1, readAheadWindow: 8)
        let newlyIndexed = try pass.run(reads, folding)
        var readRows: [Int] = []
        for g in groups.indices where !neededRows[g].isEmpty { readRows.append(contentsOf: groups[g].members) }
        return Outcome(values: values(groups, counts: counts), readRows: readRows, newlyIndexed: newlyIndexed)
    }

    /// The image rows spanned by the group's non-empty boxes (empty: nothing to read).
    func rowsSpanned(_ group: GroupInput) -> Range<Int> {
        var y0 = Int.max, y1 = Int.min
        for t in terms {
            guard let b = group.boxes[t.roi], !b.isEmpty else { continue }
            y0 = min(y0, b.y0)
            y1 = max(y1, b.y1)
        }
        return y0 < y1 ? y0..<y1 : 0..<0
    }

    /// Per group and term: the count, 0 for an empty box of a non-empty group, else NULL.
    func values(_ groups: [GroupInput], counts: UnsafeMutableBufferPointer<Int?>) -> [[IntervalValue]] {
        groups.indices.map { g in
            terms.indices.map { t in
                if let n = counts[g * terms.count + t] { return .exact(.int(Int64(n))) }
                let box = groups[g].boxes[terms[t].roi]
                return !groups[g].members.isEmpty && box?.isEmpty == true ? .exact(.int(0)) : .exact(.null)
            }
        }
    }
}

/// Mask aggregation's use of the pixels: each member folded into its group's aggregates, then
/// each term with a non-empty box counted (`AggregationPlanes`).
private struct GroupFolding: PixelConsumer {
    let plan: MaskAggregatePlan
    let terms: [GroupCPTerm]
    /// The pass's items: item `g` is group `groups[g]`.
    let groups: [MaskAggregation.GroupInput]
    let neededRows: [Range<Int>]
    let width: Int
    /// Pixels of a whole mask.
    let pixels: Int
    /// Per group and term: the count, nil when not computed.
    let counts: UnsafeMutableBufferPointer<Int?>

    func makeWorker() -> AggregationPlanes { AggregationPlanes(plan: plan, pixels: pixels) }

    func begin(item g: Int, worker: inout AggregationPlanes) {
        var used = [Bool](repeating: false, count: plan.operators.count)
        for (t, term) in terms.enumerated() where groups[g].boxes[term.roi].map({ !$0.isEmpty }) == true {
            used[plan.termAggregate[t]] = true
        }
        worker.start(used: used, members: groups[g].members.count, pixelCount: neededRows[g].count * width)
    }

    func consume(item g: Int, pixels: MaskPixels, worker: inout AggregationPlanes) {
        worker.fold(pixels.base)
    }

    func end(item g: Int, worker: inout AggregationPlanes) {
        let y0 = neededRows[g].lowerBound
        for (t, term) in terms.enumerated() {
            guard let b = groups[g].boxes[term.roi], !b.isEmpty else { continue }
            let local = PixelBox(x0: b.x0, y0: b.y0 - y0, x1: b.x1, y1: b.y1 - y0)
            counts[g * terms.count + t] = worker.count(aggregate: plan.termAggregate[t], box: local, width: width,
                                                       lower: term.lower, upper: term.upper)
        }
    }
}
