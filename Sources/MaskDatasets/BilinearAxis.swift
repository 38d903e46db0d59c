/// Bilinear sampling of one axis: where each of `outputCount` output pixels falls between the
/// `gridCount` nodes of a coarse grid, precomputed once per configuration.
///
/// Sampling follows the half-pixel convention of `torch.nn.functional.interpolate(mode:
/// "bilinear", align_corners=False)` and OpenCV's `resize`, which GradCAM implementations use:
/// output pixel k samples grid position `s = (k + 0.5) · gridCount / outputCount − 0.5`,
/// clamped to `[0, gridCount − 1]`; it blends node `lower = ⌊s⌋` with weight `1 − t` and node
/// `upper = min(lower + 1, gridCount − 1)` with weight `t = s − lower` (t = 0 when the two
/// nodes coincide, so clamped pixels copy a node exactly).
struct BilinearAxis: Sendable {
    let gridCount: Int
    let outputCount: Int
    let lower: [Int]
    let upper: [Int]
    let lowerWeight: [Float]
    let upperWeight: [Float]
    /// The first and the last output pixel of every run of pixels sharing one `lower` node,
    /// ascending. Within such a run the interpolated value is linear in `t`, and `t` grows with
    /// the pixel index, so along this axis a bilinear map's extrema lie on these pixels.
    let extremeSamples: [Int]

    /// - Complexity: O(outputCount).
    init(gridCount: Int, outputCount: Int) {
        self.gridCount = gridCount
        self.outputCount = outputCount
        var lower = [Int](), upper = [Int](), lowerWeight = [Float](), upperWeight = [Float]()
        let scale = Double(gridCount) / Double(outputCount)
        for k in 0..<outputCount {
            let s = min(max((Double(k) + 0.5) * scale - 0.5, 0), Double(gridCount - 1))
            let i0 = min(Int(s), gridCount - 1)
            let i1 = min(i0 + 1, gridCount - 1)
            let t = i1 == i0 ? 0 : s - Double(i0)
            lower.append(i0)
            upper.append(i1)
            lowerWeight.append(Float(1 - t))
            upperWeight.append(Float(t))
        }
        var extremes: [Int] = []
        for k in 0..<outputCount {
            let startsRun = k == 0 || lower[k - 1] != lower[k]
            let endsRun = k == outputCount - 1 || lower[k + 1] != lower[k]
            if startsRun || endsRun { extremes.append(k) }
        }
        self.lower = lower
        self.upper = upper
        self.lowerWeight = lowerWeight
        self.upperWeight = upperWeight
        extremeSamples = extremes
    }
}
