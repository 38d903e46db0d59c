import MaskFormat

/// Counts the stored codes `c` with `interval.lo <= c < interval.hi` in a box of `rows` image rows
/// of `cols` codes each, starting at `base`, rows `stride` codes apart.
///
/// The only place pixels are counted: when the C SIMD kernels land this becomes a call to
/// `cmk_count_box_u8/u16/u32(base, stride, cols, rows, lo, hi)`.
/// Codes are little-endian in storage; this loop loads them in host order (x86-64 and arm64 are
/// little-endian, like the C kernels assume).
///
/// Algorithm: one branch-free unsigned comparison per code, `(c - lo) < (hi - lo)` in wrapping
/// 32-bit arithmetic, its truth taken as the sign bit of a 64-bit difference, so the optimiser can
/// vectorise the loop (random masks make a branch unpredictable). - Complexity: O(rows × cols).
@inline(__always)
func countCodes(_ base: UnsafeRawPointer, format: PixelFormat, cols: Int, rows: Int, stride: Int,
                interval: CodeInterval) -> Int {
    if interval.isEmpty || cols <= 0 || rows <= 0 { return 0 }
    let lo = interval.lo
    let width = UInt64(interval.hi &- interval.lo)
    var total = 0
    switch format {
    case .uint8:
        let p = base.assumingMemoryBound(to: UInt8.self)
        for y in 0..<rows {
            let r = p + y * stride
            var n = 0
            for x in 0..<cols { n &+= Int(truncatingIfNeeded: (UInt64(UInt32(r[x]) &- lo) &- width) >> 63) }
            total &+= n
        }
    case .float16:
        let p = base.assumingMemoryBound(to: UInt16.self)
        for y in 0..<rows {
            let r = p + y * stride
            var n = 0
            for x in 0..<cols { n &+= Int(truncatingIfNeeded: (UInt64(UInt32(UInt16(littleEndian: r[x])) &- lo) &- width) >> 63) }
            total &+= n
        }
    case .float32:
        let p = base.assumingMemoryBound(to: UInt32.self)
        for y in 0..<rows {
            let r = p + y * stride
            var n = 0
            for x in 0..<cols { n &+= Int(truncatingIfNeeded: (UInt64(UInt32(littleEndian: r[x]) &- lo) &- width) >> 63) }
            total &+= n
        }
    }
    return total
}
