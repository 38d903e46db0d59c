import MaskFormat
import MaskStorage

/// The text of `--explain`: the plan's steps, one per line, then the outcome counts.
enum PlanDescription {
    static func describe(_ plan: QueryPlan, table: any MaskTable, bounds: Bool, stats: QueryStats?) -> String {
        var lines: [String] = ["plan:"]
        lines.append("  scan masks: \(table.count) masks of \(table.height)x\(table.width) \(table.pixelFormat)")
        if let m = plan.metadataFilterText { lines.append("  metadata filter (no pixels): \(m)") }
        for (i, r) in plan.rois.enumerated() {
            let kind: String
            switch r {
            case .full: kind = "whole mask"
            case .box(let b): kind = "constant box, clipped \(b)"
            case .named(let s): kind = "named set, \(s.boxes.count) boxes keyed by \(s.key == .imageID ? "image_id" : "mask_id")"
            }
            lines.append("  roi #\(i): \(plan.roiTexts[i]) (\(kind))")
        }
        for (i, t) in plan.cpTerms.enumerated() {
            lines.append("  cp #\(i): CP(mask, \(plan.roiTexts[t.roi]), \(t.lower), \(t.upper)) -> codes [\(t.codes.lo), \(t.codes.hi))")
        }
        if let r = plan.residualFilterText {
            lines.append("  filter-verification: \(r) (\(bounds ? "index bounds, then verify" : "no index: verify"))")
        }
        if plan.isGrouped {
            if let g = plan.groupColumn {
                lines.append("  group by: \(table.columns[g].name)")
            } else {
                lines.append("  aggregate: all rows as one group")
            }
            for (i, a) in plan.aggregates.enumerated() {
                lines.append("  aggregate #\(i): \(a.text)")
            }
            for (i, t) in plan.groupCPTerms.enumerated() {
                lines.append("  mask aggregate cp #\(i): CP(\(t.source), \(plan.roiTexts[t.roi]), \(t.lower), \(t.upper))")
            }
            if let h = plan.havingText { lines.append("  having: \(h)") }
        }
        let order = plan.sortKeys.map { "\($0.text) \($0.descending ? "DESC" : "ASC")" }
        let tie = plan.isGrouped ? "group key" : "mask_id"
        lines.append("  order by: \((order + ["\(tie) ASC"]).joined(separator: ", "))")
        if let k = plan.limit {
            let topK = bounds && (plan.isGrouped || plan.usesPixels)
            let what = plan.isGrouped ? "groups" : "masks"
            lines.append("  limit: \(k)\(topK ? " (top-k: visit \(what) in bound order, stop early)" : "")")
        }
        lines.append("  project: \(zip(plan.columnNames, plan.projectionTexts).map { $0 == $1 ? $0 : "\($1) AS \($0)" }.joined(separator: ", "))")
        if let s = stats {
            lines.append("outcome:")
            lines.append("  masks_total \(s.masksTotal), masks_targeted \(s.masksTargeted), pruned \(s.pruned), "
                         + "accepted_by_index \(s.acceptedByIndex), verified \(s.verified), fml \(s.fml), "
                         + "newly_indexed \(s.newlyIndexed)")
            if s.boundWidthHistogram.contains(where: { $0 > 0 }) {
                let cells = zip(QueryStats.boundWidthBuckets, s.boundWidthHistogram).map { "\($0): \($1)" }
                lines.append("  bound widths (upper - lower, per CP term and mask): " + cells.joined(separator: ", "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
