import MaskImaging

/// Draws an image at the masks' size whose content matches its metadata (CONTRACT.md
/// section 5): a textured background (`SceneStyle`), the labelled object inside its object
/// box — a shape and colour given by the class id (`ObjectShape`, `labelColour`) — and, where a
/// model's saliency map is spurious, a smaller distractor at that map's peak: the object of
/// the predicted class when the prediction is wrong, a grey ring when it is right. So a
/// focused map lies over the object, a spurious one over a distractor, a diffused one
/// everywhere. No randomness beyond the plan and the style: the same seed gives the same bytes.
enum SceneRenderer {
    /// Appends the PNG file of `plan`'s image to `png`, drawing its RGB pixels in `pixels`
    /// (reused between images by the caller).
    ///
    /// - Complexity: O(W · H).
    static func appendPNG(for plan: ImagePlan, configuration c: DatasetGenerator.Configuration,
                          to png: inout [UInt8], pixels: inout [UInt8]) throws(DatasetGenerationError) {
        draw(plan, configuration: c, into: &pixels)
        do {
            let image = try RasterImage(width: c.width, height: c.height, channels: 3, pixels: pixels)
            pixels = []   // the image holds the buffer; take it back below without a copy
            png += try PNGCodec.encode(image, compression: .fast)
            pixels = image.pixels
        } catch {
            throw DatasetGenerationError(.invalidConfiguration, "cannot encode image \(plan.imageIndex): \(error)")
        }
    }

    /// Draws `plan`'s scene as `W · H · 3` RGB bytes into `pixels`.
    static func draw(_ plan: ImagePlan, configuration c: DatasetGenerator.Configuration, into pixels: inout [UInt8]) {
        if pixels.count != c.width * c.height * 3 { pixels = [UInt8](repeating: 0, count: c.width * c.height * 3) }
        let style = SceneStyle(plan: plan, configuration: c)
        drawBackground(style, width: c.width, height: c.height, into: &pixels)
        let side = Double(min(c.width, c.height))
        for mask in plan.masks where mask.kind == .spurious {
            guard let peak = mask.grid?.spuriousPeak else { continue }
            let r = max(2, 0.08 * side)
            let centre = (x: peak.x * Double(c.width), y: peak.y * Double(c.height))
            let wrong = mask.prediction != plan.label
            let shape = wrong ? ObjectShape(label: mask.prediction) : .ring
            let colour = wrong ? labelColour(mask.prediction, of: c.labelCount) : (170, 170, 170)
            drawShape(shape, colour: colour, in: (centre.x - r, centre.y - r, centre.x + r, centre.y + r),
                      width: c.width, height: c.height, into: &pixels)
        }
        let box = plan.box
        drawShape(ObjectShape(label: plan.label), colour: labelColour(plan.label, of: c.labelCount),
                  in: (box.x0, box.y0, box.x1, box.y1), width: c.width, height: c.height, into: &pixels)
    }

    /// The background: tone = base + gradient + two waves, clamped, through the tinted palette.
    static func drawBackground(_ style: SceneStyle, width: Int, height: Int, into pixels: inout [UInt8]) {
        let a = style.waves[0], b = style.waves[1]
        pixels.withUnsafeMutableBufferPointer { out in
            style.palette.withUnsafeBufferPointer { palette in
                a.table.withUnsafeBufferPointer { tableA in
                    b.table.withUnsafeBufferPointer { tableB in
                        for y in 0..<height {
                            let rowTone = style.baseTone * 256 + style.gradientY * y
                            var ua = a.phase + a.ay * y, ub = b.phase + b.ay * y
                            var i = y * width * 3
                            for x in 0..<width {
                                var tone = (rowTone + style.gradientX * x) >> 8
                                tone += tableA[(ua >> 8) & 255] + tableB[(ub >> 8) & 255]
                                let colour = palette[min(255, max(0, tone))]
                                out[i] = colour.0
                                out[i + 1] = colour.1
                                out[i + 2] = colour.2
                                ua &+= a.ax
                                ub &+= b.ax
                                i += 3
                            }
                        }
                    }
                }
            }
        }
    }

    /// Fills `shape` inscribed in `rect` (x0, y0, x1, y1 in pixels; pixel centres tested),
    /// shaded lighter at the top, clipped to the image.
    static func drawShape(_ shape: ObjectShape, colour: (UInt8, UInt8, UInt8), in rect: (Double, Double, Double, Double),
                          width: Int, height: Int, into pixels: inout [UInt8]) {
        let cx = (rect.0 + rect.2) / 2, cy = (rect.1 + rect.3) / 2
        let rx = max(0.5, 0.44 * (rect.2 - rect.0)), ry = max(0.5, 0.44 * (rect.3 - rect.1))
        let xs = max(0, Int((cx - rx).rounded(.down)))..<min(width, Int((cx + rx).rounded(.up)) + 1)
        let ys = max(0, Int((cy - ry).rounded(.down)))..<min(height, Int((cy + ry).rounded(.up)) + 1)
        guard !xs.isEmpty, !ys.isEmpty else { return }
        for y in ys {
            let v = (Double(y) + 0.5 - cy) / ry
            let shade = 1.12 - 0.24 * (v + 1) / 2
            let rgb = (UInt8(min(255, Double(colour.0) * shade)), UInt8(min(255, Double(colour.1) * shade)),
                       UInt8(min(255, Double(colour.2) * shade)))
            for x in xs where shape.contains(u: (Double(x) + 0.5 - cx) / rx, v: v) {
                let i = (y * width + x) * 3
                pixels[i] = rgb.0
                pixels[i + 1] = rgb.1
                pixels[i + 2] = rgb.2
            }
        }
    }

    /// A saturated colour of hue `label / labelCount` (HSV with S = 0.8, V = 0.9).
    static func labelColour(_ label: Int, of labelCount: Int) -> (UInt8, UInt8, UInt8) {
        let (r, g, b) = SceneStyle.hsv(hue: Double(label) / Double(max(1, labelCount)), saturation: 0.8, value: 0.9)
        return (UInt8(r * 255), UInt8(g * 255), UInt8(b * 255))
    }
}

/// The form of a class's object, by class id modulo 6; each tests a point (u, v) in the unit
/// square [-1, 1]² the shape is inscribed in (v down).
enum ObjectShape: Int, CaseIterable {
    case disc, square, triangle, cross, diamond, ring

    init(label: Int) {
        self = ObjectShape(rawValue: ((label % 6) + 6) % 6) ?? .disc
    }

    func contains(u: Double, v: Double) -> Bool {
        guard abs(u) <= 1, abs(v) <= 1 else { return false }
        switch self {
        case .disc: return u * u + v * v <= 1
        case .square: return true
        case .triangle: return abs(u) <= (v + 1) / 2
        case .cross: return abs(u) <= 0.34 || abs(v) <= 0.34
        case .diamond: return abs(u) + abs(v) <= 1
        case .ring: let r = u * u + v * v; return r <= 1 && r >= 0.36
        }
    }
}
