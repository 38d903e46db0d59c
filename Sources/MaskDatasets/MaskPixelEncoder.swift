/// Stores mask values (Floats in [0, 1]) in the dataset's element type, 8 lanes at a time.
/// The renderer is generic over the encoder, so each element type gets its own loop with no
/// per-pixel branch on the type.
protocol MaskPixelEncoder {
    /// Bytes per stored pixel.
    static var byteCount: Int { get }
    /// Stores 8 values clamped to [0, 1] (`v` not NaN; -0.0 is stored as +0.0) at element
    /// offset `x` of `row`, folding into `redo` evidence that the row must be stored again with
    /// `storeExactly` (see `UInt8PixelEncoder`). The clamp is the encoder's, so that the uint8
    /// encoder can clamp the scaled value instead (see there).
    static func storeClamping(_ v: SIMD8<Float>, into row: UnsafeMutableRawPointer, at x: Int, redo: inout SIMD8<Float>)
    /// Stores 8 values already in [0, 1] (and not -0.0), same contract.
    static func store(_ v: SIMD8<Float>, into row: UnsafeMutableRawPointer, at x: Int, redo: inout SIMD8<Float>)
    /// Stores one value in [0, 1] (row tails), same contract.
    static func store(_ v: Float, into row: UnsafeMutableRawPointer, at x: Int, redo: inout Float)
    /// True when `redo` (accumulated over a row) says the row needs `storeExactly`.
    static func needsRedo(_ redo: SIMD8<Float>, _ tailRedo: Float) -> Bool
    /// Stores one value by the slow exact rule.
    static func storeExactly(_ v: Float, into row: UnsafeMutableRawPointer, at x: Int)
}

/// uint8: `q = round(v · 255)`, ties to even, with the product taken exactly.
///
/// The fast path rounds the Float product `p = fl(v · 255)` by adding 2^23, which leaves the
/// integer in the low mantissa bits. That is exact unless `p` landed exactly on a half-integer,
/// where the Float rounding of the product may have created or moved a tie. `redo` keeps the
/// largest `(p − round(p))²` seen (always <= 0.25); when it reaches 0.25 the renderer stores the
/// row again in Double, where `v · 255` is exact (24 + 8 significant bits < 53). That happens
/// to a few rows per mask. The result equals quantising the float32 dataset of the same seed
/// (CONTRACT.md section 1's float → uint8 rule).
///
/// The 8-lane path clamps the product rather than `v`: `p = min(max(fl(v · 255), 0), 255)` is
/// the same Float as `fl(min(max(v, 0), 1) · 255)` for every `v` (rounding is monotone and
/// 0 · 255, 1 · 255 are exact). Written as `p > 0 ? p : 0` and `p < 255 ? p : 255` these are
/// exactly MAXPS and MINPS; clamping `v` instead let the compiler fold the multiplication into
/// the selects and emit compare-and-blend sequences (about a quarter more instructions).
enum UInt8PixelEncoder: MaskPixelEncoder {
    /// 2^23: adding it to a Float in [0, 2^22) rounds it to an integer (ties to even).
    static let roundingBias: Float = 8_388_608
    static var byteCount: Int { 1 }

    @inline(__always)
    static func storeClamping(_ v: SIMD8<Float>, into row: UnsafeMutableRawPointer, at x: Int, redo: inout SIMD8<Float>) {
        var p = v * 255
        p = SIMD8(repeating: 0).replacing(with: p, where: p .> 0)     // also turns -0.0 into +0.0
        p = SIMD8(repeating: 255).replacing(with: p, where: p .< 255)
        storeProduct(p, into: row, at: x, redo: &redo)
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, into row: UnsafeMutableRawPointer, at x: Int, redo: inout SIMD8<Float>) {
        storeProduct(v * 255, into: row, at: x, redo: &redo)
    }

    /// Stores `round(p)` for `p = fl(v · 255)` in [0, 255].
    @inline(__always)
    private static func storeProduct(_ p: SIMD8<Float>, into row: UnsafeMutableRawPointer, at x: Int, redo: inout SIMD8<Float>) {
        let biased = p + roundingBias
        let codes = SIMD8<UInt8>(truncatingIfNeeded: unsafeBitCast(biased, to: SIMD8<UInt32>.self))
        row.storeBytes(of: codes, toByteOffset: x, as: SIMD8<UInt8>.self)
        let offset = p - (biased - roundingBias)
        let square = offset * offset
        redo.replace(with: square, where: square .> redo)
    }

    @inline(__always)
    static func store(_ v: Float, into row: UnsafeMutableRawPointer, at x: Int, redo: inout Float) {
        let p = v * 255
        let biased = p + roundingBias
        row.storeBytes(of: UInt8(truncatingIfNeeded: biased.bitPattern), toByteOffset: x, as: UInt8.self)
        let offset = p - (biased - roundingBias)
        redo = max(redo, offset * offset)
    }

    @inline(__always)
    static func needsRedo(_ redo: SIMD8<Float>, _ tailRedo: Float) -> Bool {
        let halves = redo.lowHalf.replacing(with: redo.highHalf, where: redo.highHalf .> redo.lowHalf)
        return halves[0] >= 0.25 || halves[1] >= 0.25 || halves[2] >= 0.25 || halves[3] >= 0.25 || tailRedo >= 0.25
    }

    @inline(__always)
    static func storeExactly(_ v: Float, into row: UnsafeMutableRawPointer, at x: Int) {
        row.storeBytes(of: UInt8((Double(v) * 255).rounded(.toNearestOrEven)), toByteOffset: x, as: UInt8.self)
    }
}

/// float32: the Float's bits, little-endian. Never needs a redo.
enum Float32PixelEncoder: MaskPixelEncoder {
    static var byteCount: Int { 4 }

    @inline(__always)
    static func storeClamping(_ v: SIMD8<Float>, into row: UnsafeMutableRawPointer, at x: Int, redo: inout SIMD8<Float>) {
        var clamped = SIMD8(repeating: 0).replacing(with: v, where: v .> 0)   // also turns -0.0 into +0.0
        clamped = SIMD8(repeating: 1).replacing(with: clamped, where: clamped .< 1)
        store(clamped, into: row, at: x, redo: &redo)
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, into row: UnsafeMutableRawPointer, at x: Int, redo: inout SIMD8<Float>) {
        #if _endian(big)
        for lane in 0..<8 { store(v[lane], into: row, at: x + lane, redo: &redo[lane]) }
        #else
        row.storeBytes(of: v, toByteOffset: x * 4, as: SIMD8<Float>.self)
        #endif
    }

    @inline(__always)
    static func store(_ v: Float, into row: UnsafeMutableRawPointer, at x: Int, redo: inout Float) {
        row.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: x * 4, as: UInt32.self)
    }

    @inline(__always)
    static func needsRedo(_ redo: SIMD8<Float>, _ tailRedo: Float) -> Bool { false }

    @inline(__always)
    static func storeExactly(_ v: Float, into row: UnsafeMutableRawPointer, at x: Int) {
        var ignored: Float = 0
        store(v, into: row, at: x, redo: &ignored)
    }
}
