/// How an image's background looks, beyond what its `ImagePlan` fixes: a muted tint, a
/// brightness gradient, a wave along y (both stepped per band of tiles), and a mosaic of tiles (cells of 8–23 pixels with
/// grout lines) whose tones vary per tile. Drawn from the image's own appearance stream
/// `(seed ^ appearanceSalt, imageIndex)`, so adding it changed none of the plan's draws
/// (masks and metadata are as before), and images stay independent of threads and chunks.
///
/// The background is a tone in `0..<toneCount` per pixel, `rowTone(band centre) + bandPattern(x)`:
/// every pixel row of a band of tiles repeats the one above it (except the grout row), which
/// is what makes the PNG files small and fast to compress (deflate matches whole rows).
struct SceneStyle {
    static let appearanceSalt: UInt64 = 0x5CE7_E5EE_D0F1_4A9E
    /// Palette entries used by background tones; the rest hold the objects' shades.
    static let toneCount = 192

    /// Background colour per tone (the tone's brightness times the tint).
    let tones: [(UInt8, UInt8, UInt8)]
    let baseTone: Int
    /// Tone change per pixel along x and y, in 1/256 tone units.
    let gradientX: Int
    let gradientY: Int
    /// Vertical wave: period in pixels and amplitude in tones.
    let wavePeriod: Int
    let waveAmplitude: Int
    /// Tile side in pixels, the tones tiles vary by (±), and the grout's tone offset.
    let tileSize: Int
    let tileAmplitude: Int
    let groutOffset: Int
    /// Seed of the per-tile tones.
    let tileSeed: UInt64

    init(plan: ImagePlan, configuration c: DatasetGenerator.Configuration) {
        var rng = SeededRandom(seed: c.seed ^ Self.appearanceSalt, stream: UInt64(plan.imageIndex))
        let tint = SceneStyle.hsv(hue: rng.unitDouble(), saturation: rng.double(in: 0.15, 0.4), value: 1)
        tones = (0..<Self.toneCount).map { tone in
            let t = Double(tone) / Double(Self.toneCount - 1)
            return (UInt8(t * tint.0 * 255), UInt8(t * tint.1 * 255), UInt8(t * tint.2 * 255))
        }
        baseTone = Int(Double(Self.toneCount) * (0.2 + plan.backgroundTone))
        let span = Double(max(c.width, c.height))
        gradientX = Int(rng.double(in: -50, 50) * 256 / span)
        gradientY = Int(rng.double(in: -50, 50) * 256 / span)
        wavePeriod = max(4, Int(span / rng.double(in: 2, 8)))
        waveAmplitude = Int(rng.double(in: 4, 16))
        tileSize = 8 + rng.index(below: 16)
        tileAmplitude = 4 + rng.index(below: 14)
        groutOffset = -(6 + rng.index(below: 20))
        tileSeed = rng.next()
    }

    /// The tone at row `y` before the tiles (used at each band's centre row): base, gradient and wave.
    func rowTone(_ y: Int) -> Int {
        let u = Double(y % wavePeriod) / Double(wavePeriod)
        let triangle = u < 0.5 ? 4 * u - 1 : 3 - 4 * u
        return baseTone + (gradientY * y) >> 8 + Int(Double(waveAmplitude) * triangle)
    }

    /// Per-column tone offsets of tile band `band` (tile rows), for a `width`-pixel row;
    /// `grout` gives the offsets of a grout row instead.
    func bandPattern(_ band: Int, width: Int, grout: Bool, into pattern: inout [Int]) {
        if pattern.count != width { pattern = [Int](repeating: 0, count: width) }
        var x = 0, column = 0
        while x < width {
            let hash = SplitMix64.mix(tileSeed ^ (UInt64(column) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(band) &* 0xC2B2_AE3D_27D4_EB4F))
            let jitter = Int(hash % UInt64(2 * tileAmplitude + 1)) - tileAmplitude
            let tone = grout ? groutOffset : jitter + (gradientX * (column * tileSize + tileSize / 2)) >> 8
            pattern[x] = groutOffset
            for k in (x + 1)..<min(width, x + tileSize) { pattern[k] = tone }
            x += tileSize
            column += 1
        }
    }

    /// An RGB colour in [0, 1] from HSV (hue in [0, 1)).
    static func hsv(hue: Double, saturation s: Double, value v: Double) -> (Double, Double, Double) {
        let h = 6 * (hue - hue.rounded(.down))
        let sector = Int(h) % 6, f = h - Double(Int(h))
        let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
        switch sector {
        case 0: return (v, t, p)
        case 1: return (q, v, p)
        case 2: return (p, v, t)
        case 3: return (p, q, v)
        case 4: return (t, p, v)
        default: return (v, p, q)
        }
    }
}
