import MaskFormat
import MaskStorage

/// `--explain`: what the bounds looked like before any pixel was read, and one mask's bounds
/// taken apart. Nothing here runs unless the executor was given an `ExplainRequest`.
extension Executor {
    /// Equal-width bins of `BoundsHistogram`.
    static let histogramBins = 16

    /// The expression whose bounds are histogrammed, its text, and a filter threshold: the
    /// first ORDER BY key of a top-k; the CP side of a residual WHERE that is one comparison
    /// with a number; else the first CP term. nil for grouped queries and without CP terms.
    func histogramTarget() -> (expression: BoundExpr, text: String, threshold: BoundsHistogram.Threshold?)? {
        guard !plan.isGrouped, !plan.cpTerms.isEmpty else { return nil }
        if plan.limit != nil, let key = plan.sortKeys.first {
            var terms = Set<Int>()
            key.expression.collectCPTerms(into: &terms)
            if !terms.isEmpty { return (key.expression, key.text, nil) }
        }
        if let residual = plan.residualFilter, let text = plan.residualFilterText, case .compare(let op, let l, let r) = residual {
            if case .literal(let v) = r, let t = ValueSemantics.double(v) { return (l, text, .filter(op: op.rawValue, value: t)) }
            if case .literal(let v) = l, let t = ValueSemantics.double(v) { return (r, text, .filter(op: op.mirrored.rawValue, value: t)) }
        }
        return (.cp(0), cpText(0), nil)
    }

    /// `CP(mask, roi, lv, uv)` of term `t` as planned.
    func cpText(_ t: Int) -> String {
        let term = plan.cpTerms[t]
        return "CP(mask, \(plan.roiTexts[term.roi]), \(term.lower), \(term.upper))"
    }

    /// Histograms the current bounds of every targeted mask: called just before the first
    /// pixels are read (scan, or top-k after its cutoffs). - Complexity: O(targeted rows).
    func captureBounds() {
        guard explainRequest != nil, boundsHistogram == nil, let target = histogramTarget() else { return }
        var finite: [(Double, Double)] = []
        var unbounded = 0, null = 0
        for row in 0..<table.count where outcomes[row] != .untargeted {
            let b = evaluator.value(target.expression, row: row).bounds
            if b.isNull {
                null += 1
            } else if b.lo.isFinite && b.hi.isFinite {
                finite.append((b.lo, b.hi))
            } else {
                unbounded += 1
            }
        }
        let lo = finite.map(\.0).min() ?? 0, hi = finite.map(\.1).max() ?? 0
        let bins = Self.histogramBins, width = (hi - lo) / Double(bins)
        let edges = (0...bins).map { $0 == bins ? hi : lo + Double($0) * width }
        func bin(_ v: Double) -> Int { width > 0 ? min(bins - 1, max(0, Int((v - lo) / width))) : 0 }
        var lower = [Int](repeating: 0, count: bins), upper = lower
        for (l, h) in finite {
            lower[bin(l)] += 1
            upper[bin(h)] += 1
        }
        boundsHistogram = BoundsHistogram(expression: target.text, edges: edges, lower: lower, upper: upper,
                                          bounded: finite.count, unbounded: unbounded, null: null, threshold: target.threshold)
    }

    /// The explanation of a finished run whose result rows are `rows` (sorted, limited).
    func explanation(rows: [ResultRow], counts: ExecutionCounts) throws(QueryError) -> QueryExplanation {
        var histogram = boundsHistogram
        if histogram?.threshold == nil, plan.limit != nil, !plan.sortKeys.isEmpty,
           let kth = rows.last?.keys.first, let v = ValueSemantics.double(kth) {
            histogram?.threshold = .kth(v)
        }
        let decisions = DecisionCounts(prunedByFilter: counts.prunedByFilter, prunedByRank: counts.prunedByRank,
                                       acceptedByBounds: counts.accepted, verified: counts.verified)
        let mask = try explainRow(rows: rows).map { (row) throws(QueryError) in try maskView(row: row) }
        return QueryExplanation(decisions: decisions, bounds: histogram, mask: mask)
    }

    /// The mask of the one-mask view (none without CP terms): the requested one, else the first
    /// result row whose mask was read, the first result row, the first mask read, the first
    /// targeted mask.
    func explainRow(rows: [ResultRow]) -> Int? {
        guard !plan.cpTerms.isEmpty else { return nil }
        if let r = explainMaskRow { return r }
        if !plan.isGrouped {
            let maskIDs = table.builtinColumn(0)
            var rowOf: [Int64: Int] = [:]
            for (row, id) in maskIDs.enumerated() where outcomes[row] != .untargeted { rowOf[id] = row }
            let resultRows = rows.compactMap { r -> Int? in
                if case .int(let id) = r.tie { return rowOf[id] }
                return nil
            }
            if let r = resultRows.first(where: { outcomes[$0] == .verified }) ?? resultRows.first { return r }
        }
        return outcomes.firstIndex(of: .verified) ?? outcomes.firstIndex { $0 != .untargeted }
    }

    /// The CP term of the one-mask view: the first one the histogrammed expression reads, else
    /// the first of the query.
    var explainedTerm: Int {
        var terms = Set<Int>()
        histogramTarget()?.expression.collectCPTerms(into: &terms)
        return terms.min() ?? 0
    }

    /// The bounds of CP term `explainedTerm` of mask `row` taken apart, with its exact value
    /// read from the pixels. - Complexity: one read of the box's image rows.
    func maskView(row: Int) throws(QueryError) -> MaskBoundsView {
        let t = explainedTerm, term = plan.cpTerms[t]
        assignBoxes(rows: [row])  // WHERE may not have targeted it
        var view = MaskBoundsView(maskID: table.maskID(row: row), term: cpText(t), lv: term.lower, uv: term.upper, codes: term.codes,
                                  box: states.box(row: row, roi: term.roi), index: nil, exact: nil)
        guard let box = view.box else { return view }
        if box.isEmpty || term.codes.isEmpty {
            view.exact = 0
            return view
        }
        view.index = (boundsSource as? any BoundsExplaining)?.explainBounds(row: row, box: box, codes: term.codes)
        if case .named(let set) = plan.rois[term.roi],
           let h = boundsSource?.roiHistogramBounds(roiSet: set.name, rows: [row], codes: term.codes, area: { _ in box.area }), h.lower[0] >= 0 {
            view.roiHistogram = Int(h.lower[0])...Int(h.upper[0])
        }
        view.exact = try exactCount(row: row, box: box, codes: term.codes)
        return view
    }

    /// CP of mask `row` over a clipped, non-empty `box`, read from the pixels.
    func exactCount(row: Int, box: PixelBox, codes: CodeInterval) throws(QueryError) -> Int {
        let bpp = table.pixelFormat.bytesPerPixel, width = table.width
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: box.height * width * bpp, alignment: 64)
        defer { buffer.deallocate() }
        do {
            try table.readPixels(row: row, rows: box.y0..<box.y1, into: buffer)
        } catch {
            throw QueryError(kind: .io, location: nil, token: "", message: "reading mask \(table.maskID(row: row)) for --explain: \(error)", cause: error)
        }
        return countCodes(buffer.baseAddress! + box.x0 * bpp, format: table.pixelFormat, cols: box.width,
                          rows: box.height, stride: width, interval: codes)
    }
}

extension BinaryOperator {
    /// The comparison with its operands swapped (`a < b` is `b > a`).
    var mirrored: BinaryOperator {
        switch self {
        case .less: return .greater
        case .lessEqual: return .greaterEqual
        case .greater: return .less
        case .greaterEqual: return .lessEqual
        default: return self
        }
    }
}
