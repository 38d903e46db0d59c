import MaskFormat

/// What to explain about a query's bounds (`masksearch query --explain [--explain-mask ID]`).
public struct ExplainRequest: Sendable, Hashable {
    /// The mask of the one-mask bounds view; nil: the first result row whose mask was read,
    /// else the first result row, else the first mask read, else the first targeted mask.
    public var maskID: Int64?

    public init(maskID: Int64? = nil) { self.maskID = maskID }
}

/// How the bounds decided a query, for `--explain` and the web UI: the decision counts, the
/// histograms of the lower and upper bounds of the targeted masks, and one mask's bounds taken
/// apart. Built only when an `ExplainRequest` is given (no cost otherwise).
public struct QueryExplanation: Sendable, Hashable {
    public var decisions: DecisionCounts
    /// nil for grouped queries and queries without a CP term.
    public var bounds: BoundsHistogram?
    /// nil when the query has no CP term over a row's own mask or no mask is targeted.
    public var mask: MaskBoundsView?

    public init(decisions: DecisionCounts, bounds: BoundsHistogram?, mask: MaskBoundsView?) {
        self.decisions = decisions
        self.bounds = bounds
        self.mask = mask
    }
}

/// Why each targeted mask was or was not read. `prunedByFilter + prunedByRank` is
/// `QueryStats.pruned`, `acceptedByBounds` is `acceptedByIndex`, `verified` is `verified`; so
/// the four add up to `masksTargeted` (all 0 for a query without CP terms).
public struct DecisionCounts: Sendable, Hashable {
    /// WHERE (or HAVING) certainly not true without reading: a bound on the wrong side of the
    /// threshold (the upper bound for `CP > t`), a NULL box, an empty box or range.
    public var prunedByFilter: Int
    /// Top-k: the best bound (upper for DESC, lower for ASC) ranks after the k-th row.
    public var prunedByRank: Int
    /// WHERE certainly true on bounds (the lower bound for `CP > t`) and no exact value needed.
    public var acceptedByBounds: Int
    /// Pixels read.
    public var verified: Int

    /// Masks decided without reading their pixels.
    public var decidedWithoutReading: Int { prunedByFilter + prunedByRank + acceptedByBounds }

    public init(prunedByFilter: Int, prunedByRank: Int, acceptedByBounds: Int, verified: Int) {
        self.prunedByFilter = prunedByFilter
        self.prunedByRank = prunedByRank
        self.acceptedByBounds = acceptedByBounds
        self.verified = verified
    }
}

/// Histograms of the lower and of the upper bounds that one expression had for the targeted
/// masks before any was read, over the same equal-width bins, with the value they were held
/// against.
public struct BoundsHistogram: Sendable, Hashable {
    /// What the threshold is.
    public enum Threshold: Sendable, Hashable {
        /// `expression op value` is the whole residual WHERE.
        case filter(op: String, value: Double)
        /// The first sort key of the final k-th row (of the last row when fewer than k).
        case kth(Double)
    }

    /// The bounded expression as written: the first ORDER BY key of a top-k, the side of the
    /// filter's comparison holding CP terms, or else the first CP term.
    public var expression: String
    /// `bins + 1` increasing edges; bin i is `edges[i] ..< edges[i + 1]` (the last one closed).
    public var edges: [Double]
    /// Masks per bin by their lower bound, and by their upper bound.
    public var lower: [Int]
    public var upper: [Int]
    /// Targeted masks with finite bounds (the sum of `lower`, and of `upper`).
    public var bounded: Int
    /// Targeted masks without finite bounds (no index entry and no bounds source), or whose
    /// value is certainly NULL.
    public var unbounded: Int
    public var null: Int
    public var threshold: Threshold?

    public init(expression: String, edges: [Double], lower: [Int], upper: [Int], bounded: Int, unbounded: Int,
                null: Int, threshold: Threshold?) {
        self.expression = expression
        self.edges = edges
        self.lower = lower
        self.upper = upper
        self.bounded = bounded
        self.unbounded = unbounded
        self.null = null
        self.threshold = threshold
    }
}

/// One mask's bounds on one CP term taken apart: the index's grid, the ROI's inner and outer
/// grid-aligned rectangles, and lower ≤ exact ≤ upper (and a named ROI's histogram bounds).
public struct MaskBoundsView: Sendable, Hashable {
    public var maskID: Int64
    /// The CP term as planned, e.g. `CP(mask, object, 0.85, 1.0)`, and its range `lv`, `uv`.
    public var term: String
    public var lv: Double
    public var uv: Double
    /// The codes CP counts, `[lo, hi)`.
    public var codes: CodeInterval
    /// The mask's clipped box; nil when the named set has no box for it (CP is NULL).
    public var box: PixelBox?
    /// The index's view; nil without a bounds source that explains, without an index entry for
    /// the mask, or for a NULL or empty box.
    public var index: CHIBoundsView?
    /// The exact CP, read from the pixels for this view (not counted in the stats); nil for NULL.
    public var exact: Int?
    /// For a named ROI whose set has ROI histograms for this mask (Format/roi-histograms.md):
    /// their bounds, which the query used before the grid's (exact when the range's ends are
    /// bin edges); else nil.
    public var roiHistogram: ClosedRange<Int>?

    public init(maskID: Int64, term: String, lv: Double, uv: Double, codes: CodeInterval, box: PixelBox?,
                index: CHIBoundsView?, exact: Int?, roiHistogram: ClosedRange<Int>? = nil) {
        self.roiHistogram = roiHistogram
        self.maskID = maskID
        self.term = term
        self.lv = lv
        self.uv = uv
        self.codes = codes
        self.box = box
        self.index = index
        self.exact = exact
    }
}
