import MaskFormat
import MaskIndex
import MaskStorage

/// The reference for item "top-k reads no more than the paper's bounds": the bounds of the
/// MaskSearch paper (VLDB 2024, section 3.3) computed by brute force from the pixels, and the
/// paper's sequential top-k over them.
///
/// Paper bounds of CP(mask, box, [lv, uv)) on a grid of `cell`-pixel cells (corners at
/// `min(i·cell, H)`, `min(i·cell, W)`, Format/index.md) and the index's value bins (`CHIGrid.edges`):
/// - lower: pixels of the largest grid-aligned rectangle inside the box whose bin lies wholly
///   inside the codes CP counts;
/// - upper: pixels of the smallest grid-aligned rectangle containing the box whose bin overlaps
///   those codes.
/// Rectangles and counts are computed here from the pixels, not from CHI entries or `BoundsPlan`.
struct PaperBounds {
    let table: InMemoryMaskTable
    let cell: Int
    let edges: [UInt32]

    init(table: InMemoryMaskTable, cell: Int, bins: Int) {
        self.table = table
        self.cell = cell
        edges = CHIGrid(height: table.height, width: table.width, cell: cell, bins: bins, pixelFormat: table.pixelFormat).edges
    }

    /// A half-open pixel rectangle.
    struct Rect: Equatable {
        var x0, y0, x1, y1: Int
        var isEmpty: Bool { x0 >= x1 || y0 >= y1 }
    }

    /// The smallest grid corner at or after `v`, and the largest at or before it (corners at
    /// `min(i·cell, size)`).
    func cornerUp(_ v: Int, _ size: Int) -> Int { min((v + cell - 1) / cell * cell, size) }
    func cornerDown(_ v: Int, _ size: Int) -> Int { v >= size ? size : v / cell * cell }

    /// (inner, outer) grid-aligned rectangles of a clipped, non-empty box.
    func rectangles(_ b: Rect) -> (inner: Rect, outer: Rect) {
        let (w, h) = (table.width, table.height)
        let inner = Rect(x0: cornerUp(b.x0, w), y0: cornerUp(b.y0, h), x1: cornerDown(b.x1, w), y1: cornerDown(b.y1, h))
        let outer = Rect(x0: cornerDown(b.x0, w), y0: cornerDown(b.y0, h), x1: cornerUp(b.x1, w), y1: cornerUp(b.y1, h))
        return (inner, outer)
    }

    func code(row: Int, pixel i: Int) -> UInt32 {
        let bpp = table.pixelFormat.bytesPerPixel
        var c: UInt32 = 0
        for b in 0..<bpp { c |= UInt32(table.pixels[row][i * bpp + b]) << (8 * b) }
        return c
    }

    /// Pixels of `rect` whose code lies in one of `bins`.
    func count(row: Int, _ rect: Rect, bins: [Int]) -> Int {
        guard !rect.isEmpty, !bins.isEmpty else { return 0 }
        var n = 0
        for y in rect.y0..<rect.y1 {
            for x in rect.x0..<rect.x1 {
                let c = code(row: row, pixel: y * table.width + x)
                if bins.contains(where: { edges[$0] <= c && c < edges[$0 + 1] }) { n += 1 }
            }
        }
        return n
    }

    /// Paper bounds of CP over a clipped box; (0, 0) for an empty box or code range.
    func bounds(row: Int, box: Rect, lv: Double, uv: Double) -> (lower: Int, upper: Int) {
        let codes = table.pixelFormat.codeInterval(lower: lv, upper: uv)
        guard !box.isEmpty, !codes.isEmpty else { return (0, 0) }
        let binCount = edges.count - 1
        let inside = (0..<binCount).filter { edges[$0] >= codes.lo && edges[$0 + 1] <= codes.hi && edges[$0] < edges[$0 + 1] }
        let overlapping = (0..<binCount).filter { edges[$0 + 1] > codes.lo && edges[$0] < codes.hi }
        let (inner, outer) = rectangles(box)
        return (count(row: row, inner, bins: inside), count(row: row, outer, bins: overlapping))
    }
}

/// The paper's sequential top-k over its bounds (MaskSearch section 3.5, as in
/// Benchmarks/paper_bounds.py): masks in order of their best value (lower bound for ASC, upper
/// for DESC; an exact value as itself; NULL last), ties by ascending mask_id; each visited mask
/// is read unless its bounds are equal; stop before the first mask whose best ranks after the
/// current k-th row (with one sort key the mask_id decides ties; with a second key a mask whose
/// best equals the k-th first key is visited).
enum PaperTopK {
    /// One mask: its best first-key value (nil: NULL), exact first key, second key, mask_id,
    /// and whether the bounds leave it undecided.
    struct Mask {
        var best: Double?
        var exact: Double?
        var second: Int64
        var maskID: Int64
        var needsRead: Bool
    }

    /// -1, 0, 1 for one key, NULLs last.
    static func compare(_ a: Double?, _ b: Double?, descending: Bool) -> Int {
        switch (a, b) {
        case (nil, nil): return 0
        case (nil, _): return 1
        case (_, nil): return -1
        case let (x?, y?): return x == y ? 0 : ((x < y) != descending ? -1 : 1)
        }
    }

    /// Masks read by the sequential top-k.
    static func masksRead(_ masks: [Mask], k: Int, descending: Bool, secondKey: Bool) -> Int {
        guard k > 0 else { return 0 }
        let order = masks.sorted {
            let c = compare($0.best, $1.best, descending: descending)
            return c != 0 ? c < 0 : $0.maskID < $1.maskID
        }
        func before(_ a: Mask, _ b: Mask) -> Bool {  // full result order on exact values
            let c = compare(a.exact, b.exact, descending: descending)
            if c != 0 { return c < 0 }
            if secondKey && a.second != b.second { return a.second < b.second }
            return a.maskID < b.maskID
        }
        var top: [Mask] = []
        var read = 0
        for m in order {
            if top.count == k {
                let kth = top[k - 1]
                let c = compare(m.best, kth.exact, descending: descending)
                if c > 0 || (c == 0 && !secondKey && m.maskID > kth.maskID) { break }
            }
            if m.needsRead { read += 1 }
            top.append(m)
            top.sort(by: before)
            if top.count > k { top.removeLast() }
        }
        return read
    }
}
