/// A half-open pixel box `[x0, x1) × [y0, y1)`: x = column, y = row, origin top-left
/// (CONTRACT.md section 2). Coordinates may lie outside the mask before clipping.
public struct PixelBox: Sendable, Hashable, CustomStringConvertible {
    public var x0: Int
    public var y0: Int
    public var x1: Int
    public var y1: Int

    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }

    /// The whole mask.
    public static func full(width: Int, height: Int) -> PixelBox {
        PixelBox(x0: 0, y0: 0, x1: width, y1: height)
    }

    /// The box clipped to a `width × height` mask; an empty box clips to a zero-area box
    /// (x1 == x0 or y1 == y0), never to negative extents.
    public func clipped(width: Int, height: Int) -> PixelBox {
        let cx0 = min(max(x0, 0), width)
        let cy0 = min(max(y0, 0), height)
        let cx1 = max(min(x1, width), cx0)
        let cy1 = max(min(y1, height), cy0)
        return PixelBox(x0: cx0, y0: cy0, x1: cx1, y1: cy1)
    }

    public var width: Int { max(0, x1 - x0) }
    public var height: Int { max(0, y1 - y0) }
    /// Pixel count (0 for an empty box).
    public var area: Int { width * height }
    public var isEmpty: Bool { area == 0 }

    public var description: String { "(\(x0), \(y0), \(x1), \(y1))" }
}
