import MaskFormat

/// Checks input pixels and converts them to stored codes (CONTRACT.md section 1):
/// NaN/±Inf and values outside [0, 1] are errors (with `clip`, values — and infinities —
/// are clipped into [0, 1]; NaN stays an error); -0.0 is stored as +0.0; float → uint8 keeps
/// the nearest level `round(v * 255)` with ties to even; float → float16 the nearest
/// float16 (ties to even); uint8 → float stores `Double(q) / 255.0` rounded to the format.
struct PixelEncoder {
    let input: NpyHeader.ElementType
    let bigEndian: Bool
    let output: PixelFormat
    let clip: Bool

    /// The first bad pixel of a chunk: its index in the chunk and its value.
    struct BadPixel: Error {
        var index: Int
        var value: Double
    }

    /// Converts `count` pixels from `src` into `dst` (count × output.bytesPerPixel bytes).
    /// - Complexity: O(count).
    func encode(_ src: UnsafeRawBufferPointer, count: Int, into dst: UnsafeMutableRawBufferPointer) throws(BadPixel) {
        if input == .uint8 {
            let s = src.bindMemory(to: UInt8.self)
            switch output {
            case .uint8:
                dst.baseAddress!.copyMemory(from: src.baseAddress!, byteCount: count)
            case .float16:
                let table = (0...255).map { Float16(Double($0) / 255.0) }
                let d = dst.bindMemory(to: Float16.self)
                for i in 0..<count { d[i] = table[Int(s[i])] }
            case .float32:
                let table = (0...255).map { Float(Double($0) / 255.0) }
                let d = dst.bindMemory(to: Float.self)
                for i in 0..<count { d[i] = table[Int(s[i])] }
            }
            return
        }
        switch input {
        case .float16: try convert(src, count: count, into: dst) { p, i in
            var bits = p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
            if bigEndian { bits = bits.byteSwapped }
            return Double(Float16(bitPattern: bits))
        }
        case .float32: try convert(src, count: count, into: dst) { p, i in
            var bits = p.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
            if bigEndian { bits = bits.byteSwapped }
            return Double(Float(bitPattern: bits))
        }
        case .float64: try convert(src, count: count, into: dst) { p, i in
            var bits = p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
            if bigEndian { bits = bits.byteSwapped }
            return Double(bitPattern: bits)
        }
        case .uint8: break
        }
    }

    @inline(__always)
    private func convert(_ src: UnsafeRawBufferPointer, count: Int, into dst: UnsafeMutableRawBufferPointer,
                         _ load: (UnsafeRawBufferPointer, Int) -> Double) throws(BadPixel) {
        // Widening float16/float32 to Double is exact, so converting from the Double is the
        // same as converting from the original (no double rounding).
        switch output {
        case .uint8:
            let d = dst.bindMemory(to: UInt8.self)
            for i in 0..<count {
                let v = try checked(load(src, i), index: i)
                d[i] = UInt8((v * 255).rounded(.toNearestOrEven))
            }
        case .float16:
            let d = dst.bindMemory(to: UInt16.self)
            for i in 0..<count {
                let v = try checked(load(src, i), index: i)
                d[i] = Float16(v).bitPattern
            }
        case .float32:
            let d = dst.bindMemory(to: UInt32.self)
            for i in 0..<count {
                let v = try checked(load(src, i), index: i)
                d[i] = Float(v).bitPattern
            }
        }
    }

    @inline(__always)
    private func checked(_ v: Double, index: Int) throws(BadPixel) -> Double {
        if v >= 0 && v <= 1 { return v == 0 ? 0 : v }   // also maps -0.0 to +0.0
        if clip && !v.isNaN { return v < 0 ? 0 : 1 }
        throw BadPixel(index: index, value: v)
    }
}
