import MaskFormat

/// The geometry of a Cumulative Histogram Index (MaskSearch, VLDB 2024, section 3.2): a
/// spatial grid of square cells of `cell` pixels (the last row/column of corners sits at the
/// mask's edge when H or W is not a multiple of the cell) and `bins` equal-width value bins
/// over the stored codes.
///
/// Bins are defined on codes, so that they are exact for every pixel format: bin b holds
/// codes `edges[b] ..< edges[b + 1]`, with `edges[0] = 0` and `edges[bins] = codeOfOne + 1`, and
/// `edges[b]` the first code whose value is `>= b / bins` — equal width in *value*, so that
/// round thresholds are bin edges (with 10 or 20 bins, every multiple of 0.1 or 0.05 is one:
/// `CP(mask, roi, 0.8, 1.0)` needs no partial bin). Index files of version 1 used, for uint8,
/// `edges[b] = ceil(b * 256 / bins)` (equal width over the 256 levels): `codeEdges`.
public struct CHIGrid: Sendable, Equatable {
    public let height: Int
    public let width: Int
    public let cell: Int
    public let bins: Int
    public let pixelFormat: PixelFormat
    public let edges: [UInt32]
    /// True for the uint8 bins of index version 1 (equal width over the codes).
    public let codeEdges: Bool

    public init(height: Int, width: Int, cell: Int, bins: Int, pixelFormat: PixelFormat, codeEdges: Bool = false) {
        self.height = height
        self.width = width
        self.cell = cell
        self.bins = bins
        self.pixelFormat = pixelFormat
        self.codeEdges = codeEdges && pixelFormat == .uint8
        var e: [UInt32] = [0]
        for b in 1..<bins {
            switch pixelFormat {
            case .uint8 where codeEdges: e.append(UInt32((b * 256 + bins - 1) / bins))
            case .uint8, .float16, .float32: e.append(pixelFormat.firstCode(atLeast: Double(b) / Double(bins)))
            }
        }
        e.append(pixelFormat.codeOfOne + 1)
        edges = e
    }

    public init(header: IndexHeader) {
        self.init(height: header.height, width: header.width, cell: header.cell, bins: header.bins, pixelFormat: header.pixelFormat,
                  codeEdges: header.readVersion < 2)
    }

    public var cornerRows: Int { (height + cell - 1) / cell }
    public var cornerCols: Int { (width + cell - 1) / cell }
    public var keyCount: Int { cornerRows * cornerCols * (bins - 1) }

    /// Row position of corner row `i` in 0...cornerRows (0 is the implied top edge).
    @inlinable public func cornerY(_ i: Int) -> Int { min(i * cell, height) }
    @inlinable public func cornerX(_ i: Int) -> Int { min(i * cell, width) }

    /// A rectangle of corner indices: rows `y0..<y1`, columns `x0..<x1` of cells.
    public struct CornerRect: Sendable, Equatable {
        public var y0: Int, x0: Int, y1: Int, x1: Int
    }

    /// The largest grid-aligned rectangle inside a clipped, non-empty `box` (nil when there is
    /// none: the box lies within one cell row or column) and the smallest one containing it. A
    /// box edge at the mask's edge counts as aligned (the last corner sits there).
    public func alignedRectangles(_ box: PixelBox) -> (inner: CornerRect?, outer: CornerRect) {
        let c = cell
        let ix0 = (box.x0 + c - 1) / c, iy0 = (box.y0 + c - 1) / c
        let ix1 = box.x1 == width ? cornerCols : box.x1 / c
        let iy1 = box.y1 == height ? cornerRows : box.y1 / c
        let outer = CornerRect(y0: box.y0 / c, x0: box.x0 / c,
                               y1: min((box.y1 + c - 1) / c, cornerRows), x1: min((box.x1 + c - 1) / c, cornerCols))
        return (ix0 < ix1 && iy0 < iy1 ? CornerRect(y0: iy0, x0: ix0, y1: iy1, x1: ix1) : nil, outer)
    }

    /// The pixel area of a corner rectangle.
    public func area(_ r: CornerRect) -> Int { (cornerY(r.y1) - cornerY(r.y0)) * (cornerX(r.x1) - cornerX(r.x0)) }

    /// The key of (corner row iy >= 1, corner column ix >= 1, bin b in 1..<bins).
    @inlinable public func key(_ iy: Int, _ ix: Int, _ b: Int) -> Int {
        ((iy - 1) * cornerCols + (ix - 1)) * (bins - 1) + (b - 1)
    }

    /// The bin of a code.
    public func bin(ofCode c: UInt32) -> Int {
        var lo = 0, hi = bins - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if edges[mid] <= c { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// `binOfCode[q]` for uint8 (the kernel's lookup table).
    public var uint8BinTable: [UInt8] { (0..<256).map { UInt8(bin(ofCode: UInt32($0))) } }

    /// Corner positions passed to the build kernel: rows `cornerY(1...cornerRows)`, columns likewise.
    public var kernelRows: [UInt32] { (1...cornerRows).map { UInt32(cornerY($0)) } }
    public var kernelCols: [UInt32] { (1...cornerCols).map { UInt32(cornerX($0)) } }
}
