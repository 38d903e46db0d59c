import MaskFormat

/// Tighter bounds on `CP(mask, box, codes)` from the same CHI entries, cell by cell: the
/// refinement the executor applies to the masks that `BoundsPlan`'s bounds leave undecided.
///
/// Algorithm. `BoundsPlan` treats the ring between the inner and outer rectangles as one
/// block: its lower bound `N(outer, innerBins) − (|outer| − |box|)` lets every pixel of the
/// ring outside the box be a counted one. Here each partially covered cell `c` of the ring is
/// bounded on its own, with `cov_c = |c ∩ box|` and `slack_c = |c| − cov_c`:
///
///     lower = N(inner, innerBins) + Σ_c max(0, N(c, innerBins) − slack_c)
///     upper = N(inner, outerBins) + Σ_c min(N(c, outerBins), cov_c)
///
/// Each term is valid for its cell (at most `slack_c` of the cell's counted pixels lie outside
/// the box; at most `cov_c` lie inside), so the sums are valid; and since
/// `Σ max(0, x_c) ≥ max(0, Σ x_c)` and `Σ min(a_c, b_c) ≤ min(Σ a_c, Σ b_c)`, they are never
/// looser than `BoundsPlan`'s. On smooth masks (saliency maps) a ring cell is mostly all in or
/// all out of range, and its bound is then nearly exact. Beyond the paper (section 3.3), which
/// bounds the ring as a whole.
///
/// Cost: `N(c, bins)` takes up to 8 entries, so a box whose outer rectangle has `r` ring cells
/// reads up to `16 + 16·r` entries per mask (about 460 for a 112-pixel box on a 16-pixel grid),
/// against `BoundsPlan`'s 32: worth it only for masks that would otherwise be read.
public struct CellBoundsPlan: MaskBoundsPlan {
    /// A partially covered cell: its counts in the inner and outer bins, and how much of it
    /// the box covers.
    public struct RingCell: Sendable {
        public var inner: BoundsPlan.Sum
        public var outer: BoundsPlan.Sum
        public var slack: Int
        public var covered: Int
    }

    /// When non-nil, CP is known without any entry (empty box or empty interval).
    public let exact: Int?
    public let boxArea: Int
    /// N(inner, innerBins) and N(inner, outerBins).
    public let innerInner: BoundsPlan.Sum
    public let innerOuter: BoundsPlan.Sum
    public let ring: [RingCell]

    /// - Complexity: O(cells of the outer rectangle).
    public init(grid: CHIGrid, box: PixelBox, span: BinSpan) {
        boxArea = box.area
        guard !box.isEmpty, !span.isEmpty else {
            exact = 0
            innerInner = BoundsPlan.Sum()
            innerOuter = BoundsPlan.Sum()
            ring = []
            return
        }
        exact = nil
        let (inner, outer) = grid.alignedRectangles(box)
        if let inner {
            innerInner = BoundsPlan.rectSum(grid, inner, span.innerLo, span.innerHi)
            innerOuter = BoundsPlan.rectSum(grid, inner, span.outerLo, span.outerHi)
        } else {
            innerInner = BoundsPlan.Sum()
            innerOuter = BoundsPlan.Sum()
        }
        let (ox0, oy0, ox1, oy1) = (outer.x0, outer.y0, outer.x1, outer.y1)
        var cells: [RingCell] = []
        cells.reserveCapacity(2 * ((ox1 - ox0) + (oy1 - oy0)))
        for iy in oy0..<oy1 {
            let cy0 = grid.cornerY(iy), cy1 = grid.cornerY(iy + 1)
            let coveredRows = min(cy1, box.y1) - max(cy0, box.y0)
            let rowInside = coveredRows == cy1 - cy0
            for ix in ox0..<ox1 {
                let cx0 = grid.cornerX(ix), cx1 = grid.cornerX(ix + 1)
                let coveredCols = min(cx1, box.x1) - max(cx0, box.x0)
                if rowInside && coveredCols == cx1 - cx0 { continue }  // a cell of the inner rectangle
                let area = (cy1 - cy0) * (cx1 - cx0)
                let covered = max(0, coveredRows) * max(0, coveredCols)
                let rect = CHIGrid.CornerRect(y0: iy, x0: ix, y1: iy + 1, x1: ix + 1)
                cells.append(RingCell(inner: BoundsPlan.rectSum(grid, rect, span.innerLo, span.innerHi),
                                      outer: BoundsPlan.rectSum(grid, rect, span.outerLo, span.outerHi),
                                      slack: area - covered, covered: covered))
            }
        }
        ring = cells
    }

    public func forEachKey(_ body: (Int) -> Void) {
        guard exact == nil else { return }
        for i in 0..<innerInner.count { body(Int(innerInner.keys[i])) }
        for i in 0..<innerOuter.count { body(Int(innerOuter.keys[i])) }
        for cell in ring {
            for i in 0..<cell.inner.count { body(Int(cell.inner.keys[i])) }
            for i in 0..<cell.outer.count { body(Int(cell.outer.keys[i])) }
        }
    }

    /// Entries read per mask (for cost decisions).
    public var entryCount: Int {
        ring.reduce(innerInner.count + innerOuter.count) { $0 + $1.inner.count + $1.outer.count }
    }

    /// Bounds for one mask whose entry `k` is `entry(k)`.
    @inlinable
    public func evaluate(_ entry: (Int) -> Int) -> ClosedRange<Int> {
        if let e = exact { return e...e }
        @inline(__always) func value(_ s: BoundsPlan.Sum) -> Int {
            var v = s.constant
            for i in 0..<s.count { v += Int(s.signs[i]) * entry(Int(s.keys[i])) }
            return v
        }
        var lower = value(innerInner), upper = value(innerOuter)
        for cell in ring {
            lower += max(0, value(cell.inner) - cell.slack)
            upper += min(value(cell.outer), cell.covered)
        }
        lower = max(lower, 0)
        upper = min(upper, boxArea)
        return lower...max(lower, upper)
    }
}
