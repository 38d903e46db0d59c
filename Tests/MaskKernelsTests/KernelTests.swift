import Foundation
import CMaskKernels
import MaskTestSupport
import Testing

extension SplitMix64 {
    /// Uniform in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// Runs `body` once per instruction set the CPU supports (scalar, AVX2, AVX-512) and, in debug
/// builds with libsimde-dev, the AVX-512 variants emulated (level 4), then restores the ISA
/// that was active before. Only called from the serialized suite below.
func forEachISA(_ body: (Int32) throws -> Void) rethrows {
    let saved = cmk_active_isa()
    defer { _ = cmk_force_isa(saved) }
    var seen = Set<Int32>()
    for request: Int32 in [0, 2, 3, 4] {
        let isa = cmk_force_isa(request)
        #expect(isa <= request)
        #expect(cmk_active_isa() == isa)
        if seen.insert(isa).inserted { try body(isa) }
    }
}

// MARK: - References

func refCount<T: FixedWidthInteger & UnsignedInteger>(
    _ buf: [T], offset: Int, stride: Int, cols: Int, rows: Int, lo: UInt32, hi: UInt32
) -> UInt64 {
    var n: UInt64 = 0
    for r in 0..<rows {
        for c in 0..<cols {
            let v = UInt64(buf[offset + r * stride + c])
            if v >= UInt64(lo) && v < UInt64(hi) { n += 1 }
        }
    }
    return n
}

/// out[(iy*gx + ix)*bins + b] = #pixels with y < ys[iy], x < xs[ix], bin >= b.
func refCHI(height: Int, width: Int, bins: Int, ys: [UInt32], xs: [UInt32], bin: (Int) -> Int) -> [UInt32] {
    var out = [UInt32](repeating: 0, count: ys.count * xs.count * bins)
    for (iy, yp) in ys.enumerated() {
        for (ix, xp) in xs.enumerated() {
            for y in 0..<min(Int(yp), height) {
                for x in 0..<min(Int(xp), width) {
                    let pb = bin(y * width + x)
                    for b in 0...pb { out[(iy * xs.count + ix) * bins + b] += 1 }
                }
            }
        }
    }
    return out
}

/// Exact binary16 -> Double without Float16 (unavailable on some platforms).
func refHalf(_ h: UInt16) -> Double {
    let sign: Double = h & 0x8000 != 0 ? -1 : 1
    let e = Int((h >> 10) & 0x1F), f = Int(h & 0x3FF)
    if e == 0 { return sign * Double(f) * 0x1p-24 }
    if e == 31 { return f == 0 ? sign * Double.infinity : Double.nan }
    return sign * Double(1024 + f) * Double(sign: .plus, exponent: e - 25, significand: 1)
}

/// Bitwise CRC-32C reference.
func refCRC32C(_ bytes: [UInt8], start: UInt32 = 0) -> UInt32 {
    var c = ~start
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = (c >> 1) ^ (c & 1 != 0 ? 0x82F6_3B78 : 0) }
    }
    return ~c
}

/// `count` ascending positions in 0...limit, often starting at 0 / ending at limit, with repeats.
func sortedPositions(_ rng: inout SplitMix64, count: Int, limit: Int) -> [UInt32] {
    var p = (0..<count).map { _ in UInt32(rng.below(limit + 1)) }
    if rng.chance(50) { p[0] = 0 }
    if rng.chance(50) { p[count - 1] = UInt32(limit) }
    p.sort()
    return p
}

/// The CHI by columns: per-column histograms of the rows above the current grid row, summed
/// left to right up to each corner and made reverse-cumulative (an independent formulation;
/// O(H·W + gy·W·bins)). `ys`, `xs` ascending; `bin[i]` is pixel i's bin.
func refCHIByColumns(height: Int, width: Int, bins: Int, ys: [UInt32], xs: [UInt32], bin: [Int]) -> [UInt32] {
    var out = [UInt32](repeating: 0, count: ys.count * xs.count * bins)
    var col = [UInt32](repeating: 0, count: width * bins)
    var y = 0
    for (iy, yp) in ys.enumerated() {
        while y < min(Int(yp), height) {
            for x in 0..<width { col[x * bins + bin[y * width + x]] &+= 1 }
            y += 1
        }
        var run = [UInt32](repeating: 0, count: bins)
        var x = 0
        for (ix, xp) in xs.enumerated() {
            while x < min(Int(xp), width) {
                for b in 0..<bins { run[b] &+= col[x * bins + b] }
                x += 1
            }
            var suffix: UInt32 = 0
            for b in stride(from: bins - 1, through: 0, by: -1) {
                suffix &+= run[b]
                out[(iy * xs.count + ix) * bins + b] = suffix
            }
        }
    }
    return out
}

/// Number of edges <= c (edges ascending).
func binByEdges(_ c: UInt32, _ edges: [UInt32]) -> Int {
    var lo = 0, hi = edges.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if edges[mid] <= c { lo = mid + 1 } else { hi = mid }
    }
    return lo
}

/// The first float16 code whose value is >= v (v in [0, 1]).
func firstHalfCode(atLeast v: Double) -> UInt32 {
    var lo: UInt32 = 0, hi: UInt32 = 0x3C00
    while lo < hi {
        let mid = (lo + hi) / 2
        if refHalf(UInt16(mid)) < v { lo = mid + 1 } else { hi = mid }
    }
    return lo
}

/// The first float32 code whose value is >= v (v in [0, 1]).
func firstFloatCode(atLeast v: Double) -> UInt32 {
    var f = Float(v)
    if Double(f) < v { f = f.nextUp }
    return f.bitPattern
}

/// Saliency-like values in [0, 1]: a few smooth blobs (long runs of equal codes once
/// quantised), or a constant, or noise.
func maskValues(_ rng: inout SplitMix64, height: Int, width: Int, style: Int) -> [Double] {
    switch style {
    case 0:
        let k = 1 + rng.below(4)
        let blobs = (0..<k).map { _ in
            (Double(rng.below(width)), Double(rng.below(height)), Double(4 + rng.below(60)), Double(30 + rng.below(70)) / 100)
        }
        return (0..<(height * width)).map { i in
            let (y, x) = (Double(i / width), Double(i % width))
            var v = 0.0
            for (cx, cy, sg, a) in blobs {
                let d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (sg * sg)
                v += a / (1 + d2 * d2)
            }
            return min(v, 1)
        }
    case 1:
        let c = [0.0, 1.0, 0.5, Double(rng.below(1000)) / 999][rng.below(4)]
        return [Double](repeating: c, count: height * width)
    default:
        return (0..<(height * width)).map { _ in Double(rng.below(1001)) / 1000 }
    }
}

/// Ascending positions for a grid of `cell`, or random ones with repeats and positions past
/// `limit` (clamped by the kernel); the first is sometimes > 0.
func cornerPositions(_ rng: inout SplitMix64, limit: Int, cell: Int) -> [UInt32] {
    if rng.chance(60) {
        let n = (limit + cell - 1) / cell
        var p = (1...max(n, 1)).map { UInt32(min($0 * cell, limit)) }
        if rng.chance(20) { p.append(UInt32(limit + rng.below(50))) }  // past the edge
        return p
    }
    var p = (0..<(1 + rng.below(25))).map { _ in UInt32(rng.below(limit + 1 + (rng.chance(20) ? 40 : 0))) }
    if rng.chance(30) { p += [p[0], p[0]] }  // repeats
    if rng.chance(30) { p.append(0) }
    p.sort()
    return p
}

// MARK: - Tests

/// Every test switches the instruction set, so the suite is serialized.
@Suite(.serialized)
struct KernelTests {
    @Test func dispatchLowersRequests() {
        let saved = cmk_active_isa()
        defer { _ = cmk_force_isa(saved) }
        #expect([0, 2, 3].contains(saved))
        #expect(cmk_force_isa(0) == 0)
        #expect(cmk_force_isa(1) == 0)
        let best = cmk_force_isa(3)
        #expect(best == saved)  // the initial choice is the best the CPU supports
        // Level 4 (emulated AVX-512) only on request, and only where it is compiled in.
        #expect([best, 4].contains(cmk_force_isa(99)))
    }

    /// The AVX-512 code paths run here: natively, or emulated (level 4). `.ci/run` sets
    /// MASKSEARCH_REQUIRE_AVX512_PATHS, so CI fails rather than skip them silently.
    @Test func avx512PathsRun() {
        let saved = cmk_active_isa()
        defer { _ = cmk_force_isa(saved) }
        let native = cmk_force_isa(3) == 3, emulated = cmk_force_isa(4) == 4
        if ProcessInfo.processInfo.environment["MASKSEARCH_REQUIRE_AVX512_PATHS"] != nil {
            #expect(native || emulated, "no AVX-512 CPU and no emulation: a debug build with libsimde-dev (Tools/ensure-deps.sh --tests) runs the AVX-512 paths")
        } else if !native && !emulated {
            print("note: the AVX-512 kernels are not exercised (no AVX-512 CPU; install libsimde-dev for the emulated level)")
        }
    }

    @Test func countBoxMatchesReference() {
        var rng = SplitMix64(seed: 1)
        let n = 1 << 16
        var b8 = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var b16 = (0..<n).map { _ in UInt16(truncatingIfNeeded: rng.next()) }
        var b32 = (0..<n).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
        for i in stride(from: 0, to: n, by: 7) { b8[i] = 255; b16[i] = 65535; b32[i] = .max }
        for i in stride(from: 3, to: n, by: 11) { b8[i] = 0; b16[i] = 0; b32[i] = 0 }

        struct Case { var cols, rows, stride, offset: Int; var lo8, hi8, lo16, hi16, lo32, hi32: UInt32 }
        var cases: [Case] = []
        for i in 0..<1500 {
            let cols = i < 70 ? i + 1 : 1 + rng.below(rng.chance(50) ? 40 : 300)
            let rows = i < 70 ? 1 + i % 3 : 1 + rng.below(rng.chance(50) ? 3 : 20)
            let stride = rng.chance(30) ? cols : cols + rng.below(70)
            let extent = (rows - 1) * stride + cols
            // Boxes at the buffer start and end too (tails must not read outside the box).
            let offset = rng.chance(30) ? n - extent : rng.chance(10) ? 0 : rng.below(n - extent + 1)
            func range(_ top: UInt64) -> (UInt32, UInt32) {
                switch rng.below(8) {
                case 0: return (0, UInt32(min(top, UInt64(UInt32.max))))  // everything (hi = 256 / 65536 / max)
                case 1: return (UInt32(rng.below(Int(min(top, 1 << 20)))), 0)  // hi = 0
                case 2: let v = UInt32(rng.below(Int(min(top, 1 << 20)))); return (v, v)  // lo == hi
                case 3: return (UInt32(truncatingIfNeeded: rng.next()), UInt32(truncatingIfNeeded: rng.next()))
                default:
                    let a = UInt32(truncatingIfNeeded: rng.next() % (top + 40))
                    let b = UInt32(truncatingIfNeeded: rng.next() % (top + 40))
                    return (min(a, b), max(a, b))
                }
            }
            let (l8, h8) = range(256), (l16, h16) = range(65536), (l32, h32) = range(1 << 32)
            cases.append(Case(cols: cols, rows: rows, stride: stride, offset: offset,
                              lo8: l8, hi8: h8, lo16: l16, hi16: h16, lo32: l32, hi32: h32))
        }
        // Extremes: everything over > 255 * 32 bytes per lane, the top code only, a single pixel.
        cases.append(Case(cols: 300, rows: 200, stride: 300, offset: 0, lo8: 0, hi8: 256, lo16: 0, hi16: 65536, lo32: 0, hi32: .max))
        cases.append(Case(cols: 257, rows: 255, stride: 257, offset: 0, lo8: 255, hi8: 256, lo16: 65535, hi16: 65536, lo32: .max - 1, hi32: .max))
        cases.append(Case(cols: 1, rows: 1, stride: 1, offset: n - 1, lo8: 0, hi8: 256, lo16: 0, hi16: 65536, lo32: 0, hi32: .max))
        cases.append(Case(cols: 1000, rows: 60, stride: 1001, offset: 3, lo8: 0, hi8: 1000, lo16: 0, hi16: 100_000, lo32: 1, hi32: .max))

        let expected = cases.map { c in
            (refCount(b8, offset: c.offset, stride: c.stride, cols: c.cols, rows: c.rows, lo: c.lo8, hi: c.hi8),
             refCount(b16, offset: c.offset, stride: c.stride, cols: c.cols, rows: c.rows, lo: c.lo16, hi: c.hi16),
             refCount(b32, offset: c.offset, stride: c.stride, cols: c.cols, rows: c.rows, lo: c.lo32, hi: c.hi32))
        }
        #expect(expected[cases.count - 4].0 == 60000)
        forEachISA { isa in
            b8.withUnsafeBufferPointer { p8 in
                b16.withUnsafeBufferPointer { p16 in
                    b32.withUnsafeBufferPointer { p32 in
                        for (c, e) in zip(cases, expected) {
                            let g8 = cmk_count_box_u8(p8.baseAddress! + c.offset, c.stride, c.cols, c.rows, c.lo8, c.hi8)
                            let g16 = cmk_count_box_u16(p16.baseAddress! + c.offset, c.stride, c.cols, c.rows, c.lo16, c.hi16)
                            let g32 = cmk_count_box_u32(p32.baseAddress! + c.offset, c.stride, c.cols, c.rows, c.lo32, c.hi32)
                            #expect(g8 == e.0, "isa \(isa) u8 \(c)")
                            #expect(g16 == e.1, "isa \(isa) u16 \(c)")
                            #expect(g32 == e.2, "isa \(isa) u32 \(c)")
                        }
                    }
                }
            }
        }
    }

    @Test func chiBuildMatchesReference() {
        var rng = SplitMix64(seed: 2)
        for iteration in 0..<120 {
            let bins = [1, 7, 16, 32, 40][iteration % 5]
            var (height, width) = (1 + rng.below(40), 1 + rng.below(40))
            if iteration % 20 == 19 { (height, width) = (3, 300 + rng.below(400)) }  // strips wider than 255
            let ys = sortedPositions(&rng, count: 1 + rng.below(6), limit: height)
            let xs = sortedPositions(&rng, count: 1 + rng.below(7), limit: width)
            // Masks with runs of equal values as well as noise.
            var m8 = [UInt8](repeating: 0, count: height * width)
            var m16 = [UInt16](repeating: 0, count: height * width)
            var m32 = [UInt32](repeating: 0, count: height * width)
            for i in 0..<m8.count {
                if i > 0 && rng.chance(60) {
                    (m8[i], m16[i], m32[i]) = (m8[i - 1], m16[i - 1], m32[i - 1])
                } else {
                    m8[i] = UInt8(truncatingIfNeeded: rng.next())
                    m16[i] = UInt16(rng.below(0x7C01))  // non-negative half codes up to +inf
                    m32[i] = rng.chance(5) ? .max : UInt32(truncatingIfNeeded: rng.next())
                }
            }
            // A non-monotone u8 table; ascending edges with a repeat.
            let table = (0..<256).map { UInt8((($0 * 7919) >> 3) % bins) }
            var e16 = (0..<(bins - 1)).map { _ in UInt32(rng.below(0x7C01)) }.sorted()
            var e32 = (0..<(bins - 1)).map { _ in UInt32(truncatingIfNeeded: rng.next()) }.sorted()
            if bins > 2 { e16[1] = e16[0]; e32[1] = e32[0] }
            func binByEdges(_ c: UInt32, _ e: [UInt32]) -> Int { e.filter { $0 <= c }.count }
            let r8 = refCHI(height: height, width: width, bins: bins, ys: ys, xs: xs) { Int(table[Int(m8[$0])]) }
            let r16 = refCHI(height: height, width: width, bins: bins, ys: ys, xs: xs) { binByEdges(UInt32(m16[$0]), e16) }
            let r32 = refCHI(height: height, width: width, bins: bins, ys: ys, xs: xs) { binByEdges(m32[$0], e32) }
            forEachISA { isa in
                var scratch = [UInt32](repeating: 0xDEAD, count: (width + 1) * bins)
                var out = [UInt32](repeating: 0xBEEF, count: ys.count * xs.count * bins)
                cmk_chi_build_u8(m8, height, width, table, UInt32(bins), ys, ys.count, xs, xs.count, &scratch, &out)
                #expect(out == r8, "isa \(isa) u8 \(height)x\(width) bins \(bins) ys \(ys) xs \(xs)")
                cmk_chi_build_u16(m16, height, width, e16, UInt32(bins), ys, ys.count, xs, xs.count, &scratch, &out)
                #expect(out == r16, "isa \(isa) u16 \(height)x\(width) bins \(bins) ys \(ys) xs \(xs)")
                cmk_chi_build_u32(m32, height, width, e32, UInt32(bins), ys, ys.count, xs, xs.count, &scratch, &out)
                #expect(out == r32, "isa \(isa) u32 \(height)x\(width) bins \(bins) ys \(ys) xs \(xs)")
            }
        }
    }

    @Test func chiBuildFullGrid() {
        // A 224x224 mask with a 16-pixel grid (the index's usual shape), a blob over noise.
        var rng = SplitMix64(seed: 3)
        let (h, w, bins) = (224, 224, 16)
        let mask = (0..<(h * w)).map { i -> UInt8 in
            let (y, x) = (i / w - 100, i % w - 120)
            return y * y + x * x < 4000 ? UInt8(255 - (y * y + x * x) / 16) : UInt8(rng.below(20))
        }
        let table = (0..<256).map { UInt8($0 / 16) }
        let grid = (0...14).map { UInt32($0 * 16) }
        let ref = refCHI(height: h, width: w, bins: bins, ys: grid, xs: grid) { Int(table[Int(mask[$0])]) }
        #expect(ref[(14 * 15 + 14) * bins] == UInt32(h * w))
        forEachISA { isa in
            var scratch = [UInt32](repeating: 0, count: (w + 1) * bins)
            var out = [UInt32](repeating: 0, count: grid.count * grid.count * bins)
            cmk_chi_build_u8(mask, h, w, table, UInt32(bins), grid, grid.count, grid, grid.count, &scratch, &out)
            #expect(out == ref, "isa \(isa)")
        }
    }

    @Test func decodeMatchesReference() {
        var rng = SplitMix64(seed: 4)
        let levels = (0..<256).map { Double($0) / 255 }
        let codes8 = (0..<1001).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let halves = (0...0xFFFF).map { UInt16($0) }
        var floats = (0..<1003).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        floats += [0, -0, .infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1]
        var first16: [UInt64]? = nil
        forEachISA { isa in
            var out = [Double](repeating: -1, count: codes8.count)
            cmk_decode_u8(codes8, codes8.count, levels, &out)
            #expect(out == codes8.map { levels[Int($0)] }, "isa \(isa)")

            var d16 = [Double](repeating: -1, count: halves.count)
            cmk_decode_f16(halves, halves.count, &d16)
            for (h, d) in zip(halves, d16) {
                let r = refHalf(h)
                if r.isNaN {
                    #expect(d.isNaN && (d.sign == .minus) == (h & 0x8000 != 0), "isa \(isa) half \(h)")
                } else {
                    #expect(d.bitPattern == r.bitPattern, "isa \(isa) half \(h)")
                }
            }
            let bits = d16.map(\.bitPattern)  // NaN payloads included
            if let f = first16 { #expect(bits == f, "isa \(isa) f16 bit-identical") } else { first16 = bits }

            var d32 = [Double](repeating: -1, count: floats.count)
            cmk_decode_f32(floats, floats.count, &d32)
            #expect(d32.map(\.bitPattern) == floats.map { Double($0).bitPattern }, "isa \(isa)")
        }
    }

    @Test func flagsAndAccumulators() {
        var rng = SplitMix64(seed: 5)
        for n in [0, 1, 3, 31, 64, 1000, 1027] {
            let v = (0..<n).map { _ in Double(rng.below(9)) / 8 - (rng.chance(10) ? 0 : 0.25) }
            let acc0 = (0..<n).map { _ in rng.chance(5) ? -0.0 : Double(rng.below(1000)) / 999 - 0.3 }
            let flags0 = (0..<n).map { _ in UInt8(rng.below(2)) }
            let t = 0.5
            forEachISA { isa in
                for strict: Int32 in [0, 1] {
                    let pass = v.map { strict == 1 ? $0 > t : $0 >= t }
                    var f = flags0
                    cmk_flags_and(v, n, t, strict, &f)
                    #expect(f == zip(flags0, pass).map { $0 != 0 && $1 ? 1 : 0 }, "isa \(isa) and n \(n)")
                    f = flags0
                    cmk_flags_or(v, n, t, strict, &f)
                    #expect(f == zip(flags0, pass).map { $0 != 0 || $1 ? 1 : 0 }, "isa \(isa) or n \(n)")
                }
                var a = acc0
                cmk_acc_add(v, n, &a)
                #expect(a.map(\.bitPattern) == zip(acc0, v).map { ($0 + $1).bitPattern }, "isa \(isa) add n \(n)")
                a = acc0
                cmk_acc_min(v, n, &a)
                #expect(a.map(\.bitPattern) == zip(acc0, v).map { ($1 < $0 ? $1 : $0).bitPattern }, "isa \(isa) min n \(n)")
                a = acc0
                cmk_acc_max(v, n, &a)
                #expect(a.map(\.bitPattern) == zip(acc0, v).map { ($1 > $0 ? $1 : $0).bitPattern }, "isa \(isa) max n \(n)")
            }
        }
    }

    @Test func crc32c() {
        var rng = SplitMix64(seed: 6)
        let data = (0..<5000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        forEachISA { isa in
            #expect(cmk_crc32c(0, Array("123456789".utf8), 9) == 0xE306_9283, "isa \(isa)")
            #expect(cmk_crc32c(0, data, 0) == 0)
            data.withUnsafeBytes { raw in
                let base = raw.baseAddress!
                for _ in 0..<200 {
                    let start = rng.below(64), len = rng.below(data.count - start)
                    let whole = cmk_crc32c(0, base + start, len)
                    #expect(whole == refCRC32C(Array(data[start..<(start + len)])), "isa \(isa) start \(start) len \(len)")
                    let cut = rng.below(len + 1)
                    let first = cmk_crc32c(0, base + start, cut)
                    #expect(cmk_crc32c(first, base + start + cut, len - cut) == whole, "isa \(isa) split at \(cut)")
                }
            }
        }
        // The scalar level uses the portable tables, the others the SSE4.2 instruction.
        let saved = cmk_active_isa()
        defer { _ = cmk_force_isa(saved) }
        _ = cmk_force_isa(0)
        let software = cmk_crc32c(0, data, data.count)
        _ = cmk_force_isa(3)
        #expect(cmk_crc32c(0, data, data.count) == software)
    }
    @Test func chiBuildRandomShapes() {
        var rng = SplitMix64(seed: 7)
        for iteration in 0..<160 {
            let big = iteration % 8 == 0
            let height = 1 + rng.below(big ? 300 : 70), width = 1 + rng.below(big ? 300 : 70)
            let cell = 1 + rng.below(40)
            let bins = iteration % 10 == 9 ? 65 + rng.below(192) : 2 + rng.below(63)  // u8 up to 256
            let ys = cornerPositions(&rng, limit: height, cell: cell)
            let xs = cornerPositions(&rng, limit: width, cell: cell)
            let v = maskValues(&rng, height: height, width: width, style: rng.below(3))
            let m8 = v.map { UInt8(($0 * 255).rounded()) }
            let m32 = v.map { Float($0).bitPattern }
            var m16 = v.map { UInt16(firstHalfCode(atLeast: $0)) }
            if rng.chance(15) { m16 = m16.map { _ in UInt16(truncatingIfNeeded: rng.next()) } }  // any 16-bit code
            // The index's own binning (monotone), sometimes other ascending edges (0, repeats,
            // above every code) or a non-monotone u8 table.
            var table = (0..<256).map { c in UInt8((0..<bins).last { ($0 * 256 + bins - 1) / bins <= c }!) }
            var e16 = (1..<bins).map { firstHalfCode(atLeast: Double($0) / Double(bins)) }
            var e32 = (1..<bins).map { firstFloatCode(atLeast: Double($0) / Double(bins)) }
            switch rng.below(5) {
            case 0:
                e16 = (1..<bins).map { _ in rng.chance(10) ? 0 : rng.chance(10) ? 0x10000 + UInt32(rng.below(9)) : UInt32(rng.below(0x3C01)) }.sorted()
                e32 = (1..<bins).map { _ in rng.chance(10) ? 0 : UInt32(truncatingIfNeeded: rng.next()) }.sorted()
                table = (0..<256).map { UInt8(min(bins - 1, ($0 / (1 + rng.below(9))) % bins)) }.sorted()
            case 1:
                table = (0..<256).map { UInt8((($0 * 7919) >> 3) % bins) }
            default: break
            }
            let r8 = refCHIByColumns(height: height, width: width, bins: bins, ys: ys, xs: xs, bin: m8.map { Int(table[Int($0)]) })
            let r16 = refCHIByColumns(height: height, width: width, bins: bins, ys: ys, xs: xs, bin: m16.map { binByEdges(UInt32($0), e16) })
            let r32 = refCHIByColumns(height: height, width: width, bins: bins, ys: ys, xs: xs, bin: m32.map { binByEdges($0, e32) })
            let what = "\(height)x\(width) bins \(bins) ys \(ys) xs \(xs)"
            forEachISA { isa in
                var scratch = [UInt32](repeating: 0xDEAD, count: (width + 1) * bins)
                var out = [UInt32](repeating: 0xBEEF, count: ys.count * xs.count * bins)
                cmk_chi_build_u8(m8, height, width, table, UInt32(bins), ys, ys.count, xs, xs.count, &scratch, &out)
                #expect(out == r8, "isa \(isa) u8 \(what)")
                out = out.map { _ in 0xBEEF }
                cmk_chi_build_u16(m16, height, width, e16, UInt32(bins), ys, ys.count, xs, xs.count, &scratch, &out)
                #expect(out == r16, "isa \(isa) u16 \(what)")
                out = out.map { _ in 0xBEEF }
                cmk_chi_build_u32(m32, height, width, e32, UInt32(bins), ys, ys.count, xs, xs.count, &scratch, &out)
                #expect(out == r32, "isa \(isa) u32 \(what)")
            }
        }
    }

    @Test func chiBuildTallBands() {
        // Bands taller than 255 (u8 byte counters) rows, a width that is not a multiple of 32 or 8.
        var rng = SplitMix64(seed: 8)
        let (h, w, bins) = (700, 37, 16)
        let v = maskValues(&rng, height: h, width: w, style: 0)
        let m8 = v.map { UInt8(($0 * 255).rounded()) }
        let m16 = v.map { UInt16(firstHalfCode(atLeast: $0)) }
        let m32 = v.map { Float($0).bitPattern }
        let table = (0..<256).map { UInt8($0 / 16) }
        let e16 = (1..<bins).map { firstHalfCode(atLeast: Double($0) / Double(bins)) }
        let e32 = (1..<bins).map { firstFloatCode(atLeast: Double($0) / Double(bins)) }
        let ys: [UInt32] = [300, 300, 650, 700], xs: [UInt32] = [5, 8, 16, 33, 37]
        let r8 = refCHIByColumns(height: h, width: w, bins: bins, ys: ys, xs: xs, bin: m8.map { Int(table[Int($0)]) })
        let r16 = refCHIByColumns(height: h, width: w, bins: bins, ys: ys, xs: xs, bin: m16.map { binByEdges(UInt32($0), e16) })
        let r32 = refCHIByColumns(height: h, width: w, bins: bins, ys: ys, xs: xs, bin: m32.map { binByEdges($0, e32) })
        forEachISA { isa in
            var scratch = [UInt32](repeating: 0, count: (w + 1) * bins)
            var out = [UInt32](repeating: 0, count: ys.count * xs.count * bins)
            cmk_chi_build_u8(m8, h, w, table, UInt32(bins), ys, ys.count, xs, xs.count, &scratch, &out)
            #expect(out == r8, "isa \(isa) u8")
            cmk_chi_build_u16(m16, h, w, e16, UInt32(bins), ys, ys.count, xs, xs.count, &scratch, &out)
            #expect(out == r16, "isa \(isa) u16")
            cmk_chi_build_u32(m32, h, w, e32, UInt32(bins), ys, ys.count, xs, xs.count, &scratch, &out)
            #expect(out == r32, "isa \(isa) u32")
        }
    }

    @Test func flagsOnCodes() {
        var rng = SplitMix64(seed: 9)
        for n in [0, 1, 7, 31, 32, 33, 63, 64, 65, 100, 257, 1000, 4099] {
            let c8 = (0..<n).map { _ in rng.chance(10) ? UInt8.max : UInt8(truncatingIfNeeded: rng.next()) }
            let c16 = (0..<n).map { _ in rng.chance(10) ? UInt16.max : UInt16(truncatingIfNeeded: rng.next()) }
            let c32 = (0..<n).map { _ in rng.chance(10) ? UInt32.max : rng.chance(10) ? 0 : UInt32(truncatingIfNeeded: rng.next()) }
            let flags0 = (0..<n).map { _ in rng.chance(40) ? 0 : rng.chance(50) ? 1 : UInt8(truncatingIfNeeded: rng.next()) | 1 }
            let thresholds: [UInt32] = [0, 1, 2, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFF_FFFF, 0x8000_0000,
                                        .max - 1, .max, UInt32(rng.below(256)), UInt32(rng.below(65536)),
                                        UInt32(truncatingIfNeeded: rng.next())]
            func ref(_ codes: [UInt32], _ t: UInt32, or: Bool) -> [UInt8] {
                zip(flags0, codes).map { f, c in (or ? (f != 0 || c >= t) : (f != 0 && c >= t)) ? 1 : 0 }
            }
            forEachISA { isa in
                for t in thresholds {
                    for or in [false, true] {
                        var f = flags0
                        if or { cmk_flags_or_codes_u8(c8, n, t, &f) } else { cmk_flags_and_codes_u8(c8, n, t, &f) }
                        #expect(f == ref(c8.map { UInt32($0) }, t, or: or), "isa \(isa) u8 n \(n) t \(t) or \(or)")
                        f = flags0
                        if or { cmk_flags_or_codes_u16(c16, n, t, &f) } else { cmk_flags_and_codes_u16(c16, n, t, &f) }
                        #expect(f == ref(c16.map { UInt32($0) }, t, or: or), "isa \(isa) u16 n \(n) t \(t) or \(or)")
                        f = flags0
                        if or { cmk_flags_or_codes_u32(c32, n, t, &f) } else { cmk_flags_and_codes_u32(c32, n, t, &f) }
                        #expect(f == ref(c32, t, or: or), "isa \(isa) u32 n \(n) t \(t) or \(or)")
                    }
                    // Tallies: counts += (code >= t), wrapping at 256 (flags0 as the starting counts).
                    func tally(_ codes: [UInt32]) -> [UInt8] { zip(flags0, codes).map { f, c in f &+ (c >= t ? 1 : 0) } }
                    var f = flags0
                    cmk_tally_codes_u8(c8, n, t, &f)
                    #expect(f == tally(c8.map { UInt32($0) }), "isa \(isa) tally u8 n \(n) t \(t)")
                    f = flags0
                    cmk_tally_codes_u16(c16, n, t, &f)
                    #expect(f == tally(c16.map { UInt32($0) }), "isa \(isa) tally u16 n \(n) t \(t)")
                    f = flags0
                    cmk_tally_codes_u32(c32, n, t, &f)
                    #expect(f == tally(c32), "isa \(isa) tally u32 n \(n) t \(t)")
                }
            }
        }
    }

    @Test func transposeMatchesReference() {
        // Shapes around the 8x8 / 4x4 blocks and the 32x256 tiles, padded strides; what lies
        // outside the destination tile must stay untouched.
        var rng = SplitMix64(seed: 11)
        func check<T: FixedWidthInteger>(_: T.Type, rows: Int, cols: Int,
                                         _ call: (UnsafePointer<T>, Int, Int, Int, UnsafeMutablePointer<T>, Int) -> Void) {
            let ss = cols + rng.below(9), ds = rows + rng.below(9)
            let src = (0..<(rows * ss)).map { _ in T(truncatingIfNeeded: rng.next()) }
            var dst = [T](repeating: T.max, count: max(1, cols * ds))
            src.withUnsafeBufferPointer { s in dst.withUnsafeMutableBufferPointer { d in call(s.baseAddress ?? UnsafePointer(d.baseAddress!), ss, rows, cols, d.baseAddress!, ds) } }
            var expected = [T](repeating: T.max, count: max(1, cols * ds))
            for r in 0..<rows { for c in 0..<cols { expected[c * ds + r] = src[r * ss + c] } }
            #expect(dst == expected, "\(T.self) rows \(rows) cols \(cols) strides \(ss)/\(ds)")
        }
        for (rows, cols) in [(0, 5), (5, 0), (1, 1), (8, 8), (7, 9), (32, 256), (33, 257), (64, 600), (41, 4275)]
            + (0..<40).map({ _ in (rng.below(80), rng.below(700)) }) {
            check(UInt16.self, rows: rows, cols: cols) { cmk_transpose_u16($0, $1, $2, $3, $4, $5) }
            check(UInt32.self, rows: rows, cols: cols) { cmk_transpose_u32($0, $1, $2, $3, $4, $5) }
        }
    }

    @Test func crc32cAgainstSlicingBy8() {
        // Every length 0...10000 at a random alignment: each ISA against the scalar level's
        // portable slicing-by-8, and the chaining property at a random cut.
        var rng = SplitMix64(seed: 10)
        let data = (0..<(10_000 + 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let cases = (0...10_000).map { len in (len: len, start: rng.below(64), cut: rng.below(len + 1)) }
        let saved = cmk_active_isa()
        defer { _ = cmk_force_isa(saved) }
        _ = cmk_force_isa(0)
        let portable = data.withUnsafeBytes { raw in cases.map { cmk_crc32c(0, raw.baseAddress! + $0.start, $0.len) } }
        #expect(portable[9] == refCRC32C(Array(data[cases[9].start..<(cases[9].start + 9)])))
        #expect(portable[10_000] == refCRC32C(Array(data[cases[10_000].start..<(cases[10_000].start + 10_000)])))
        forEachISA { isa in
            data.withUnsafeBytes { raw in
                let base = raw.baseAddress!
                for (c, expected) in zip(cases, portable) {
                    let whole = cmk_crc32c(0, base + c.start, c.len)
                    #expect(whole == expected, "isa \(isa) start \(c.start) len \(c.len)")
                    let first = cmk_crc32c(0, base + c.start, c.cut)
                    #expect(cmk_crc32c(first, base + c.start + c.cut, c.len - c.cut) == expected, "isa \(isa) len \(c.len) cut \(c.cut)")
                }
            }
        }
        // Long buffers (the three-way split's multipliers are composed from many table entries).
        let big = (0..<(3 << 20)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let lengths = [24 * 4096, 100_003, 1_000_001, (3 << 20) - 5]
        _ = cmk_force_isa(0)
        let bigPortable = big.withUnsafeBytes { raw in lengths.map { cmk_crc32c(0, raw.baseAddress! + 5, $0) } }
        forEachISA { isa in
            big.withUnsafeBytes { raw in
                for (len, expected) in zip(lengths, bigPortable) {
                    #expect(cmk_crc32c(0, raw.baseAddress! + 5, len) == expected, "isa \(isa) len \(len)")
                }
            }
        }
    }
}
