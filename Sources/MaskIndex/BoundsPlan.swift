import MaskFormat

/// A plan that bounds `CP(mask, box, codes)` from one mask's CHI entries, made once per
/// (box, code interval) and applied to any number of masks: `BoundsPlan`, or the tighter and
/// costlier `CellBoundsPlan`.
public protocol MaskBoundsPlan: Sendable {
    init(grid: CHIGrid, box: PixelBox, codes: CodeInterval)
    /// Bounds for one mask whose entry `k` is `entry(k)`.
    func evaluate(_ entry: (Int) -> Int) -> ClosedRange<Int>
    /// Calls `body` with every key `evaluate` reads (for prefetching).
    func forEachKey(_ body: (Int) -> Void)
}

extension MaskBoundsPlan {
    /// Prefetches the entries `evaluate` will read for mask `m` of `file`.
    @inline(__always)
    public func prefetch(in file: CHIFile, mask m: Int) {
        forEachKey { file.prefetchEntry(key: $0, mask: m) }
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

    /// Plans the bounds of a clipped box and a code interval on `grid`.
    /// - Complexity: O(log bins).
    public init(grid: CHIGrid, box: PixelBox, codes: CodeInterval) {
        boxArea = box.area
        let lo = codes.lo, hi = min(codes.hi, grid.edges[grid.bins])
        if box.isEmpty || lo >= hi {
            exact = 0
            innerArea = 0
            outerArea = 0
            return
        }
        exact = nil
        let c = grid.cell
        // Corner indices: inner = the largest aligned rectangle inside the box.
        let ix0 = (box.x0 + c - 1) / c, iy0 = (box.y0 + c - 1) / c
        let ix1 = box.x1 == grid.width ? grid.cornerCols : box.x1 / c
        let iy1 = box.y1 == grid.height ? grid.cornerRows : box.y1 / c
        let ox0 = box.x0 / c, oy0 = box.y0 / c
        let ox1 = min((box.x1 + c - 1) / c, grid.cornerCols), oy1 = min((box.y1 + c - 1) / c, grid.cornerRows)
        // Bins: inner = entirely inside [lo, hi); outer = intersecting it.
        let bo1 = grid.bin(ofCode: lo), bo2 = grid.bin(ofCode: hi - 1) + 1
        var bi1 = bo1, bi2 = bo2
        if grid.edges[bi1] < lo { bi1 += 1 }
        if grid.edges[bi2] > hi { bi2 -= 1 }
        let innerRect = ix0 < ix1 && iy0 < iy1 ? (iy0, ix0, iy1, ix1) : nil
        let outerRect = (oy0, ox0, oy1, ox1)
        func area(_ r: (Int, Int, Int, Int)?) -> Int {
            guard let r else { return 0 }
            return (grid.cornerY(r.2) - grid.cornerY(r.0)) * (grid.cornerX(r.3) - grid.cornerX(r.1))
        }
        innerArea = area(innerRect)
        outerArea = area(outerRect)
        innerInner = BoundsPlan.count(grid, innerRect, bi1, bi2)
        outerInner = BoundsPlan.count(grid, outerRect, bi1, bi2)
        outerOuter = BoundsPlan.count(grid, outerRect, bo1, bo2)
        innerOuter = BoundsPlan.count(grid, innerRect, bo1, bo2)
    }

    /// N(rect, bins b1..<b2) = S(b1) − S(b2), S(b) the rectangle sum of reverse-cumulative
    /// counts at bin b (S(0) = area, S(bins) = 0; corner row/column 0 is all zeros).
    static func count(_ g: CHIGrid, _ rect: (Int, Int, Int, Int)?, _ b1: Int, _ b2: Int) -> Sum {
        var sum = Sum()
        guard let (y0, x0, y1, x1) = rect, b1 < b2 else { return sum }
        for edge in 0..<2 {
            let b = edge == 0 ? b1 : b2, binSign = edge == 0 ? 1 : -1
            if b >= g.bins { continue }
            for corner in 0..<4 {
                let iy = corner & 1 == 0 ? y1 : y0
                let ix = corner & 2 == 0 ? x1 : x0
                let cornerSign = corner == 0 || corner == 3 ? 1 : -1
                if iy == 0 || ix == 0 { continue }
                let sign = binSign * cornerSign
                if b == 0 {
                    sum.constant += sign * g.cornerY(iy) * g.cornerX(ix)
                } else {
                    sum.add(g.key(iy, ix, b), sign)
                }
            }
        }
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
