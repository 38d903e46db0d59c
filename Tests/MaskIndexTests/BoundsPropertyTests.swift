import MaskFormat
import Testing
import MaskTestSupport
@testable import MaskIndex

/// A random mask as codes, with runs of equal values, exact 0s and 1s.
func randomCodes(_ format: PixelFormat, count: Int, rng: inout SplitMix64) -> [UInt32] {
    var out: [UInt32] = []
    var current: UInt32 = 0
    for _ in 0..<count {
        if Int.random(in: 0..<4, using: &rng) == 0 {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: current = 0
            case 1: current = format.codeOfOne
            default:
                let v = Double.random(in: 0...1, using: &rng)
                switch format {
                case .uint8: current = UInt32((v * 255).rounded())
                case .float16: current = UInt32(Float16(v).bitPattern)
                case .float32: current = Float(v).bitPattern
                }
            }
        }
        out.append(current)
    }
    return out
}

func bytes(_ codes: [UInt32], _ format: PixelFormat) -> [UInt8] {
    var out: [UInt8] = []
    for c in codes {
        switch format {
        case .uint8: out.append(UInt8(c))
        case .float16: out += [UInt8(c & 0xFF), UInt8(c >> 8)]
        case .float32: out += [UInt8(c & 0xFF), UInt8((c >> 8) & 0xFF), UInt8((c >> 16) & 0xFF), UInt8(c >> 24)]
        }
    }
    return out
}

/// CP by the contract's definition, in Double, independent of code intervals.
func referenceCP(_ codes: [UInt32], _ format: PixelFormat, width: Int, box: PixelBox, lv: Double, uv: Double) -> Int {
    var n = 0
    for y in box.y0..<box.y1 {
        for x in box.x0..<box.x1 {
            let v = format.value(ofCode: codes[y * width + x])
            if (lv <= v && v < uv) || (uv >= 1.0 && v == 1.0 && lv <= 1.0) { n += 1 }
        }
    }
    return n
}

@Suite struct BoundsPropertyTests {
    static func randomRange(_ grid: CHIGrid, rng: inout SplitMix64) -> (Double, Double) {
        func pick() -> Double {
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: return Double(Int.random(in: 0...grid.bins, using: &rng)) / Double(grid.bins)   // bin edge
            case 1: return Double(Int.random(in: 0...255, using: &rng)) / 255.0                      // uint8 level
            case 2: return (Double(Int.random(in: 0...255, using: &rng)) / 255.0).nextUp
            case 3: return 1.0
            case 4: return 0.0
            case 5: return Double.random(in: -0.2...1.3, using: &rng)
            default: return Double.random(in: 0...1, using: &rng)
            }
        }
        var lv = pick(), uv = pick()
        if Int.random(in: 0..<10, using: &rng) == 0 { uv = lv }
        if lv > uv && Int.random(in: 0..<4, using: &rng) != 0 { swap(&lv, &uv) }
        return (lv, uv)
    }

    static func randomBox(width: Int, height: Int, cell: Int, rng: inout SplitMix64) -> PixelBox {
        func coordinate(_ limit: Int) -> Int {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return Int.random(in: 0...(limit / cell), using: &rng) * cell   // on the grid
            case 1: return limit
            default: return Int.random(in: -3...(limit + 3), using: &rng)
            }
        }
        var b = PixelBox(x0: coordinate(width), y0: coordinate(height), x1: coordinate(width), y1: coordinate(height))
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: b.x1 = b.x0 + 1                                               // one column
        case 1: b.y1 = b.y0 + Int.random(in: 1...2, using: &rng)              // inside one cell row
        default: break
        }
        return b
    }

    /// ≥ 100k random cases: lower <= CP <= upper, always, for `BoundsPlan` and for the
    /// cell-by-cell `CellBoundsPlan`, which is never looser.
    @Test(arguments: PixelFormat.allCases)
    func boundsAreValid(format: PixelFormat) throws {
        var rng = SplitMix64(seed: 0xC0FFEE ^ UInt64(format.rawValue))
        var cases = 0, exact = 0, tighter = 0
        while cases < 36_000 {
            let h = Int.random(in: 1...40, using: &rng), w = Int.random(in: 1...40, using: &rng)
            let cell = Int.random(in: 1...12, using: &rng), bins = [2, 3, 7, 16, 20, 32].randomElement(using: &rng)!
            let grid = CHIGrid(height: h, width: w, cell: cell, bins: bins, pixelFormat: format)
            let codes = randomCodes(format, count: h * w, rng: &rng)
            let builder = CHIBuilder(grid: grid)
            bytes(codes, format).withUnsafeBytes { builder.build(codes: $0) }
            let entries = builder.entries
            for _ in 0..<40 {
                let box = Self.randomBox(width: w, height: h, cell: cell, rng: &rng).clipped(width: w, height: h)
                let (lv, uv) = Self.randomRange(grid, rng: &rng)
                let cp = referenceCP(codes, format, width: w, box: box, lv: lv, uv: uv)
                let plan = BoundsPlan(grid: grid, box: box, codes: format.codeInterval(lower: lv, upper: uv))
                let b = plan.evaluate { Int(entries[$0]) }
                if !(b.lowerBound <= cp && cp <= b.upperBound) {
                    Issue.record("invalid bounds \(b) for CP \(cp): \(h)x\(w) cell \(cell) bins \(bins) box \(box) range [\(lv), \(uv))")
                    return
                }
                if b.lowerBound == b.upperBound { exact += 1 }
                // The cell-by-cell refinement: valid, and never looser.
                let r = CellBoundsPlan(grid: grid, box: box, codes: format.codeInterval(lower: lv, upper: uv)).evaluate { Int(entries[$0]) }
                if !(r.lowerBound <= cp && cp <= r.upperBound) {
                    Issue.record("invalid refined bounds \(r) for CP \(cp): \(h)x\(w) cell \(cell) bins \(bins) box \(box) range [\(lv), \(uv))")
                    return
                }
                if r.lowerBound < b.lowerBound || r.upperBound > b.upperBound {
                    Issue.record("refined bounds \(r) looser than \(b): \(h)x\(w) cell \(cell) bins \(bins) box \(box) range [\(lv), \(uv))")
                    return
                }
                if r.count < b.count { tighter += 1 }
                cases += 1
            }
        }
        #expect(exact > 0)
        #expect(tighter > 0)
    }

    /// Grid-aligned boxes and bin-aligned code intervals give exact bounds.
    @Test(arguments: PixelFormat.allCases)
    func alignedQueriesAreExact(format: PixelFormat) throws {
        var rng = SplitMix64(seed: 77 + UInt64(format.rawValue))
        for _ in 0..<300 {
            let h = Int.random(in: 1...50, using: &rng), w = Int.random(in: 1...50, using: &rng)
            let cell = Int.random(in: 1...9, using: &rng), bins = [2, 4, 16].randomElement(using: &rng)!
            let grid = CHIGrid(height: h, width: w, cell: cell, bins: bins, pixelFormat: format)
            let codes = randomCodes(format, count: h * w, rng: &rng)
            let builder = CHIBuilder(grid: grid)
            bytes(codes, format).withUnsafeBytes { builder.build(codes: $0) }
            let entries = builder.entries
            for _ in 0..<20 {
                let ys = (0...grid.cornerRows).map(grid.cornerY), xs = (0...grid.cornerCols).map(grid.cornerX)
                var a = Int.random(in: 0..<xs.count, using: &rng), b = Int.random(in: 0..<xs.count, using: &rng)
                var c = Int.random(in: 0..<ys.count, using: &rng), d = Int.random(in: 0..<ys.count, using: &rng)
                if a > b { swap(&a, &b) }
                if c > d { swap(&c, &d) }
                let box = PixelBox(x0: xs[a], y0: ys[c], x1: xs[b], y1: ys[d])
                var b1 = Int.random(in: 0...bins, using: &rng), b2 = Int.random(in: 0...bins, using: &rng)
                if b1 > b2 { swap(&b1, &b2) }
                let interval = CodeInterval(lo: grid.edges[b1], hi: grid.edges[b2])
                var cp = 0
                for y in box.y0..<box.y1 { for x in box.x0..<box.x1 where interval.contains(codes[y * w + x]) { cp += 1 } }
                let bounds = BoundsPlan(grid: grid, box: box, codes: interval).evaluate { Int(entries[$0]) }
                #expect(bounds == cp...cp, "box \(box) bins \(b1)..<\(b2) on \(h)x\(w) cell \(cell)")
            }
        }
    }
}
