/// The coarse activation map a GradCAM-like saliency mask is upsampled from: a `size × size`
/// grid (7×7 like ResNet-50's last convolutional layer), row-major, before ReLU.
///
/// Grid node (i, j) sits at the centre of its cell, `((j + 0.5)/size, (i + 0.5)/size)` in unit
/// image coordinates. Activations are sums of compactly supported bumps
/// `a · max(0, 1 − d²/r²)²` (smooth, platform-independent arithmetic) plus uniform noise and a
/// constant offset; a negative offset lets ReLU zero out the background, as in real GradCAM.
struct ActivationGrid {
    let size: Int
    private(set) var values: [Float]
    /// For a spurious map, the centre of its strong background bump in unit image
    /// coordinates (where the generated image draws the distractor the model looked at).
    private(set) var spuriousPeak: (x: Double, y: Double)? = nil

    /// Synthesises the grid for `kind` (one of focused, spurious, diffused) and an object box
    /// given in unit coordinates `(x0, y0, x1, y1)`.
    ///
    /// - focused: one strong bump centred in the middle half of the box, radius about the
    ///   box size; sometimes a weak second bump elsewhere.
    /// - spurious: one strong bump at the farthest of 12 random points from the box, plus a weak
    ///   bump on the box.
    /// - diffused: 6–10 weak bumps at random points, strong noise, a positive offset.
    ///
    /// - Complexity: O(size² · bumps).
    static func synthesize(kind: SaliencyKind, size: Int, box: (x0: Double, y0: Double, x1: Double, y1: Double),
                           using rng: inout SeededRandom) -> ActivationGrid {
        var bumps: [(x: Double, y: Double, radius: Double, amplitude: Double)] = []
        let noise: Double
        let offset: Double
        let boxWidth = box.x1 - box.x0, boxHeight = box.y1 - box.y0
        let boxCentre = (x: (box.x0 + box.x1) / 2, y: (box.y0 + box.y1) / 2)
        switch kind {
        case .focused:
            let x = boxCentre.x + rng.double(in: -0.25, 0.25) * boxWidth
            let y = boxCentre.y + rng.double(in: -0.25, 0.25) * boxHeight
            let radius = max(0.22, 0.75 * max(boxWidth, boxHeight)) * rng.double(in: 0.9, 1.2)
            bumps.append((x, y, radius, 1.0))
            if rng.chance(0.3) {
                bumps.append((rng.unitDouble(), rng.unitDouble(), rng.double(in: 0.15, 0.25), rng.double(in: 0.15, 0.3)))
            }
            noise = 0.06
            offset = -0.15
        case .spurious:
            var best = (x: 0.5, y: 0.5, distance: -1.0)
            for _ in 0..<12 {
                let x = rng.unitDouble(), y = rng.unitDouble()
                let dx = max(box.x0 - x, 0, x - box.x1), dy = max(box.y0 - y, 0, y - box.y1)
                let distance = (dx * dx + dy * dy).squareRoot()
                if distance > best.distance { best = (x, y, distance) }
            }
            bumps.append((best.x, best.y, rng.double(in: 0.25, 0.4), 1.0))
            bumps.append((boxCentre.x, boxCentre.y, max(0.15, 0.5 * max(boxWidth, boxHeight)), rng.double(in: 0.1, 0.25)))
            noise = 0.06
            offset = -0.15
        case .diffused, .human:
            for _ in 0..<(6 + rng.index(below: 5)) {
                bumps.append((rng.unitDouble(), rng.unitDouble(), rng.double(in: 0.18, 0.32), rng.double(in: 0.35, 0.65)))
            }
            noise = 0.15
            offset = 0.1
        }
        var values = [Float](repeating: 0, count: size * size)
        for i in 0..<size {
            let y = (Double(i) + 0.5) / Double(size)
            for j in 0..<size {
                let x = (Double(j) + 0.5) / Double(size)
                var activation = offset + rng.double(in: -noise, noise)
                for bump in bumps {
                    let d2 = (x - bump.x) * (x - bump.x) + (y - bump.y) * (y - bump.y)
                    let t = 1 - d2 / (bump.radius * bump.radius)
                    if t > 0 { activation += bump.amplitude * t * t }
                }
                values[i * size + j] = Float(activation)
            }
        }
        let peak = kind == .spurious ? bumps.first.map { (x: $0.x, y: $0.y) } : nil
        return ActivationGrid(size: size, values: values, spuriousPeak: peak)
    }
}
