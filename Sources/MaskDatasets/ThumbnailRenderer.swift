/// Draws an image's thumbnail: a grey vertical gradient (tone from the plan) with the object box
/// filled in a colour that encodes the label (hue = label / labelCount) and outlined in white.
/// The box is scaled from mask coordinates to the thumbnail and rounded outward.
enum ThumbnailRenderer {
    /// - Complexity: O(size²).
    static func png(for plan: ImagePlan, configuration c: DatasetGenerator.Configuration) -> [UInt8] {
        let size = c.imageSize
        let sx = Double(size) / Double(c.width), sy = Double(size) / Double(c.height)
        let bx0 = Int((plan.box.x0 * sx).rounded(.down)), by0 = Int((plan.box.y0 * sy).rounded(.down))
        let bx1 = max(bx0 + 1, Int((plan.box.x1 * sx).rounded(.up)))
        let by1 = max(by0 + 1, Int((plan.box.y1 * sy).rounded(.up)))
        let fill = labelColour(plan.label, of: c.labelCount)
        var rgb = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            let grey = UInt8(clamping: Int(255 * (plan.backgroundTone + 0.3 * Double(y) / Double(size))))
            for x in 0..<size {
                var pixel = (grey, grey, grey)
                if x >= bx0, x < bx1, y >= by0, y < by1 {
                    let onEdge = x == bx0 || x == bx1 - 1 || y == by0 || y == by1 - 1
                    pixel = onEdge ? (255, 255, 255) : fill
                }
                let k = (y * size + x) * 3
                rgb[k] = pixel.0
                rgb[k + 1] = pixel.1
                rgb[k + 2] = pixel.2
            }
        }
        return PNGEncoder.encodeRGB(rgb, width: size, height: size)
    }

    /// A saturated colour of hue `label / labelCount` (HSV with S = 0.8, V = 0.9).
    static func labelColour(_ label: Int, of labelCount: Int) -> (UInt8, UInt8, UInt8) {
        let h = 6 * Double(label) / Double(labelCount)
        let sector = Int(h) % 6, f = h - Double(Int(h))
        let v = 0.9, p = v * 0.2, q = v * (1 - 0.8 * f), t = v * (1 - 0.8 * (1 - f))
        let (r, g, b): (Double, Double, Double)
        switch sector {
        case 0: (r, g, b) = (v, t, p)
        case 1: (r, g, b) = (q, v, p)
        case 2: (r, g, b) = (p, v, t)
        case 3: (r, g, b) = (p, q, v)
        case 4: (r, g, b) = (t, p, v)
        default: (r, g, b) = (v, p, q)
        }
        return (UInt8(r * 255), UInt8(g * 255), UInt8(b * 255))
    }
}
