/// Draws an image's thumbnail: a grey vertical gradient (tone from the plan) with the object box
/// filled in a colour that encodes the label (hue = label / labelCount) and outlined in white.
/// The box is scaled from mask coordinates to the thumbnail and rounded outward.
enum ThumbnailRenderer {
    /// The PNG file of `plan`'s thumbnail.
    ///
    /// - Complexity: O(size²).
    static func png(for plan: ImagePlan, configuration c: DatasetGenerator.Configuration) -> [UInt8] {
        var png: [UInt8] = []
        var scanlines: [UInt8] = []
        appendPNG(for: plan, configuration: c, to: &png, scanlines: &scanlines)
        return png
    }

    /// Appends the PNG file of `plan`'s thumbnail to `png`, drawing its scanlines (filter
    /// byte 0, then RGB) in `scanlines`, which the caller keeps between images to reuse the
    /// allocation.
    ///
    /// - Complexity: O(size²).
    static func appendPNG(for plan: ImagePlan, configuration c: DatasetGenerator.Configuration,
                          to png: inout [UInt8], scanlines: inout [UInt8]) {
        let size = c.imageSize
        let sx = Double(size) / Double(c.width), sy = Double(size) / Double(c.height)
        let bx0 = Int((plan.box.x0 * sx).rounded(.down)), by0 = Int((plan.box.y0 * sy).rounded(.down))
        let bx1 = max(bx0 + 1, Int((plan.box.x1 * sx).rounded(.up)))
        let by1 = max(by0 + 1, Int((plan.box.y1 * sy).rounded(.up)))
        let fill = labelColour(plan.label, of: c.labelCount)
        let rowBytes = 1 + 3 * size
        if scanlines.count != size * rowBytes { scanlines = [UInt8](repeating: 0, count: size * rowBytes) }
        // Columns of the box that lie inside the image (the box is clipped to it).
        let boxStart = min(max(bx0, 0), size), boxEnd = min(max(bx1, 0), size)
        scanlines.withUnsafeMutableBytes { raw in
            for y in 0..<size {
                let row = raw.baseAddress! + y * rowBytes
                row.storeBytes(of: 0, as: UInt8.self)   // filter type None
                let pixels = row + 1
                let grey = UInt8(clamping: Int(255 * (plan.backgroundTone + 0.3 * Double(y) / Double(size))))
                pixels.initializeMemory(as: UInt8.self, repeating: grey, count: 3 * size)
                guard y >= by0, y < by1, boxStart < boxEnd else { continue }
                let rowOnEdge = y == by0 || y == by1 - 1
                for x in boxStart..<boxEnd {
                    let onEdge = rowOnEdge || x == bx0 || x == bx1 - 1
                    let pixel = onEdge ? (UInt8(255), UInt8(255), UInt8(255)) : fill
                    pixels.storeBytes(of: pixel.0, toByteOffset: 3 * x, as: UInt8.self)
                    pixels.storeBytes(of: pixel.1, toByteOffset: 3 * x + 1, as: UInt8.self)
                    pixels.storeBytes(of: pixel.2, toByteOffset: 3 * x + 2, as: UInt8.self)
                }
            }
        }
        scanlines.withUnsafeBytes { PNGEncoder.appendPNG(scanlines: $0, width: size, height: size, to: &png) }
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
