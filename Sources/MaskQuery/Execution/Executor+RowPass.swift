import MaskFormat
import MaskStorage

/// The row pass: everything decided before any pixel is read.
extension Executor {
    /// Targets masks by the metadata filter, sets boxes and CP states, and evaluates the residual
    /// filter on bounds, in steps: (1) the metadata filter column-at-a-time (`targetRows`) and
    /// boxes (`assignBoxes`: before the filter when it reads AREA, else of the targeted rows); (2) per CP term, the bounds of every targeted row in one call to the bounds
    /// source (`boundTerm`: one vectorised column pass for a constant ROI, a batch of per-row
    /// plans for a named one); (3) per targeted row, the residual filter over the states
    /// (`filterOnBounds`); (4) the source's refined bounds for the rows still undecided
    /// (`refineUndecided`). Targeted masks start `.prunedByFilter`: a mask that never becomes a
    /// candidate stays so.
    /// - Complexity: O(rows × (terms + filter size)), no pixel reads.
    func rowPass() -> [Candidate] {
        // Boxes of every row when the metadata filter reads them (AREA), else of the targeted
        // rows only (an explained mask WHERE did not target gets its own: `maskView`).
        let everyRow = plan.metadataFilter?.readsBoxes == true
        if everyRow { assignBoxes(rows: 0..<table.count) }
        let targeted = targetRows()
        if !everyRow { assignBoxes(rows: targeted) }
        for t in plan.cpTerms.indices { boundTerm(t, rows: targeted) }
        return refineUndecided(filterOnBounds(targeted))
    }

    /// True when `rows` rows are at least one in 8 of the table: a pass over whole columns (a
    /// builtin key column copied, every row's bounds from one vectorised pass) then costs less
    /// than reading row by row. The one threshold of the row pass's column-or-row choices.
    func takesWholeColumns(_ rows: Int) -> Bool { rows * 8 >= table.count }

    /// The clipped box per named ROI of each of `rows` (nil where the set has no box for it);
    /// constant ROIs have theirs in `RowStates.constantBoxes` (`Executor.constantBoxes`).
    /// Rows not assigned keep no box; only the rows a run reads are assigned (again: the same box).
    /// - Complexity: O(rows × named ROIs), one box lookup per run of rows with one key; the key column is copied (`builtinColumn`, cached)
    /// when `rows` are at least one in 8 of the table, else read row by row.
    func assignBoxes<Rows: Collection<Int>>(rows: Rows) {
        let width = table.width, height = table.height
        guard states.perRowCount > 0, !rows.isEmpty else { return }
        let wholeColumns = takesWholeColumns(rows.count)
        for (r, roi) in plan.rois.enumerated() {
            guard case .named(let set) = roi else { continue }
            let keyColumn = set.key == .imageID ? 1 : 0, setBoxes = set.boxes
            let column = wholeColumns ? table.builtinColumn(keyColumn) : nil
            // The masks of one image are consecutive rows: a set read in place is searched once
            // per image, not once per mask.
            var last: (key: Int64, box: PixelBox?)?
            for row in rows {
                let key = column?[row] ?? (keyColumn == 1 ? table.imageID(row: row) : table.maskID(row: row))
                if last?.key != key { last = (key, setBoxes[key]?.clipped(width: width, height: height)) }
                states.setBox(last!.box, row: row, roi: r)
            }
        }
    }

    /// The rows passing the metadata conjuncts of WHERE (all rows without any), ascending,
    /// evaluated column-at-a-time (`ColumnarFilter`); their outcome becomes `.prunedByFilter`
    /// until something includes them.
    func targetRows() -> [Int] {
        let targeted: [Int]
        if let m = plan.metadataFilter {
            targeted = ColumnarFilter(m, table: table, states: states, evaluator: evaluator).trueRows()
        } else {
            targeted = Array(0..<table.count)
        }
        for row in targeted { outcomes[row] = .prunedByFilter }
        targetedRows = targeted
        return targeted
    }

    /// The state of CP term `t` of every row in `rows`: exact without the index where it can
    /// be (NULL box, empty box or range, every code), else the bounds source's bounds
    /// intersected with `0...area` (`0...area` without an entry), or unbounded without a source.
    /// - Complexity: O(rows) plus one bounds call.
    func boundTerm(_ t: Int, rows: [Int]) {
        let term = plan.cpTerms[t]
        let allCodes = term.codes.lo == 0 && term.codes.hi >= table.pixelFormat.codeOfOne + 1
        // Tested once: `boundsSource != nil` in the loop copied the existential per row.
        let hasSource = boundsSource != nil
        if let source = boundsSource, !allCodes, takesWholeColumns(rows.count), let box = states.constantBoxes[term.roi] {
            source.prefetchAllRows(box: box, codes: term.codes)
        }
        var pending: [Int] = []
        pending.reserveCapacity(hasSource ? rows.count : 0)
        for row in rows {
            let state: IntervalValue
            if let box = states.box(row: row, roi: term.roi) {
                let area = box.area
                if area == 0 || term.codes.isEmpty {
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
            states[cp: row, term: t] = state
        }
        if !pending.isEmpty { applySourceBounds(t, rows: pending) }
    }

    /// Narrows term `t` of `rows` (states `0...area`) by the bounds source: a constant ROI's
    /// bounds of every row from one column pass (`allRowBounds`) when `rows` are at least one
    /// in 8 of the table, else (and for a named ROI) row by row — the same bounds; a column
    /// pass also checks every delta record of the index (a CRC of its whole entries), which
    /// for a query of a few hundred rows costs more than their own bounds. A named ROI's rows
    /// take the set's ROI histogram bounds first (`roiHistogramBounds`), the rest row by row.
    func applySourceBounds(_ t: Int, rows: [Int]) {
        guard let source = boundsSource else { return }
        let term = plan.cpTerms[t]
        var widths = boundWidths
        defer { boundWidths = widths }
        let constantBox: PixelBox?
        var rows = rows
        switch plan.rois[term.roi] {
        case .full, .box: constantBox = states.box(row: rows[0], roi: term.roi)
        case .named(let set):
            constantBox = nil
            rows = applyHistogramBounds(t, set: set.name, rows: rows, widths: &widths)
            if rows.isEmpty { return }
        }
        if let box = constantBox, takesWholeColumns(rows.count), let all = allRowBounds(box: box, codes: term.codes) {
            for row in rows {
                if let b = all[row] { narrow(t, row: row, b.lower, b.upper, widths: &widths) }
            }
            return
        }
        let found = RowBounds(source.bounds(rows: rows, boxes: rows.map { states.box(row: $0, roi: term.roi)! }, codes: term.codes))
        for (i, row) in rows.enumerated() {
            if let b = found[i] { narrow(t, row: row, b.lower, b.upper, widths: &widths) }
        }
    }

    /// Narrows term `t` of `row` by bounds `lower...upper` (`Executor.narrow`) and counts the
    /// width left in `widths` (the stats' bound widths).
    @inline(__always)
    private func narrow(_ t: Int, row: Int, _ lower: Int, _ upper: Int, widths: inout [Int]) {
        widths[QueryStats.bucket(ofWidth: Executor.narrow(&states[cp: row, term: t], lower, upper))] += 1
    }

    /// Narrows term `t` of `rows` by the ROI histogram bounds of named set `set`, intersected
    /// with the grid bounds (`bounds(rows:boxes:codes:)`) where they are not exact (a range whose
    /// ends are not bin edges), so that they are never looser than the grid's alone; returns
    /// the rows without histogram bounds (all of them without histograms, at no cost per row).
    private func applyHistogramBounds(_ t: Int, set: String, rows: [Int], widths: inout [Int]) -> [Int] {
        let term = plan.cpTerms[t]
        func box(_ row: Int) -> PixelBox { states.box(row: row, roi: term.roi)! }
        guard let source = boundsSource,
              let found = source.roiHistogramBounds(roiSet: set, rows: rows, codes: term.codes, area: { box(rows[$0]).area })
        else { return rows }
        var rest: [Int] = [], inexact: [Int] = []
        for i in rows.indices {
            if found.lower[i] < 0 { rest.append(rows[i]) } else if found.lower[i] < found.upper[i] { inexact.append(i) }
        }
        let grid = inexact.isEmpty ? nil : RowBounds(source.bounds(rows: inexact.map { rows[$0] }, boxes: inexact.map { box(rows[$0]) }, codes: term.codes))
        var next = 0
        for (i, row) in rows.enumerated() where found.lower[i] >= 0 {
            var lower = Int(found.lower[i]), upper = Int(found.upper[i])
            if next < inexact.count, inexact[next] == i {
                if let b = grid?[next], max(lower, b.lower) <= min(upper, b.upper) { (lower, upper) = (max(lower, b.lower), min(upper, b.upper)) }
                next += 1
            }
            narrow(t, row: row, lower, upper, widths: &widths)
        }
        return rest
    }

    /// The targeted rows the residual filter does not certainly fail on the current states,
    /// with what it says (all rows, certainly passing, without a residual filter), in row
    /// order. The filter only reads the states: chunks of rows are evaluated in parallel.
    /// - Complexity: O(rows × filter size) over the cores.
    func filterOnBounds(_ targeted: [Int]) -> [Candidate] {
        guard let residual = plan.residualFilter else {
            return targeted.map { Candidate(row: $0, filter: .true) }
        }
        let chunks = ParallelChunks.ranges(count: targeted.count, minimumChunk: 8_192)
        let parts = ParallelChunks.map(chunks) { _, range in
            targeted[range].compactMap { row -> Candidate? in
                let filter = evaluator.truth(residual, row: row)
                return filter.certainlyFails ? nil : Candidate(row: row, filter: filter)
            }
        }
        return parts.count == 1 ? parts[0] : Array(parts.joined())
    }

    /// Candidates the filter leaves undecided get the source's tighter bounds, then the filter
    /// again: each one decided here is a mask not read. Candidates in the same order.
    func refineUndecided(_ candidates: [Candidate]) -> [Candidate] {
        guard let residual = plan.residualFilter, boundsSource != nil else { return candidates }
        let undecided = candidates.indices.filter { !candidates[$0].filter.certainlyPasses }
        guard !undecided.isEmpty, refine(rows: undecided.map { candidates[$0].row }) else { return candidates }
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
        return kept
    }

    /// Narrows the CP states of `rows` (ascending) that are still ranges with the bounds
    /// source's refined bounds (ignored where inconsistent with the first bounds). Returns false
    /// when the source has none. - Complexity: O(rows × terms × refined-plan size).
    func refine(rows: [Int]) -> Bool {
        guard let source = boundsSource, !rows.isEmpty else { return false }
        var refined = false
        for (t, term) in plan.cpTerms.enumerated() {
            let pending = rows.filter { row in
                if case .range = states[cp: row, term: t], states.box(row: row, roi: term.roi) != nil { return true }
                return false
            }
            guard !pending.isEmpty,
                  let raw = source.refinedBounds(rows: pending, boxes: pending.map { states.box(row: $0, roi: term.roi)! }, codes: term.codes)
            else { continue }
            refined = true
            let found = RowBounds(raw)
            for (i, row) in pending.enumerated() {
                guard let b = found[i], case .range(let lo, let hi, _) = states[cp: row, term: t] else { continue }
                let l = max(Int(lo), b.lower), h = min(Int(hi), b.upper)
                if l > h { continue }
                states[cp: row, term: t] = l == h ? .exact(.int(Int64(l))) : .range(lo: Double(l), hi: Double(h), maybeNull: false)
            }
        }
        return refined
    }

    /// Narrows a CP state `0...area` by index bounds `lower...upper` (ignored when inconsistent);
    /// returns the width of the result.
    @inline(__always)
    static func narrow(_ state: inout IntervalValue, _ lower: Int, _ upper: Int) -> Int {
        guard case .range(_, let hiArea, _) = state else { return 0 }
        let area = Int(hiArea)
        var lo = max(0, lower), hi = min(area, upper)
        if lo > hi { (lo, hi) = (0, area) }  // inconsistent bounds: ignore them
        state = lo == hi ? .exact(.int(Int64(lo))) : .range(lo: Double(lo), hi: Double(hi), maybeNull: false)
        return hi - lo
    }
}
