import MaskFormat

/// Renders a `QueryExplanation`: text lines for `--explain`, and the JSON object under the key
/// `"explain"` of `--format json` (after `"stats"`). Keys in snake_case like `stats`; boxes as
/// `[x0, y0, x1, y1]`, half-open ranges as `[lo, hi]` meaning `lo ..< hi`, closed bounds as
/// separate `lower` / `upper` keys.
public enum ExplanationFormatter {
    // MARK: Text

    public static func text(_ e: QueryExplanation) -> String {
        let d = e.decisions
        var lines = ["decisions: pruned by filter bounds \(d.prunedByFilter), pruned by rank \(d.prunedByRank), "
                     + "accepted by bounds \(d.acceptedByBounds), verified \(d.verified) "
                     + "(decided without reading \(d.decidedWithoutReading))"]
        if let h = e.bounds { lines += text(h) }
        if let m = e.mask { lines += text(m) }
        return lines.joined(separator: "\n")
    }

    static func text(_ h: BoundsHistogram) -> [String] {
        var threshold = "no threshold"
        switch h.threshold {
        case .filter(let op, let v): threshold = "threshold: \(op) \(v)"
        case .kth(let v): threshold = "final k-th value: \(v)"
        case nil: break
        }
        var lines = ["bounds of \(h.expression) before reading: \(h.bounded) masks bounded, \(h.unbounded) unbounded, "
                     + "\(h.null) NULL; \(threshold)"]
        guard h.bounded > 0 else { return lines }
        lines.append("  bin                       lower  upper")
        for i in h.lower.indices where h.lower[i] > 0 || h.upper[i] > 0 {
            let bin = "[\(h.edges[i]), \(h.edges[i + 1])\(i == h.lower.count - 1 ? "]" : ")")"
            let pad = String(repeating: " ", count: max(1, 26 - bin.count))
            lines.append("  \(bin)\(pad)\(h.lower[i])  \(h.upper[i])")
        }
        return lines
    }

    static func text(_ m: MaskBoundsView) -> [String] {
        var lines = ["mask \(m.maskID), \(m.term), codes [\(m.codes.lo), \(m.codes.hi)):"]
        guard let box = m.box else { return lines + ["  no box: CP is NULL"] }
        let exact = m.exact.map(String.init) ?? "?"
        let histogram = m.roiHistogram.map { ["  ROI histograms: lower \($0.lowerBound) <= exact \(exact) <= upper \($0.upperBound) (used before the grid's bounds)"] } ?? []
        guard let i = m.index else { return lines + ["  box \(box); no index bounds; exact \(exact)"] + histogram }
        lines.append("  grid \(i.height)x\(i.width), cell \(i.cell), \(i.bins) bins, code edges \(i.binEdges)")
        lines.append("  box \(box), inner rectangle \(i.inner.map { "\($0)" } ?? "none"), outer rectangle \(i.outer)")
        lines.append("  bins wholly inside the codes \(i.innerBins), overlapping them \(i.outerBins)")
        lines.append("  lower \(i.bounds.lowerBound) <= exact \(exact) <= upper \(i.bounds.upperBound)"
                     + " (refined cell by cell: \(i.refined.lowerBound)...\(i.refined.upperBound))")
        return lines + histogram
    }

    // MARK: JSON

    /// The JSON object (no key, no trailing newline).
    public static func json(_ e: QueryExplanation) -> String {
        let d = e.decisions
        let decisions = "{\"pruned_by_filter\": \(d.prunedByFilter), \"pruned_by_rank\": \(d.prunedByRank), "
            + "\"accepted_by_bounds\": \(d.acceptedByBounds), \"verified\": \(d.verified), "
            + "\"decided_without_reading\": \(d.decidedWithoutReading)}"
        return "{\"decisions\": \(decisions), \"bounds\": \(e.bounds.map(json) ?? "null"), \"mask\": \(e.mask.map(json) ?? "null")}"
    }

    static func list<S: Sequence>(_ xs: S, _ f: (S.Element) -> String) -> String {
        "[" + xs.map(f).joined(separator: ", ") + "]"
    }

    static func json(_ box: PixelBox) -> String { list([box.x0, box.y0, box.x1, box.y1], String.init) }

    static func json(_ h: BoundsHistogram) -> String {
        let threshold: String
        switch h.threshold {
        case .filter(let op, let v): threshold = "{\"kind\": \"filter\", \"op\": \(JSONText.quoted(op)), \"value\": \(ResultFormatter.jsonDouble(v))}"
        case .kth(let v): threshold = "{\"kind\": \"kth\", \"value\": \(ResultFormatter.jsonDouble(v))}"
        case nil: threshold = "null"
        }
        return "{\"expression\": \(JSONText.quoted(h.expression)), \"edges\": \(list(h.edges, ResultFormatter.jsonDouble)), "
            + "\"lower\": \(list(h.lower, String.init)), \"upper\": \(list(h.upper, String.init)), "
            + "\"bounded\": \(h.bounded), \"unbounded\": \(h.unbounded), \"null\": \(h.null), \"threshold\": \(threshold)}"
    }

    static func json(_ m: MaskBoundsView) -> String {
        let index = m.index.map { i in
            "{\"height\": \(i.height), \"width\": \(i.width), \"cell\": \(i.cell), \"bins\": \(i.bins), "
                + "\"bin_edges\": \(list(i.binEdges, String.init)), \"inner\": \(i.inner.map(json) ?? "null"), "
                + "\"outer\": \(json(i.outer)), \"inner_bins\": [\(i.innerBins.lowerBound), \(i.innerBins.upperBound)], "
                + "\"outer_bins\": [\(i.outerBins.lowerBound), \(i.outerBins.upperBound)], "
                + "\"lower\": \(i.bounds.lowerBound), \"upper\": \(i.bounds.upperBound), "
                + "\"refined_lower\": \(i.refined.lowerBound), \"refined_upper\": \(i.refined.upperBound)}"
        } ?? "null"
        return "{\"mask_id\": \(m.maskID), \"term\": \(JSONText.quoted(m.term)), \"codes\": [\(m.codes.lo), \(m.codes.hi)], "
            + "\"box\": \(m.box.map(json) ?? "null"), \"exact\": \(m.exact.map(String.init) ?? "null"), \"index\": \(index), "
            + "\"roi_histogram\": \(m.roiHistogram.map { "{\"lower\": \($0.lowerBound), \"upper\": \($0.upperBound)}" } ?? "null")}"
    }
}
