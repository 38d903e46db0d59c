/// How an image's scene looks, beyond what its `ImagePlan` fixes: the background's tint,
/// brightness gradient and two wave textures. Drawn from the image's own appearance stream
/// `(seed ^ appearanceSalt, imageIndex)`, so adding it changed none of the plan's draws
/// (masks and metadata are as before), and images stay independent of threads and chunks.
struct SceneStyle {
    /// One wave texture: tone offset `table[((ax · x + ay · y + phase) >> 8) & 255]`.
    struct Wave {
        let ax: Int
        let ay: Int
        let phase: Int
        /// 256 tone offsets over one period (a smoothed triangle wave times the amplitude).
        let table: [Int]
    }

    static let appearanceSalt: UInt64 = 0x5CE7_E5EE_D0F1_4A9E

    /// Background colour per tone 0...255 (the tone times a muted tint).
    let palette: [(UInt8, UInt8, UInt8)]
    /// Tone at the top-left corner, 0...255.
    let baseTone: Int
    /// Tone change per pixel, in 1/256 tone units, along x and y.
    let gradientX: Int
    let gradientY: Int
    let waves: [Wave]

    init(plan: ImagePlan, configuration c: DatasetGenerator.Configuration) {
        var rng = SeededRandom(seed: c.seed ^ Self.appearanceSalt, stream: UInt64(plan.imageIndex))
        let tint = SceneStyle.hsv(hue: rng.unitDouble(), saturation: rng.double(in: 0.15, 0.4), value: 1)
        palette = (0..<256).map { tone in
            let t = Double(tone) / 255
            return (UInt8(t * tint.0 * 255), UInt8(t * tint.1 * 255), UInt8(t * tint.2 * 255))
        }
        baseTone = Int(255 * (0.25 + plan.backgroundTone))
        let span = Double(max(c.width, c.height))
        gradientX = Int(rng.double(in: -60, 60) * 256 / span)
        gradientY = Int(rng.double(in: -60, 60) * 256 / span)
        waves = (0..<2).map { _ in
            var dx = rng.double(in: -1, 1), dy = rng.double(in: -1, 1)
            let norm = max(1e-3, (dx * dx + dy * dy).squareRoot())
            dx /= norm
            dy /= norm
            let periods = rng.double(in: 3, 14)
            // One period is 65,536 phase units (256 table entries of 256 sub-steps).
            let step = periods * 65_536 / span
            let amplitude = rng.double(in: 8, 28)
            let table = (0..<256).map { i -> Int in
                let u = Double(i) / 256
                let triangle = u < 0.5 ? 4 * u - 1 : 3 - 4 * u
                return Int(amplitude * triangle * (1.5 - 0.5 * triangle * triangle))
            }
            return Wave(ax: Int(dx * step), ay: Int(dy * step), phase: rng.index(below: 65_536), table: table)
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
