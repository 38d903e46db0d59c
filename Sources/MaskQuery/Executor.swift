import MaskFormat
import MaskStorage

/// What happened to one mask in a query run; the source of `QueryStats`.
enum RowOutcome: UInt8, Sendable {
    /// Failed the metadata part of WHERE.
    case untargeted
    /// Excluded without reading pixels (bounds, NULL boxes, or a top-k that stopped early).
    case pruned
    /// Included without reading pixels (bounds decided the filter; outputs needed no pixels).
    case accepted
    /// Pixels were read.
    case verified
}

/// Counts of one run, before timing.
struct ExecutionCounts: Sendable {
    var total = 0
    var targeted = 0
    var pruned = 0
    var accepted = 0
    var verified = 0
    var newlyIndexed = 0
    var boundWidths: [Int] = []
}

/// Runs a `QueryPlan` against a `MaskTable` by filter-verification (MaskSearch, VLDB 2024, §4):
///
/// 1. Row pass (sequential, no pixels): the metadata conjuncts of WHERE decide which masks are
///    targeted; for targeted masks, each ROI is looked up and clipped and each CP term gets its
///    state: NULL (no box), exact 0 (empty box or empty code range), exact area (all codes), the
///    bounds source's bounds intersected with `0...area`, `0...area` when the source has no entry,
///    or unbounded when there is no bounds source. The residual WHERE is evaluated over these
///    intervals into a `TruthSet`: certainly false/NULL → pruned; certainly true → accepted
///    (unless outputs need exact CP values); otherwise the mask is a candidate for verification.
/// 2. Verification (`PixelVerifier`, parallel): read the undecided masks once, compute all their
///    CP terms exactly, re-evaluate.
/// 3. Top-k (ORDER BY + LIMIT with a bounds source): candidates are visited in order of the best
///    value their first ORDER BY key can take (upper bound for DESC, lower for ASC; NULLs last;
///    ties by mask_id), verified in batches, and the scan stops as soon as the next candidate's
///    best value ranks strictly after the current k-th row (or equal, with one key and a larger
///    mask_id, which loses the tie-break). Every visited mask is evaluated exactly, so the answer
///    is the full scan's.
/// 4. Grouped queries: rows passing WHERE are grouped (members in mask_id order), mask aggregates
///    are computed by `MaskAggregation`, scalar aggregates over members' exact values, then
///    HAVING, projection, sort, limit.
final class Executor {
    let table: any MaskTable
    let plan: QueryPlan
    let boundsSource: (any CPBoundsSource)?

    var outcomes: [RowOutcome] = []
    var newlyIndexed = 0
    /// Bound widths of CP terms the index bounded, by `QueryStats.bucket(ofWidth:)`.
    var boundWidths = [Int](repeating: 0, count: QueryStats.boundWidthBuckets.count)
    let states: RowStates
    let evaluator: ExpressionEvaluator

    init(table: any MaskTable, plan: QueryPlan, boundsSource: (any CPBoundsSource)?) {
        self.table = table
        self.plan = plan
        self.boundsSource = boundsSource
        states = RowStates(rows: table.count, roiCount: plan.rois.count, termCount: plan.cpTerms.count)
        evaluator = ExpressionEvaluator(table: table, states: states)
        outcomes = Array(repeating: .untargeted, count: table.count)
    }

    /// A mask that may pass WHERE, with what bounds say about its filter.
    struct Candidate {
        var row: Int
        var filter: TruthSet
    }

    func run() throws(QueryError) -> ([[ColumnValue]], ExecutionCounts) {
        let candidates = rowPass()
        var rows: [ResultRow]
        if plan.isGrouped {
            rows = try runGrouped(candidates)
        } else if let k = plan.limit, boundsSource != nil, candidates.count > k, plan.usesPixels {
            rows = try runTopK(candidates, k: k)
        } else {
            rows = try runScan(candidates)
        }
        ResultOrdering(descending: plan.sortKeys.map(\.descending)).sort(&rows)
        if let k = plan.limit, rows.count > k { rows.removeLast(rows.count - k) }
        var counts = ExecutionCounts()
        counts.total = table.count
        counts.newlyIndexed = newlyIndexed
        counts.boundWidths = boundWidths
        for o in outcomes {
            switch o {
            case .untargeted: break
            case .pruned: counts.targeted += 1; counts.pruned += 1
            case .accepted: counts.targeted += 1; counts.accepted += 1
            case .verified: counts.targeted += 1; counts.verified += 1
            }
        }
        if !plan.usesPixels {
            counts.pruned = 0
            counts.accepted = 0
            counts.verified = 0
        }
        return (rows.map(\.values), counts)
    }

    // MARK: Row pass

    /// Targets masks by the metadata filter, sets boxes and CP states, and evaluates the residual
    /// filter on bounds. - Complexity: O(rows × (terms + filter size)), no pixel reads.
    func rowPass() -> [Candidate] {
        var candidates: [Candidate] = []
        let width = table.width, height = table.height
        let full = PixelBox.full(width: width, height: height)
        let codeEnd = table.pixelFormat.codeOfOne + 1
        let roiCount = plan.rois.count, termCount = plan.cpTerms.count
        // Terms over a constant ROI get every row's bounds in one vectorised pass.
        var allRows = [(lower: [Int32], upper: [Int32])?](repeating: nil, count: termCount)
        if let source = boundsSource {
            for (t, term) in plan.cpTerms.enumerated() {
                let box: PixelBox
                switch plan.rois[term.roi] {
                case .full: box = full
                case .box(let b): box = b.clipped(width: width, height: height)
                case .named: continue
                }
                if box.isEmpty || term.codes.isEmpty || (term.codes.lo == 0 && term.codes.hi >= codeEnd) { continue }
                allRows[t] = source.boundsForAllRows(box: box, codes: term.codes)
            }
        }
        for row in 0..<table.count {
            // Boxes first: AREA(named) may appear in the metadata filter.
            if roiCount > 0 {
                let maskID = table.maskID(row: row), imageID = table.imageID(row: row)
                for (r, roi) in plan.rois.enumerated() {
                    let box: PixelBox?
                    switch roi {
                    case .full: box = full
                    case .box(let b): box = b
                    case .named(let set): box = set.box(maskID: maskID, imageID: imageID)?.clipped(width: width, height: height)
                    }
                    states.boxes[row * roiCount + r] = box
                }
            }
            if let m = plan.metadataFilter, evaluator.truth(m, row: row) != .true { continue }
            outcomes[row] = .pruned
            for (t, term) in plan.cpTerms.enumerated() {
                let state: IntervalValue
                if let box = states.boxes[row * roiCount + term.roi] {
                    let area = box.area
                    if area == 0 || term.codes.isEmpty {
                        state = .exact(.int(0))
                    } else if term.codes.lo == 0 && term.codes.hi >= codeEnd {
                        state = .exact(.int(Int64(area)))
                    } else if let source = boundsSource {
                        var lo = 0, hi = area
                        let found: ClosedRange<Int>?
                        if let pre = allRows[t] {
                            found = pre.lower[row] >= 0 ? Int(pre.lower[row])...Int(pre.upper[row]) : nil
                        } else {
                            found = source.bounds(row: row, box: box, codes: term.codes)
                        }
                        if let b = found {
                            lo = max(lo, b.lowerBound)
                            hi = min(hi, b.upperBound)
                            if lo > hi { (lo, hi) = (0, area) }  // inconsistent bounds: ignore them
                            boundWidths[QueryStats.bucket(ofWidth: hi - lo)] += 1
                        }
                        state = lo == hi ? .exact(.int(Int64(lo))) : .range(lo: Double(lo), hi: Double(hi), maybeNull: false)
                    } else {
                        state = .range(lo: -.infinity, hi: .infinity, maybeNull: false)
                    }
                } else {
                    state = .exact(.null)
                }
                states.cp[row * termCount + t] = state
            }
            let filter = plan.residualFilter.map { evaluator.truth($0, row: row) } ?? .true
            if filter.certainlyFails { continue }
            candidates.append(Candidate(row: row, filter: filter))
        }
        return candidates
    }

    // MARK: Verification

    /// CP terms read by the select list and ORDER BY.
    var outputTerms: [Int] {
        var s = Set<Int>()
        for p in plan.projections { p.collectCPTerms(into: &s) }
        for k in plan.sortKeys { k.expression.collectCPTerms(into: &s) }
        return s.sorted()
    }

    /// True when the mask's pixels must be read: its filter is undecided or one of `needed` is not exact.
    func needsRead(_ c: Candidate, needed: [Int]) -> Bool {
        if !c.filter.certainlyPasses { return true }
        let termCount = plan.cpTerms.count
        for t in needed where states.cp[c.row * termCount + t].exactValue == nil { return true }
        return false
    }

    func verify(_ rows: [Int]) throws(QueryError) {
        let verifier = PixelVerifier(table: table, terms: plan.cpTerms, boundsSource: boundsSource)
        let outcome = try verifier.verify(rows: rows, states: states)
        for r in outcome.readRows { outcomes[r] = .verified }
        newlyIndexed += outcome.newlyIndexed
    }

    /// The exact filter, projections and sort keys of a mask whose needed CP values are exact;
    /// nil when WHERE is not true. Marks the outcome.
    func finish(_ c: Candidate) throws(QueryError) -> ResultRow? {
        let passes = try plan.residualFilter.map { (p) throws(QueryError) in try evaluator.exactTruth(p, row: c.row) } ?? .true
        guard passes == .true else { return nil }
        if outcomes[c.row] != .verified { outcomes[c.row] = .accepted }
        var values: [ColumnValue] = []
        values.reserveCapacity(plan.projections.count)
        for p in plan.projections { values.append(try evaluator.exactValue(p, row: c.row)) }
        var keys: [ColumnValue] = []
        for k in plan.sortKeys { keys.append(try evaluator.exactValue(k.expression, row: c.row)) }
        return ResultRow(values: values, keys: keys, tie: .int(table.maskID(row: c.row)))
    }

    // MARK: Scan

    /// Verifies every undecided candidate (in parallel), then evaluates all exactly.
    func runScan(_ candidates: [Candidate]) throws(QueryError) -> [ResultRow] {
        let needed = outputTerms
        try verify(candidates.filter { needsRead($0, needed: needed) }.map(\.row))
        var rows: [ResultRow] = []
        for c in candidates {
            if let r = try finish(c) { rows.append(r) }
        }
        return rows
    }

    // MARK: Top-k

    /// The best value (in result order) the first sort key can take for this mask.
    func bestKey(row: Int, key: SortKey?) -> ColumnValue {
        guard let key else { return .int(table.maskID(row: row)) }
        switch evaluator.value(key.expression, row: row) {
        case .exact(let v): return v
        case .range(let lo, let hi, _): return .double(key.descending ? hi : lo)
        }
    }

    func runTopK(_ candidates: [Candidate], k: Int) throws(QueryError) -> [ResultRow] {
        if k == 0 { return [] }
        let firstKey = plan.sortKeys.first
        let descending = firstKey?.descending ?? false
        let singleKey = plan.sortKeys.count <= 1
        var order: [(best: ColumnValue, maskID: Int64, candidate: Candidate)] = candidates.map {
            (bestKey(row: $0.row, key: firstKey), table.maskID(row: $0.row), $0)
        }
        order.sort {
            let c = ResultOrdering.compareKey($0.best, $1.best, descending: descending)
            return c != 0 ? c < 0 : $0.maskID < $1.maskID
        }
        let ordering = ResultOrdering(descending: plan.sortKeys.map(\.descending))
        let needed = outputTerms
        var results: [ResultRow] = []
        var next = 0
        var batchSize = max(16, min(k, 1024))
        /// True when a mask whose first key is at best `best` cannot enter the current top k.
        func cannotEnter(_ best: ColumnValue, _ maskID: Int64, _ kth: ResultRow) -> Bool {
            let kthFirst = firstKey == nil ? kth.tie : kth.keys[0]
            let c = ResultOrdering.compareKey(best, kthFirst, descending: descending)
            if c > 0 { return true }
            if c == 0 && singleKey, case .int(let kthID) = kth.tie, maskID > kthID { return true }
            return false
        }
        while next < order.count {
            var batch: [Candidate] = []
            let kth = results.count >= k ? results[k - 1] : nil
            while next < order.count && batch.count < batchSize {
                if let kth, cannotEnter(order[next].best, order[next].maskID, kth) {
                    next = order.count
                    break
                }
                batch.append(order[next].candidate)
                next += 1
            }
            if batch.isEmpty { break }
            try verify(batch.filter { needsRead($0, needed: needed) }.map(\.row))
            for c in batch {
                if let r = try finish(c) { results.append(r) }
            }
            ordering.sort(&results)
            if results.count > k { results.removeLast(results.count - k) }
            batchSize = min(batchSize * 2, 4096)
        }
        return results
    }
}
