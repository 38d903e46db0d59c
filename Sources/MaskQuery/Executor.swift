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

/// A constant box and code interval: the key of `Executor.constantBounds`.
struct ConstantBoundsKey: Hashable {
    var box: PixelBox
    var codes: CodeInterval
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
    /// Offered the masks verification reads whole, to index them; nil: nothing is indexed.
    let observer: (any IndexObserver)?

    /// Per row; an unsafe buffer so that row loops pay no exclusivity check per access.
    let outcomes: UnsafeMutableBufferPointer<RowOutcome>
    var newlyIndexed = 0
    /// Bound widths of CP terms the index bounded, by `QueryStats.bucket(ofWidth:)`.
    var boundWidths = [Int](repeating: 0, count: QueryStats.boundWidthBuckets.count)
    let states: RowStates
    let evaluator: ExpressionEvaluator
    /// Every row's bounds for a constant (box, codes), computed once per query when first needed.
    var constantBounds: [ConstantBoundsKey: (lower: [Int32], upper: [Int32])?] = [:]

    init(table: any MaskTable, plan: QueryPlan, boundsSource: (any CPBoundsSource)?, observer: (any IndexObserver)? = nil) {
        self.table = table
        self.plan = plan
        self.boundsSource = boundsSource
        self.observer = observer
        states = RowStates(rows: table.count, roiCount: plan.rois.count, termCount: plan.cpTerms.count)
        evaluator = ExpressionEvaluator(table: table, states: states)
        outcomes = .allocate(capacity: table.count)
        outcomes.initialize(repeating: .untargeted)
    }

    deinit { outcomes.deallocate() }

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
        let ordering = ResultOrdering(descending: plan.sortKeys.map(\.descending))
        if let k = plan.limit { ordering.firstK(&rows, k) } else { ordering.sort(&rows) }
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
    /// filter on bounds, in three passes: (1) per row, boxes and the metadata filter; (2) per CP
    /// term, the bounds of every targeted row in one call to the bounds source (one vectorised
    /// column pass for a constant ROI, a batch of per-row plans for a named one); (3) per
    /// targeted row, the CP states and the residual filter.
    /// - Complexity: O(rows × (terms + filter size)), no pixel reads.
    func rowPass() -> [Candidate] {
        let width = table.width, height = table.height, rowCount = table.count
        let full = PixelBox.full(width: width, height: height)
        let codeEnd = table.pixelFormat.codeOfOne + 1
        let rois = plan.rois, terms = plan.cpTerms
        let roiCount = rois.count, termCount = terms.count
        let boxes = states.boxes, cp = states.cp, outcomes = self.outcomes
        let evaluator = self.evaluator
        let hasSource = boundsSource != nil

        // (1) Boxes first: AREA(named) may appear in the metadata filter.
        if roiCount > 0 {
            let maskIDs = table.builtinColumn(0), imageIDs = table.builtinColumn(1)
            for (r, roi) in rois.enumerated() {
                switch roi {
                case .full:
                    for row in 0..<rowCount { boxes[row * roiCount + r] = full }
                case .box(let b):
                    for row in 0..<rowCount { boxes[row * roiCount + r] = b }
                case .named(let set):
                    let byImage = set.key == .imageID, setBoxes = set.boxes
                    for row in 0..<rowCount {
                        let key = byImage ? imageIDs[row] : maskIDs[row]
                        boxes[row * roiCount + r] = setBoxes[key]?.clipped(width: width, height: height)
                    }
                }
            }
        }
        var targeted: [Int] = []
        targeted.reserveCapacity(rowCount)
        if let m = plan.metadataFilter {
            for row in 0..<rowCount where evaluator.truth(m, row: row) == .true { targeted.append(row) }
        } else {
            targeted.append(contentsOf: 0..<rowCount)
        }
        for row in targeted { outcomes[row] = .pruned }

        // (2) Bounds per term, for every targeted row whose box and range need them.
        var widths = boundWidths
        for (t, term) in terms.enumerated() {
            let codes = term.codes
            let allCodes = codes.lo == 0 && codes.hi >= codeEnd
            // Exact without the index: NULL box, empty box or range, or every code.
            var pending: [Int] = []
            for row in targeted {
                let state: IntervalValue
                if let box = boxes[row * roiCount + term.roi] {
                    let area = box.area
                    if area == 0 || codes.isEmpty {
                        state = .exact(.int(0))
                    } else if allCodes {
                        state = .exact(.int(Int64(area)))
                    } else if hasSource {
                        pending.append(row)
                        state = .range(lo: 0, hi: Double(area), maybeNull: false)
                    } else {
                        state = .range(lo: -.infinity, hi: .infinity, maybeNull: false)
                    }
                } else {
                    state = .exact(.null)
                }
                cp[row * termCount + t] = state
            }
            guard let source = boundsSource, !pending.isEmpty else { continue }
            var constantBox: PixelBox?
            switch rois[term.roi] {
            case .full, .box: constantBox = boxes[pending[0] * roiCount + term.roi]
            case .named: constantBox = nil
            }
            if let box = constantBox, let all = source.boundsForAllRows(box: box, codes: codes) {
                for row in pending where all.lower[row] >= 0 {
                    widths[QueryStats.bucket(ofWidth: Executor.narrow(&cp[row * termCount + t], all.lower[row], all.upper[row]))] += 1
                }
            } else {
                let found = source.bounds(rows: pending, boxes: pending.map { boxes[$0 * roiCount + term.roi]! }, codes: codes)
                for (i, row) in pending.enumerated() where found.lower[i] >= 0 {
                    widths[QueryStats.bucket(ofWidth: Executor.narrow(&cp[row * termCount + t], found.lower[i], found.upper[i]))] += 1
                }
            }
        }
        boundWidths = widths

        // (3) The residual filter over the states.
        var candidates: [Candidate] = []
        if let residual = plan.residualFilter {
            for row in targeted {
                let filter = evaluator.truth(residual, row: row)
                if !filter.certainlyFails { candidates.append(Candidate(row: row, filter: filter)) }
            }
        } else {
            candidates = targeted.map { Candidate(row: $0, filter: .true) }
        }

        // (4) Candidates the filter leaves undecided get the source's tighter bounds, then the
        // filter again: each one decided here is a mask not read.
        if let residual = plan.residualFilter, boundsSource != nil {
            let undecided = candidates.indices.filter { !candidates[$0].filter.certainlyPasses }
            if !undecided.isEmpty && refine(rows: undecided.map { candidates[$0].row }) {
                var kept: [Candidate] = []
                kept.reserveCapacity(candidates.count)
                var next = 0
                for (i, c) in candidates.enumerated() {
                    guard next < undecided.count, undecided[next] == i else {
                        kept.append(c)
                        continue
                    }
                    next += 1
                    let filter = evaluator.truth(residual, row: c.row)
                    if !filter.certainlyFails { kept.append(Candidate(row: c.row, filter: filter)) }
                }
                candidates = kept
            }
        }
        return candidates
    }

    /// Narrows the CP states of `rows` (ascending) that are still ranges with the bounds
    /// source's refined bounds. Returns false when the source has none.
    /// - Complexity: O(rows × terms × refined-plan size).
    func refine(rows: [Int]) -> Bool {
        guard let source = boundsSource, !rows.isEmpty else { return false }
        let roiCount = plan.rois.count, termCount = plan.cpTerms.count
        let boxes = states.boxes, cp = states.cp
        var refined = false
        for (t, term) in plan.cpTerms.enumerated() {
            let pending = rows.filter { row in
                if case .range = cp[row * termCount + t], boxes[row * roiCount + term.roi] != nil { return true }
                return false
            }
            guard !pending.isEmpty,
                  let found = source.refinedBounds(rows: pending, boxes: pending.map { boxes[$0 * roiCount + term.roi]! }, codes: term.codes)
            else { continue }
            refined = true
            for (i, row) in pending.enumerated() where found.lower[i] >= 0 {
                guard case .range(let lo, let hi, _) = cp[row * termCount + t] else { continue }
                let l = max(Int(lo), Int(found.lower[i])), h = min(Int(hi), Int(found.upper[i]))
                if l > h { continue }  // inconsistent with the first bounds: keep those
                cp[row * termCount + t] = l == h ? .exact(.int(Int64(l))) : .range(lo: Double(l), hi: Double(h), maybeNull: false)
            }
        }
        return refined
    }

    /// Narrows a CP state `0...area` by index bounds `lower...upper` (ignored when inconsistent);
    /// returns the width of the result.
    @inline(__always)
    static func narrow(_ state: inout IntervalValue, _ lower: Int32, _ upper: Int32) -> Int {
        guard case .range(_, let hiArea, _) = state else { return 0 }
        let area = Int(hiArea)
        var lo = max(0, Int(lower)), hi = min(area, Int(upper))
        if lo > hi { (lo, hi) = (0, area) }  // inconsistent bounds: ignore them
        state = lo == hi ? .exact(.int(Int64(lo))) : .range(lo: Double(lo), hi: Double(hi), maybeNull: false)
        return hi - lo
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
        let verifier = PixelVerifier(table: table, terms: plan.cpTerms, observer: observer)
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
        let maskIDs = table.builtinColumn(0)
        var order: [(best: ColumnValue, maskID: Int64, candidate: Candidate)] = []
        if let firstKey, let cutoff = TopKCutoff.compute(k: k, descending: descending, candidates.lazy.map { c in
            (self.evaluator.value(firstKey.expression, row: c.row), c.filter.certainlyPasses)
        }) {
            var survivors = candidates.filter { !cutoff.excludes(bestKey(row: $0.row, key: firstKey)) }
            // The survivors' refined bounds give a higher cutoff and fewer survivors.
            if refine(rows: survivors.map(\.row)),
               let second = TopKCutoff.compute(k: k, descending: descending, survivors.lazy.map { c in
                   (self.evaluator.value(firstKey.expression, row: c.row), c.filter.certainlyPasses)
               }) {
                survivors = survivors.filter { !second.excludes(bestKey(row: $0.row, key: firstKey)) }
            }
            order = survivors.map { (bestKey(row: $0.row, key: firstKey), maskIDs[$0.row], $0) }
        } else {
            order = candidates.map { (bestKey(row: $0.row, key: firstKey), maskIDs[$0.row], $0) }
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
