/// Turns planned masks into pixels. One renderer per configuration (it holds the precomputed
/// bilinear weights and is shared read-only by all workers); each worker passes its own
/// `RenderScratch`. The pixel loops use explicit 8-lane SIMD (two SSE or one AVX register)
/// with a scalar tail, and are specialised per element type through `MaskPixelEncoder`.
struct MaskRenderer: Sendable {
    typealias Lanes = SIMD8<Float>

    let height: Int
    let width: Int
    let elementType: MaskElementType
    let rows: BilinearAxis
    let columns: BilinearAxis

    init(configuration c: DatasetGenerator.Configuration) {
        height = c.height
        width = c.width
        elementType = c.elementType
        rows = BilinearAxis(gridCount: c.activationGridSize, outputCount: c.height)
        columns = BilinearAxis(gridCount: c.activationGridSize, outputCount: c.width)
    }

    /// Writes `mask` of image `plan` (H·W elements, row-major) at `destination`.
    func render(_ mask: ImagePlan.PlannedMask, of plan: ImagePlan, into destination: UnsafeMutableRawPointer,
                scratch: RenderScratch) {
        switch (mask.grid, elementType) {
        case (let grid?, .uint8): renderSaliency(grid, UInt8PixelEncoder.self, into: destination, scratch: scratch)
        case (let grid?, .float32): renderSaliency(grid, Float32PixelEncoder.self, into: destination, scratch: scratch)
        case (nil, .uint8): renderHumanAttention(plan.box, UInt8PixelEncoder.self, into: destination, scratch: scratch)
        case (nil, .float32): renderHumanAttention(plan.box, Float32PixelEncoder.self, into: destination, scratch: scratch)
        }
    }

    /// GradCAM-style map: the grid upsampled bilinearly to H×W, ReLU, min-max normalised to
    /// [0, 1] (a constant map becomes all zeros).
    ///
    /// Algorithm: separable upsampling. First every grid row is interpolated horizontally into a
    /// `grid × W` table; then output row y is `a_y · table[lower_y] + b_y · table[upper_y]`.
    /// The minimum and maximum are found before any row is produced, from the rows × columns
    /// in `BilinearAxis.extremeSamples` only: between neighbouring nodes the map is bilinear in
    /// the sample's `(t_y, t_x)`, and a bilinear function on a rectangle takes its extrema at the
    /// corners, which are those samples. They are evaluated with the same Float expression as
    /// the rows, so the extremes are the map's own values. With `lo = max(min, 0)`,
    /// `hi = max(max, 0)` (ReLU is monotone) a pixel becomes `clamp((raw − lo) · s, 0, 1)`,
    /// `s` from `normalisingScale`: the clamp below 0 also performs the ReLU, the maximum maps
    /// to exactly 1, and last-ulp differences between mathematically equal samples are absorbed.
    ///
    /// Pixels whose two source table rows are both at or below the zero level are written by
    /// memset (see `support` below): typically the background of focused and spurious maps.
    ///
    /// - Complexity: O(grid · W + H · W) time with O(grid · W) scratch; the extrema cost at most
    ///   4 · grid² evaluations.
    func renderSaliency<Encoder: MaskPixelEncoder>(_ grid: ActivationGrid, _: Encoder.Type,
                                                   into destination: UnsafeMutableRawPointer, scratch: RenderScratch) {
        interpolateRows(of: grid, into: scratch.table)
        let (minimum, maximum) = cornerExtrema(scratch.table)
        let lowest = max(minimum, 0), highest = max(maximum, 0)
        guard highest > lowest else {
            destination.initializeMemory(as: UInt8.self, repeating: 0, count: height * width * Encoder.byteCount)
            return
        }
        let scale = Self.normalisingScale(span: highest - lowest)
        // Support of each table row: the column range outside which the row is at most
        // `floor`. A pixel whose two source rows are both at most `floor` has
        // raw = fl(a·r0 + b·r1) < lowest (or <= 0 when lowest = 0): rounding is monotone and
        // a + b <= 1 + 2^-23, so the 2^-20 margin absorbs the three roundings. Such pixels are 0,
        // exactly what the full computation gives, and are written by memset.
        let floor = lowest > 0 ? lowest * (1 - 0x1p-20) : 0
        findSupports(scratch.table, rows: grid.size, above: floor, into: scratch.support)
        for y in 0..<height {
            writeRow(y, Encoder.self, table: scratch.table, support: scratch.support,
                     lowest: lowest, scale: scale, into: destination + y * width * Encoder.byteCount)
        }
    }

    /// The horizontal pass: `table[i][x] = a_x · G[i][lower_x] + b_x · G[i][upper_x]` for every
    /// grid row `i`. - Complexity: O(grid · W).
    private func interpolateRows(of grid: ActivationGrid, into table: UnsafeMutablePointer<Float>) {
        let g = grid.size, W = width
        grid.values.withUnsafeBufferPointer { G in
            for i in 0..<g {
                let row = table + i * W
                let gridRow = G.baseAddress! + i * g
                for x in 0..<W {
                    row[x] = columns.lowerWeight[x] * gridRow[columns.lower[x]]
                        + columns.upperWeight[x] * gridRow[columns.upper[x]]
                }
            }
        }
    }

    /// The map's raw minimum and maximum, from the corner samples of every bilinear patch,
    /// evaluated with the same Float expression as the rows. - Complexity: O(grid²).
    private func cornerExtrema(_ table: UnsafeMutablePointer<Float>) -> (Float, Float) {
        var minimum = Float.infinity, maximum = -Float.infinity
        for y in rows.extremeSamples {
            let r0 = table + rows.lower[y] * width, r1 = table + rows.upper[y] * width
            let a = rows.lowerWeight[y], b = rows.upperWeight[y]
            for x in columns.extremeSamples {
                let raw = a * r0[x] + b * r1[x]
                minimum = min(minimum, raw)
                maximum = max(maximum, raw)
            }
        }
        return (minimum, maximum)
    }

    /// Per table row, the column range `first..<end` outside which the row is at most `floor`.
    private func findSupports(_ table: UnsafeMutablePointer<Float>, rows count: Int, above floor: Float,
                              into support: UnsafeMutablePointer<(Int, Int)>) {
        for i in 0..<count {
            let row = table + i * width
            var first = 0, end = width
            while first < width, row[first] <= floor { first += 1 }
            while end > first, row[end - 1] <= floor { end -= 1 }
            support[i] = (first, end)
        }
    }

    /// Writes mask row `y`: zeros outside the union of its two source rows' supports, the
    /// normalised bilinear value inside (vectorised, with an exact redo when the encoder's fast
    /// rounding was unsure). - Complexity: O(W).
    @inline(__always)
    private func writeRow<Encoder: MaskPixelEncoder>(_ y: Int, _: Encoder.Type, table: UnsafeMutablePointer<Float>,
                                                     support: UnsafeMutablePointer<(Int, Int)>, lowest: Float, scale: Float,
                                                     into out: UnsafeMutableRawPointer) {
        let W = width, elementBytes = Encoder.byteCount
        let r0 = table + rows.lower[y] * W, r1 = table + rows.upper[y] * W
        let a = rows.lowerWeight[y], b = rows.upperWeight[y]
        var (start, end) = support[rows.lower[y]]
        if b != 0 {
            let other = support[rows.upper[y]]
            if other.0 < other.1 { (start, end) = start < end ? (min(start, other.0), max(end, other.1)) : other }
        }
        guard start < end else {
            out.initializeMemory(as: UInt8.self, repeating: 0, count: W * elementBytes)
            return
        }
        @inline(__always) func value(_ raw: Float) -> Float {
            let v = (raw - lowest) * scale
            return v > 0 ? (v < 1 ? v : 1) : 0
        }
        out.initializeMemory(as: UInt8.self, repeating: 0, count: start * elementBytes)
        (out + end * elementBytes).initializeMemory(as: UInt8.self, repeating: 0, count: (W - end) * elementBytes)
        var redo = Lanes(repeating: 0), tailRedo: Float = 0
        var x = start
        while x &+ Lanes.scalarCount <= end {   // x <= W <= 65,536: no overflow
            let raw = a * UnsafeRawPointer(r0 + x).loadUnaligned(as: Lanes.self)
                + b * UnsafeRawPointer(r1 + x).loadUnaligned(as: Lanes.self)
            // The encoder clamps to [0, 1], which also performs the ReLU.
            Encoder.storeClamping((raw - lowest) * scale, into: out, at: x, redo: &redo)
            x &+= Lanes.scalarCount
        }
        for x in x..<end {
            Encoder.store(value(a * r0[x] + b * r1[x]), into: out, at: x, redo: &tailRedo)
        }
        if Encoder.needsRedo(redo, tailRedo) {
            for x in start..<end { Encoder.storeExactly(value(a * r0[x] + b * r1[x]), into: out, at: x) }
        }
    }

    /// The factor `s` that maps `[lowest, highest]` onto [0, 1]: `1/span`, raised by an ulp when
    /// needed so that `span · s >= 1` — the maximum then clamps to exactly 1 — while staying
    /// within an ulp of the exact quotient (a multiply per pixel instead of a divide).
    static func normalisingScale(span: Float) -> Float {
        var scale = 1 / span
        while span * scale < 1 { scale = scale.nextUp }
        return scale
    }

    /// Human attention: `v(x, y) = f_x(x) · f_y(y)`, a separable smooth blob over the object box.
    /// Along each axis the profile is 1 on the middle 60 % of the box and falls off as
    /// `max(0, 1 − (d/r)²)²` with `r` = 1.2 × the half-extent (about 0.8 at the box edge, 0 well
    /// outside); each profile is divided by its maximum so the blob peaks at exactly 1.
    ///
    /// Rows where `f_y` is 0 are written by memset, rows equal to the previous one (the plateau)
    /// by copying it, and columns where `f_x` is 0 by memset.
    ///
    /// - Complexity: O(H + W) to build the profiles, O(H · W) to write.
    func renderHumanAttention<Encoder: MaskPixelEncoder>(_ box: ObjectBox, _: Encoder.Type,
                                                         into destination: UnsafeMutableRawPointer, scratch: RenderScratch) {
        let across = scratch.profileX, down = scratch.profileY
        Self.fillProfile(across, count: width, from: box.x0, to: box.x1)
        Self.fillProfile(down, count: height, from: box.y0, to: box.y1)
        let bytesPerRow = width * Encoder.byteCount, elementBytes = Encoder.byteCount
        // The columns where the profile is positive; outside them every pixel is
        // fy · 0 = +0, stored by memset.
        var start = 0, end = width
        while start < width, across[start] == 0 { start += 1 }
        while end > start, across[end - 1] == 0 { end -= 1 }
        for y in 0..<height {
            let fy = down[y]
            let out = destination + y * bytesPerRow
            // Rows outside the blob are 0; rows with the previous row's weight (the plateau)
            // repeat it.
            if fy == 0 || start == end {
                out.initializeMemory(as: UInt8.self, repeating: 0, count: bytesPerRow)
                continue
            }
            if y > 0, down[y - 1] == fy {
                out.copyMemory(from: out - bytesPerRow, byteCount: bytesPerRow)
                continue
            }
            out.initializeMemory(as: UInt8.self, repeating: 0, count: start * elementBytes)
            (out + end * elementBytes).initializeMemory(as: UInt8.self, repeating: 0, count: (width - end) * elementBytes)
            var redo = Lanes(repeating: 0), tailRedo: Float = 0
            var x = start
            while x + Lanes.scalarCount <= end {
                // fy and the profile lie in [0, 1], so their product needs no clamp.
                Encoder.store(fy * UnsafeRawPointer(across + x).loadUnaligned(as: Lanes.self), into: out, at: x, redo: &redo)
                x += Lanes.scalarCount
            }
            for x in x..<end {
                Encoder.store(fy * across[x], into: out, at: x, redo: &tailRedo)
            }
            if Encoder.needsRedo(redo, tailRedo) {
                for x in start..<end { Encoder.storeExactly(fy * across[x], into: out, at: x) }
            }
        }
    }

    private static func fillProfile(_ profile: UnsafeMutablePointer<Float>, count: Int, from start: Double, to end: Double) {
        let centre = (start + end) / 2, halfExtent = max((end - start) / 2, 1e-9)
        let plateau = 0.6 * halfExtent, falloff = 1.2 * halfExtent
        var peak: Float = 0
        for k in 0..<count {
            let d = abs(Double(k) + 0.5 - centre) - plateau
            var value = 1.0
            if d > 0 {
                let t = 1 - (d / falloff) * (d / falloff)
                value = t > 0 ? t * t : 0
            }
            profile[k] = Float(value)
            peak = max(peak, profile[k])
        }
        guard peak > 0 else { return }
        for k in 0..<count { profile[k] = min(profile[k] / peak, 1) }
    }
}

/// One worker's scratch memory for `MaskRenderer`: the `grid × W` horizontal table, its row
/// supports and the two
/// human-attention profiles. Allocated once per work item, not per mask.
final class RenderScratch {
    let table: UnsafeMutablePointer<Float>
    /// The support (column range above the zero floor) of each table row.
    let support: UnsafeMutablePointer<(Int, Int)>
    let profileX: UnsafeMutablePointer<Float>
    let profileY: UnsafeMutablePointer<Float>

    init(configuration c: DatasetGenerator.Configuration) {
        table = .allocate(capacity: c.activationGridSize * c.width)
        support = .allocate(capacity: c.activationGridSize)
        profileX = .allocate(capacity: c.width)
        profileY = .allocate(capacity: c.height)
    }

    deinit {
        table.deallocate()
        support.deallocate()
        profileX.deallocate()
        profileY.deallocate()
    }
}
