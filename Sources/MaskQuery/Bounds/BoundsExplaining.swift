import MaskFormat
import MaskIndex

/// A bounds source that can take one mask's bounds apart for `--explain` (the database index
/// does, `DatabaseIndex+BoundsExplaining.swift`). Separate from `CPBoundsSource`: the executor
/// never needs it to answer a query.
public protocol BoundsExplaining: Sendable {
    /// How the bounds of CP(mask at `row`, `box` (clipped, non-empty), `codes`) are made, or nil
    /// when the mask has no index entry.
    func explainBounds(row: Int, box: PixelBox, codes: CodeInterval) -> CHIBoundsView?
}

/// The Cumulative Histogram Index's view of one mask and one CP term (Format/index.md).
public struct CHIBoundsView: Sendable, Hashable {
    /// Grid: cells of `cell` pixels over `height × width`; `bins` value bins whose edges, as
    /// stored codes, are `binEdges` (`bins + 1` of them; bin b is `binEdges[b] ..< binEdges[b + 1]`).
    public var height: Int
    public var width: Int
    public var cell: Int
    public var bins: Int
    public var binEdges: [UInt32]
    /// The largest grid-aligned rectangle inside the box (nil: none, the box lies within one
    /// cell row or column) and the smallest one containing it, in pixels.
    public var inner: PixelBox?
    public var outer: PixelBox
    /// The bins lying wholly inside the codes (`innerBins`) and those overlapping them.
    public var innerBins: Range<Int>
    public var outerBins: Range<Int>
    /// The bounds of the paper's method as the index computes them (`BoundsPlan`), and the
    /// cell-by-cell refinement (`CellBoundsPlan`), each `lower...upper`.
    public var bounds: ClosedRange<Int>
    public var refined: ClosedRange<Int>

    public init(height: Int, width: Int, cell: Int, bins: Int, binEdges: [UInt32], inner: PixelBox?, outer: PixelBox,
                innerBins: Range<Int>, outerBins: Range<Int>, bounds: ClosedRange<Int>, refined: ClosedRange<Int>) {
        self.height = height
        self.width = width
        self.cell = cell
        self.bins = bins
        self.binEdges = binEdges
        self.inner = inner
        self.outer = outer
        self.innerBins = innerBins
        self.outerBins = outerBins
        self.bounds = bounds
        self.refined = refined
    }
}

extension CHIBoundsView {
    /// The view of one mask whose CHI entry `k` is `entry(k)`, on `grid`, for a clipped,
    /// non-empty `box` and `codes`. - Complexity: O(cells of the outer rectangle).
    public init(grid: CHIGrid, box: PixelBox, codes: CodeInterval, entry: (Int) -> Int) {
        let (inner, outer) = grid.alignedRectangles(box)
        let span = BinSpan(grid: grid, codes: codes)
        func pixels(_ r: CHIGrid.CornerRect) -> PixelBox {
            PixelBox(x0: grid.cornerX(r.x0), y0: grid.cornerY(r.y0), x1: grid.cornerX(r.x1), y1: grid.cornerY(r.y1))
        }
        self.init(height: grid.height, width: grid.width, cell: grid.cell, bins: grid.bins, binEdges: grid.edges,
                  inner: inner.map(pixels), outer: pixels(outer),
                  innerBins: span.innerLo..<max(span.innerLo, span.innerHi), outerBins: span.outerLo..<span.outerHi,
                  bounds: BoundsPlan(grid: grid, box: box, span: span).evaluate(entry),
                  refined: CellBoundsPlan(grid: grid, box: box, span: span).evaluate(entry))
    }
}
