import MaskFormat
import MaskStorage
#if canImport(Glibc)
import Glibc
#endif

/// What happened to one mask in a query run; the source of `QueryStats`.
enum RowOutcome: UInt8, Sendable {
    /// Failed the metadata part of WHERE. Raw value 0: zeroed memory is all untargeted.
    case untargeted = 0
    /// Excluded without reading pixels because WHERE (or HAVING) is certainly not true: on
    /// bounds, a NULL box, or exact values known without reading.
    case prunedByFilter
    /// Excluded without reading pixels by a top-k: its best value cannot enter the first k.
    case prunedByRank
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
    var prunedByFilter = 0
    var prunedByRank = 0
    var accepted = 0
    var verified = 0
    var newlyIndexed = 0
    var boundWidths: [Int] = []

    var pruned: Int { prunedByFilter + prunedByRank }
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
/// 3. Top-k (ORDER BY + LIMIT with a bounds source): `TopKCutoff` drops candidates that cannot
///    enter the first k, then `TopKLoop` visits the rest best-first in parallel batches and stops
///    exactly where the sequential best-first algorithm stops. Every visited mask is evaluated
///    exactly, so the answer is the full scan's.
/// 4. Grouped queries: rows passing WHERE are grouped (members in mask_id order), mask aggregates
///    are computed by `MaskAggregation`, scalar aggregates over members' exact values, then
///    HAVING, projection, sort, limit (ranked groups through the same `TopKLoop`).
final class Executor {
    let table: any MaskTable
    let plan: QueryPlan
    let boundsSource: (any CPBoundsSource)?
    /// Offered the masks verification reads whole, to index them; nil: nothing is indexed.
    let observer: (any IndexObserver)?

    /// Per row; an unsafe buffer so that row loops pay no exclusivity check per access.
    let outcomes: UnsafeMutableBufferPointer<RowOutcome>
    /// True when `outcomes` came from `calloc` (freed by `free`).
    private let outcomesFromCalloc: Bool
    /// The rows passing the metadata filter (`targetRows`), ascending: the only rows whose
    /// outcome changes from `.untargeted`.
    var targetedRows: [Int] = []
    var newlyIndexed = 0
    /// Bound widths of CP terms the index bounded, by `QueryStats.bucket(ofWidth:)`.
    var boundWidths = [Int](repeating: 0, count: QueryStats.boundWidthBuckets.count)
    let states: RowStates
    let evaluator: ExpressionEvaluator
    /// Every row's bounds for a constant (box, codes), computed once per query when first
    /// needed (nil: the source answers row by row only).
    var constantBounds: [ConstantBoundsKey: RowBounds?] = [:]
    /// Set when the run must explain its bounds (`Executor+Explain.swift`), with the row of the
    /// requested mask (nil: chosen after the run).
    let explainRequest: ExplainRequest?
    let explainMaskRow: Int?
    /// The bounds before the first read, captured only when explaining.
    var boundsHistogram: BoundsHistogram?
    /// The explanation of the finished run, only when explaining.
    var explanation: QueryExplanation?

    init(table: any MaskTable, plan: QueryPlan, boundsSource: (any CPBoundsSource)?, observer: (any IndexObserver)? = nil,
         explain: ExplainRequest? = nil, explainMaskRow: Int? = nil) {
        self.table = table
        self.plan = plan
        self.boundsSource = boundsSource
        self.observer = observer
        explainRequest = explain
        self.explainMaskRow = explainMaskRow
        states = RowStates(rows: table.count, constantBoxes: Executor.constantBoxes(plan.rois, table: table), termCount: plan.cpTerms.count)
        evaluator = ExpressionEvaluator(table: table, states: states)
        (outcomes, outcomesFromCalloc) = Executor.untargetedOutcomes(count: table.count)
    }

    /// Per ROI, the box every row has: `full` (the mask) or a literal box; nil for a named ROI.
    static func constantBoxes(_ rois: [BoundROI], table: any MaskTable) -> [PixelBox?] {
        rois.map { roi in
            switch roi {
            case .full: return PixelBox.full(width: table.width, height: table.height)
            case .box(let b): return b
            case .named: return nil
            }
        }
    }

    deinit {
        if outcomesFromCalloc { free(outcomes.baseAddress) } else { outcomes.deallocate() }
    }

    /// `count` outcomes, all `.untargeted` (raw value 0): zeroed memory from `calloc` (true), for
    /// a large buffer fresh pages from the kernel, so rows never targeted cost no page and no
    /// store; else (calloc failed) Swift's allocator, initialised (false).
    static func untargetedOutcomes(count: Int) -> (UnsafeMutableBufferPointer<RowOutcome>, Bool) {
        if let raw = calloc(max(count, 1), MemoryLayout<RowOutcome>.stride) {
            return (UnsafeMutableBufferPointer(start: raw.bindMemory(to: RowOutcome.self, capacity: count), count: count), true)
        }
        let buffer = UnsafeMutableBufferPointer<RowOutcome>.allocate(capacity: count)
        buffer.initialize(repeating: .untargeted)
        return (buffer, false)
    }

    /// A mask that may pass WHERE, with what bounds say about its filter.
    struct Candidate {
        var row: Int
        var filter: TruthSet
    }

    /// Runs the plan: the result rows (sorted, limited) and the outcome counts.
    func run() throws(QueryError) -> ([[ColumnValue]], ExecutionCounts) {
        let (rows, counts) = try runResultRows()
        return (rows.map(\.values), counts)
    }

    /// `run`, keeping each row's sort keys and tie-breaker (what a shard's partial result holds).
    func runResultRows() throws(QueryError) -> ([ResultRow], ExecutionCounts) {
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
        let counts = countOutcomes()
        if explainRequest != nil { explanation = try explanation(rows: rows, counts: counts) }
        return (rows, counts)
    }

    /// The outcome counts of the run; a query without CP terms reports no pixel decisions.
    /// Only targeted rows have an outcome other than `.untargeted`.
    /// - Complexity: O(targeted rows).
    func countOutcomes() -> ExecutionCounts {
        var counts = ExecutionCounts()
        counts.total = table.count
        counts.newlyIndexed = newlyIndexed
        counts.boundWidths = boundWidths
        for row in targetedRows {
            switch outcomes[row] {
            case .untargeted: continue
            case .prunedByFilter: counts.prunedByFilter += 1
            case .prunedByRank: counts.prunedByRank += 1
            case .accepted: counts.accepted += 1
            case .verified: counts.verified += 1
            }
            counts.targeted += 1
        }
        if !plan.usesPixels {
            (counts.prunedByFilter, counts.prunedByRank, counts.accepted, counts.verified) = (0, 0, 0, 0)
        }
        return counts
    }
}

extension Executor {
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
        for t in needed where states[cp: c.row, term: t].exactValue == nil { return true }
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
        captureBounds()
        try verify(candidates.filter { needsRead($0, needed: needed) }.map(\.row))
        var rows: [ResultRow] = []
        for c in candidates {
            if let r = try finish(c) { rows.append(r) }
        }
        return rows
    }

    // MARK: Top-k

    /// The best value (in result order) the first sort key can take for this mask; its mask_id
    /// without sort keys.
    func bestKey(row: Int, key: SortKey?) -> ColumnValue {
        guard let key else { return .int(table.maskID(row: row)) }
        return evaluator.value(key.expression, row: row).best(descending: key.descending)
    }

    /// Candidates in top-k visiting order (`TopKLoop.sort`), without those `TopKCutoff` shows
    /// cannot enter the top k — first on the row pass's bounds, then on the survivors' refined
    /// bounds. Excluded candidates become `.prunedByRank`.
    /// - Complexity: O(n log n) plus one refinement of the first cutoff's survivors.
    func topKOrder(_ candidates: [Candidate], k: Int, loop: TopKLoop) -> [TopKItem] {
        let firstKey = plan.sortKeys.first
        var survivors = Array(candidates.indices)
        if let firstKey {
            func cutoff(_ indices: [Int]) -> TopKCutoff? {
                TopKCutoff.compute(k: k, descending: loop.descending, indices.lazy.map { i in
                    (self.evaluator.value(firstKey.expression, row: candidates[i].row), candidates[i].filter.certainlyPasses)
                })
            }
            func exclude(_ indices: [Int], by cutoff: TopKCutoff) -> [Int] {
                indices.filter { i in
                    let out = cutoff.excludes(bestKey(row: candidates[i].row, key: firstKey))
                    if out { outcomes[candidates[i].row] = .prunedByRank }
                    return !out
                }
            }
            if let first = cutoff(survivors) {
                survivors = exclude(survivors, by: first)
                // The survivors' refined bounds give a higher cutoff and fewer survivors.
                if refine(rows: survivors.map { candidates[$0].row }), let second = cutoff(survivors) {
                    survivors = exclude(survivors, by: second)
                }
            }
        }
        var items = survivors.map { i in
            TopKItem(best: bestKey(row: candidates[i].row, key: firstKey), tie: .int(table.maskID(row: candidates[i].row)), index: i)
        }
        loop.sort(&items)
        return items
    }

    /// Top-k over rows by `TopKLoop`: each batch's undecided masks are read in one parallel pass.
    func runTopK(_ candidates: [Candidate], k: Int) throws(QueryError) -> [ResultRow] {
        let loop = TopKLoop(k: k, sortKeys: plan.sortKeys)
        guard k > 0 else { return [] }
        let items = topKOrder(candidates, k: k, loop: loop)
        captureBounds()
        let needed = outputTerms
        let (rows, visited) = try loop.run(items) { (batch) throws(QueryError) -> [ResultRow] in
            let visited = batch.map { candidates[$0.index] }
            try verify(visited.filter { needsRead($0, needed: needed) }.map(\.row))
            var rows: [ResultRow] = []
            for c in visited {
                if let r = try finish(c) { rows.append(r) }
            }
            return rows
        }
        for item in items[visited...] { outcomes[candidates[item.index].row] = .prunedByRank }
        return rows
    }
}
