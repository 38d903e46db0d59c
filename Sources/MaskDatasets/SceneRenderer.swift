import MaskImaging

/// Draws an image at the masks' size whose content matches its metadata (CONTRACT.md
/// section 5): a textured background (`SceneStyle`), the labelled object inside its object
/// box — a shape and colour given by the class id (`ObjectShape`, `labelColour`), lit from
/// above — and, where a model's saliency map is spurious, a smaller distractor at that map's
/// peak: the object of the predicted class when the prediction is wrong, a grey ring when it
/// is right. So a focused map lies over the object, a spurious one over a distractor, a
/// diffused one everywhere. No randomness beyond the plan and the style: the same seed gives
/// the same bytes.
///
/// Images are palette PNGs: 192 background tones, then `shadeCount` shades for each of up to
/// `colourSlots` object colours (with more distinct distractor colours than slots, the
/// last slot's colour is reused).
enum SceneRenderer {
    static let shadeCount = 21
    static let colourSlots = 3

    /// Reusable per-thread buffers.
    struct Scratch {
        var indices: [UInt8] = []
        var pattern: [Int] = []
    }

    /// Appends the PNG file of `plan`'s image to `png`.
    ///
    /// - Complexity: O(W · H).
    static func appendPNG(for plan: ImagePlan, configuration c: DatasetGenerator.Configuration,
                          to png: inout [UInt8], scratch: inout Scratch) throws(DatasetGenerationError) {
        let palette = draw(plan, configuration: c, into: &scratch)
        do {
            png += try scratch.indices.withUnsafeBufferPointer { indices in
                Result { () throws(ImagingError) in
                    try PNGCodec.encodeIndexed(width: c.width, height: c.height, indices: indices, palette: palette, compression: .fast)
                }
            }.get()
        } catch {
            throw DatasetGenerationError(.invalidConfiguration, "cannot encode image \(plan.imageIndex): \(error)")
        }
    }

    /// Draws `plan`'s scene as `W · H` palette indices into `scratch.indices`; returns the palette.
    static func draw(_ plan: ImagePlan, configuration c: DatasetGenerator.Configuration,
                     into scratch: inout Scratch) -> [(UInt8, UInt8, UInt8)] {
        let style = SceneStyle(plan: plan, configuration: c)
        drawBackground(style, width: c.width, height: c.height, into: &scratch)
        var colours = [labelColour(plan.label, of: c.labelCount)]
        func slot(_ colour: (UInt8, UInt8, UInt8)) -> Int {
            if let k = colours.firstIndex(where: { $0 == colour }) { return k }
            guard colours.count < colourSlots else { return colourSlots - 1 }
            colours.append(colour)
            return colours.count - 1
        }
        let side = Double(min(c.width, c.height))
        for mask in plan.masks where mask.kind == .spurious {
            guard let peak = mask.grid?.spuriousPeak else { continue }
            let r = max(2, 0.08 * side)
            let centre = (x: peak.x * Double(c.width), y: peak.y * Double(c.height))
            let wrong = mask.prediction != plan.label
            let shape = wrong ? ObjectShape(label: mask.prediction) : .ring
            let k = slot(wrong ? labelColour(mask.prediction, of: c.labelCount) : (170, 170, 170))
            drawShape(shape, slot: k, in: (centre.x - r, centre.y - r, centre.x + r, centre.y + r),
                      width: c.width, height: c.height, into: &scratch.indices)
        }
        let box = plan.box
        drawShape(ObjectShape(label: plan.label), slot: 0, in: (box.x0, box.y0, box.x1, box.y1),
                  width: c.width, height: c.height, into: &scratch.indices)
        return palette(style, colours: colours)
    }

    /// The palette: the style's tones, then `shadeCount` shades of each colour slot, padded to
    /// 256 entries (so no index can fall outside it).
    static func palette(_ style: SceneStyle, colours: [(UInt8, UInt8, UInt8)]) -> [(UInt8, UInt8, UInt8)] {
        var palette = style.tones
        for k in 0..<colourSlots {
            let colour = colours[min(k, colours.count - 1)]
            for s in 0..<shadeCount {
                let shade = 1.12 - 0.24 * Double(s) / Double(shadeCount - 1)
                palette.append((UInt8(min(255, Double(colour.0) * shade)), UInt8(min(255, Double(colour.1) * shade)),
                                UInt8(min(255, Double(colour.2) * shade))))
            }
        }
        while palette.count < 256 { palette.append((0, 0, 0)) }
        return palette
    }

    /// The background tones, band of tiles by band: the first row of each band and its grout
    /// row are computed (rows whose tones cannot leave the tone range skip the clamping), and
    /// every other row of the band copies the row above it.
    static func drawBackground(_ style: SceneStyle, width: Int, height: Int, into scratch: inout Scratch) {
        if scratch.indices.count != width * height { scratch.indices = [UInt8](repeating: 0, count: width * height) }
        let maxTone = SceneStyle.toneCount - 1
        var band = -1, grout = false
        for y in 0..<height {
            let rowBand = y / style.tileSize, rowGrout = y % style.tileSize == 0
            let repeatsAbove = rowBand == band && rowGrout == grout
            band = rowBand
            grout = rowGrout
            if !repeatsAbove { style.bandPattern(band, width: width, grout: grout, into: &scratch.pattern) }
            let tone = style.rowTone(band * style.tileSize + style.tileSize / 2)
            scratch.indices.withUnsafeMutableBufferPointer { out in
                let row = out.baseAddress! + y * width
                if repeatsAbove {
                    row.update(from: row - width, count: width)
                    return
                }
                scratch.pattern.withUnsafeBufferPointer { pattern in
                    for x in 0..<width { row[x] = UInt8(min(maxTone, max(0, tone + pattern[x]))) }
                }
            }
        }
    }

    /// Fills `shape` inscribed in `rect` (x0, y0, x1, y1 in pixels, inset to 88 %) with the
    /// shades of colour `slot`, lighter at the top, clipped to the image. A pixel is filled when
    /// its centre's u lies in the span of its row's v (`ObjectShape.span`), computed per row.
    static func drawShape(_ shape: ObjectShape, slot: Int, in rect: (Double, Double, Double, Double),
                          width: Int, height: Int, into indices: inout [UInt8]) {
        let cx = (rect.0 + rect.2) / 2, cy = (rect.1 + rect.3) / 2
        let rx = max(0.5, 0.44 * (rect.2 - rect.0)), ry = max(0.5, 0.44 * (rect.3 - rect.1))
        let ys = max(0, Int((cy - ry).rounded(.down)))..<min(height, Int((cy + ry).rounded(.up)) + 1)
        guard !ys.isEmpty, width > 0 else { return }
        let first = SceneStyle.toneCount + slot * shadeCount
        indices.withUnsafeMutableBufferPointer { out in
            for y in ys {
                let v = (Double(y) + 0.5 - cy) / ry
                guard let (outer, inner) = shape.span(v: v) else { continue }
                let shade = min(shadeCount - 1, max(0, Int(((v + 1) / 2 * Double(shadeCount - 1)).rounded())))
                let value = UInt8(first + shade)
                // |u| <= outer  ⇔  cx − outer·rx <= x + 0.5 <= cx + outer·rx.
                let lo = max(0, Int((cx - outer * rx - 0.5).rounded(.up)))
                let hi = min(width - 1, Int((cx + outer * rx - 0.5).rounded(.down)))
                guard lo <= hi else { continue }
                // |u| < inner  ⇔  cx − inner·rx < x + 0.5 < cx + inner·rx: the hole, left unfilled.
                var holeLo = hi + 1, holeHi = hi
                if inner > 0 {
                    holeLo = Int((cx - inner * rx - 0.5).rounded(.down)) + 1
                    holeHi = Int((cx + inner * rx - 0.5).rounded(.up)) - 1
                }
                let row = y * width
                for x in lo...hi where x < holeLo || x > holeHi { out[row + x] = value }
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

    /// The points of row v: `inner <= |u| <= outer`, or nil when the row misses the shape.
    func span(v: Double) -> (outer: Double, inner: Double)? {
        guard abs(v) <= 1 else { return nil }
        switch self {
        case .disc: return ((1 - v * v).squareRoot(), 0)
        case .square: return (1, 0)
        case .triangle: return ((v + 1) / 2, 0)
        case .cross: return (abs(v) <= 0.34 ? 1 : 0.34, 0)
        case .diamond: return (1 - abs(v), 0)
        case .ring: return ((1 - v * v).squareRoot(), (max(0, 0.36 - v * v)).squareRoot())
        }
    }

    /// True when (u, v) is in the shape (its row's span).
    func contains(u: Double, v: Double) -> Bool {
        guard let (outer, inner) = span(v: v) else { return false }
        return abs(u) <= outer && abs(u) >= inner
    }
}
