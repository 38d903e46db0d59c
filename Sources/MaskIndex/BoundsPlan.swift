import MaskFormat

/// A plan that bounds `CP(mask, box, codes)` from one mask's CHI entries, made once per
/// (box, code interval) and applied to any number of masks: `BoundsPlan`, or the tighter and
/// costlier `CellBoundsPlan`.
public protocol MaskBoundsPlan: Sendable {
    /// Plans a clipped box with the bins of a code interval (`BinSpan`, computed once per
    /// interval when many boxes are planned).
    init(grid: CHIGrid, box: PixelBox, span: BinSpan)
    /// Bounds for one mask whose entry `k` is `entry(k)`.
    func evaluate(_ entry: (Int) -> Int) -> ClosedRange<Int>
    /// Calls `body` with every key `evaluate` reads (for prefetching).
    func forEachKey(_ body: (Int) -> Void)
}

extension MaskBoundsPlan {
    /// Plans a clipped box and a code interval on `grid`.
    public init(grid: CHIGrid, box: PixelBox, codes: CodeInterval) {
        self.init(grid: grid, box: box, span: BinSpan(grid: grid, codes: codes))
    }

    /// Prefetches the entries `evaluate` will read for mask `m` of `file`.
    @inline(__always)
    public func prefetch(in file: CHIFile, mask m: Int) {
        forEachKey { file.prefetchEntry(key: $0, mask: m) }
    }
}

/// The bins of a code interval `[lo, hi)`: the inner bins `innerLo..<innerHi` lie entirely
/// inside it, the outer bins `outerLo..<outerHi` intersect it. `isEmpty` when no code is in it.
/// - Complexity: O(log bins).
public struct BinSpan: Sendable, Equatable {
    public let isEmpty: Bool
    public let outerLo: Int
    public let outerHi: Int
    public let innerLo: Int
    public let innerHi: Int

    public init(grid: CHIGrid, codes: CodeInterval) {
        let lo: UInt32 = codes.lo
        let hi: UInt32 = min(codes.hi, grid.edges[grid.bins])
        if lo >= hi {
            isEmpty = true
            outerLo = 0
            outerHi = 0
            innerLo = 0
            innerHi = 0
            return
        }
        let bo1: Int = grid.bin(ofCode: lo)
        let bo2: Int = grid.bin(ofCode: hi - 1) + 1
        var bi1: Int = bo1
        var bi2: Int = bo2
        if grid.edges[bi1] < lo { bi1 += 1 }
        if grid.edges[bi2] > hi { bi2 -= 1 }
        isEmpty = false
        outerLo = bo1
        outerHi = bo2
        innerLo = bi1
        innerHi = bi2
    }
}

/// How to bound `CP(mask, box, codes)` from one mask's CHI entries, computed once per
/// (box, code interval) and applied to any number of masks.
///
/// Algorithm (MaskSearch section 3.3, both approaches, both directions): let `inner` be the
/// largest grid-aligned rectangle inside the box and `outer` the smallest containing it;
/// let the inner bins be those entirely inside the code interval and the outer bins those
/// that intersect it. With `N(R, bins)` the exact count of pixels of rectangle R in those
/// bins (four corner lookups per bin edge, by inclusion–exclusion over the reverse-
/// cumulative counts):
///
///     lower = max(N(inner, innerBins), N(outer, innerBins) − (|outer| − |box|), 0)
///     upper = min(N(outer, outerBins), N(inner, outerBins) + (|box| − |inner|), |box|)
///
/// Every pixel counted by the first lower term is in the box and in range; at most
/// `|outer| − |box|` of the pixels counted by the second lie outside the box; symmetrically
/// for the upper bounds. So `lower <= CP <= upper` for every box — narrow boxes inside one
/// cell row or column included (inner is then empty and contributes 0) — and when the box
/// and the interval are grid- and bin-aligned, inner = outer and the bins coincide, so the
/// bounds meet. (The authors' prototype mishandles narrow boxes; this does not.)
///
/// Each `N` is a constant plus a signed sum of at most 8 entries.
public struct BoundsPlan: MaskBoundsPlan {
    /// One signed sum: `constant + Σ signs[i] * entry(keys[i])`, at most 8 terms, stored
    /// inline so that planning allocates nothing.
    public struct Sum: Sendable {
        public var constant: Int = 0
        public var count: Int = 0
        public var keys = SIMD8<Int32>()
        public var signs = SIMD8<Int32>()

        mutating func add(_ key: Int, _ sign: Int) {
            keys[count] = Int32(key)
            signs[count] = Int32(sign)
            count += 1
        }
    }

    /// When non-nil, CP is known without any entry (empty box or empty interval).
    public var exact: Int?
    public var boxArea: Int
    public var innerArea: Int
    public var outerArea: Int
    /// N(inner, innerBins), N(outer, innerBins), N(outer, outerBins), N(inner, outerBins)
    public var innerInner = Sum()
    public var outerInner = Sum()
    public var outerOuter = Sum()
    public var innerOuter = Sum()

    /// Plans the bounds of a clipped box with the bins `span` on `grid`. - Complexity: O(1).
    public init(grid: CHIGrid, box: PixelBox, span: BinSpan) {
        boxArea = box.area
        if box.isEmpty || span.isEmpty {
            exact = 0
            innerArea = 0
            outerArea = 0
            return
        }
        exact = nil
        let (inner, outer) = grid.alignedRectangles(box)
        outerArea = grid.area(outer)
        outerInner = BoundsPlan.rectSum(grid, outer, span.innerLo, span.innerHi)
        outerOuter = BoundsPlan.rectSum(grid, outer, span.outerLo, span.outerHi)
        if let inner {
            innerArea = grid.area(inner)
            innerInner = BoundsPlan.rectSum(grid, inner, span.innerLo, span.innerHi)
            innerOuter = BoundsPlan.rectSum(grid, inner, span.outerLo, span.outerHi)
        } else {
            innerArea = 0
        }
    }

    /// N(rect, bins b1..<b2) for the rectangle of corner indices (y0, x0)..(y1, x1):
    /// S(b1) − S(b2), S(b) the rectangle sum of reverse-cumulative counts at bin b over its
    /// four corners, (y1, x1) + (y0, x0) − (y0, x1) − (y1, x0) (S(0) is the rectangle's area,
    /// S(bins) = 0; corner row/column 0 is all zeros). Keys as `CHIGrid.key`. - Complexity: O(1).
    @inline(__always)
    static func rectSum(_ g: CHIGrid, _ r: CHIGrid.CornerRect, _ b1: Int, _ b2: Int) -> Sum {
        let (y0, x0, y1, x1) = (r.y0, r.x0, r.y1, r.x1)
        var sum = Sum()
        guard b1 < b2 else { return sum }
        let cols: Int = g.cornerCols
        let stride: Int = g.bins - 1
        @inline(__always) func key(_ y: Int, _ x: Int, _ b: Int) -> Int {
            // key(y, x, b) = ((y − 1)·cols + (x − 1))·stride + (b − 1), for y, x ≥ 1
            let corner: Int = (y - 1) * cols + (x - 1)
            return corner * stride + (b - 1)
        }
        @inline(__always) func corners(_ b: Int, _ sign: Int) {
            if y1 > 0 && x1 > 0 { sum.add(key(y1, x1, b), sign) }
            if y0 > 0 && x1 > 0 { sum.add(key(y0, x1, b), -sign) }
            if y1 > 0 && x0 > 0 { sum.add(key(y1, x0, b), -sign) }
            if y0 > 0 && x0 > 0 { sum.add(key(y0, x0, b), sign) }
        }
        if b1 == 0 {
            let rows: Int = g.cornerY(y1) - g.cornerY(y0)
            let width: Int = g.cornerX(x1) - g.cornerX(x0)
            sum.constant += rows * width
        } else {
            corners(b1, 1)
        }
        if b2 < g.bins { corners(b2, -1) }
        return sum
    }

    /// Bounds for one mask whose entry `k` is `entry(k)`.
    @inlinable
    public func evaluate(_ entry: (Int) -> Int) -> ClosedRange<Int> {
        if let e = exact { return e...e }
        func value(_ s: Sum) -> Int {
            var v = s.constant
            for i in 0..<s.count { v += Int(s.signs[i]) * entry(Int(s.keys[i])) }
            return v
        }
        return bounds(innerInner: value(innerInner), outerInner: value(outerInner),
                      outerOuter: value(outerOuter), innerOuter: value(innerOuter))
    }

    public func forEachKey(_ body: (Int) -> Void) {
        guard exact == nil else { return }
        for i in 0..<innerInner.count { body(Int(innerInner.keys[i])) }
        for i in 0..<outerInner.count { body(Int(outerInner.keys[i])) }
        for i in 0..<outerOuter.count { body(Int(outerOuter.keys[i])) }
        for i in 0..<innerOuter.count { body(Int(innerOuter.keys[i])) }
    }

    /// Bounds from the four sums' values.
    @inlinable
    public func bounds(innerInner ii: Int, outerInner oi: Int, outerOuter oo: Int, innerOuter io: Int) -> ClosedRange<Int> {
        let lower = max(ii, oi - (outerArea - boxArea), 0)
        let upper = min(oo, io + (boxArea - innerArea), boxArea)
        return lower...max(lower, upper)
    }
}
