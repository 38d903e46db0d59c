import MaskFormat

/// How an overlay is drawn.
public struct OverlayStyle: Sendable {
    public var colormap: Colormap
    /// Weight of the colour over the image, 0...1 (clamped).
    public var opacity: Double
    /// The values mapped to the ends of the colour map; values outside are clamped.
    public var range: ClosedRange<Double>
    /// A box drawn as an outline (mask pixel coordinates, `[x0, x1) × [y0, y1)`, clipped).
    public var box: PixelBox?

    /// The outline colour, #00ff66.
    public static let boxColour: (UInt8, UInt8, UInt8) = (0x00, 0xFF, 0x66)

    public init(colormap: Colormap = .jet, opacity: Double = 0.5, range: ClosedRange<Double> = 0...1, box: PixelBox? = nil) {
        self.colormap = colormap
        self.opacity = opacity
        self.range = range
        self.box = box
    }
}

/// Masks drawn as colour over their images.
public enum Overlay {
    /// The mask colour-mapped (RGB, the mask's size). Each value v maps to
    /// `t = (v − lo) / (hi − lo)` clamped to [0, 1] (`t = v ≥ hi ? 1 : 0` when lo == hi).
    /// With an image (scaled to the mask's size by nearest neighbour when it differs), each pixel is
    /// `(1 − opacity) · image + opacity · colour`, rounded: a constant alpha of 1 per pixel, so
    /// opacity 0 gives the image and 1 the colour map. Without an image it is the colour map
    /// alone. The style's box, if any, is outlined last: 1 pixel wide, 2 when the mask is at
    /// least 256 pixels wide.
    ///
    /// - Complexity: O(width · height).
    public static func render(_ mask: MaskValues, over image: RasterImage?, style: OverlayStyle) -> RasterImage {
        let w = mask.width, h = mask.height
        let map = style.colormap.table
        let lo = style.range.lowerBound, hi = style.range.upperBound
        let scale = hi > lo ? 1 / (hi - lo) : 0
        let alpha = image == nil ? 1.0 : min(1, max(0, style.opacity.isNaN ? 0 : style.opacity))
        let weight = Int((alpha * 256).rounded())   // fixed point: colour weight out of 256
        let background = image.map { $0.resizedNearest(width: w, height: h).toRGB().pixels }
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for p in 0..<(w * h) {
            let v = mask.values[p]
            let t = scale > 0 ? (v - lo) * scale : (v >= hi ? 1 : 0)
            let colour = map[Colormap.entry(t)]
            guard let background else {
                out[3 * p] = colour.0
                out[3 * p + 1] = colour.1
                out[3 * p + 2] = colour.2
                continue
            }
            func blend(_ a: UInt8, _ c: UInt8) -> UInt8 {
                UInt8((Int(a) * (256 - weight) + Int(c) * weight + 128) >> 8)
            }
            out[3 * p] = blend(background[3 * p], colour.0)
            out[3 * p + 1] = blend(background[3 * p + 1], colour.1)
            out[3 * p + 2] = blend(background[3 * p + 2], colour.2)
        }
        var result = RasterImage(unchecked: w, height: h, channels: 3, pixels: out)
        if let box = style.box { outline(box, in: &result, thickness: w >= 256 ? 2 : 1, colour: OverlayStyle.boxColour) }
        return result
    }

    /// Draws the border of `box` (clipped to the image) `thickness` pixels wide, inside the box.
    public static func outline(_ box: PixelBox, in image: inout RasterImage, thickness: Int, colour: (UInt8, UInt8, UInt8)) {
        let b = box.clipped(width: image.width, height: image.height)
        guard b.x1 > b.x0, b.y1 > b.y0 else { return }
        let w = image.width, channels = image.channels
        let values = [colour.0, colour.1, colour.2, 255]
        image.withMutablePixels { pixels in
            for y in b.y0..<b.y1 {
                let edgeRow = y < b.y0 + thickness || y >= b.y1 - thickness
                for x in b.x0..<b.x1 where edgeRow || x < b.x0 + thickness || x >= b.x1 - thickness {
                    let i = (y * w + x) * channels
                    if channels == 1 {
                        pixels[i] = colour.1
                    } else {
                        for c in 0..<channels { pixels[i + c] = values[c] }
                    }
                }
            }
        }
    }
}
