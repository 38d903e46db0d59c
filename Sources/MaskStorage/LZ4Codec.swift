import CLZ4
import MaskFormat

/// LZ4 block compression (liblz4's block API): the only code that touches CLZ4. Public for
/// the dumper, which checks blocks without going through `SegmentReader`.
public enum LZ4Codec {
    /// Upper bound of the compressed size of `n` bytes.
    static func bound(_ n: Int) -> Int { Int(LZ4_compressBound(Int32(n))) }

    /// Compresses `src` into `dst` (which holds `bound(src.count)` bytes); returns the
    /// compressed size.
    static func compress(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) -> Int {
        Int(LZ4_compress_default(src.baseAddress!.assumingMemoryBound(to: CChar.self),
                                 dst.baseAddress!.assumingMemoryBound(to: CChar.self),
                                 Int32(src.count), Int32(dst.count)))
    }

    /// Decompresses `src` into exactly `dst.count` bytes; false if the data is damaged.
    public static func decompress(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) -> Bool {
        guard let s = src.baseAddress, let d = dst.baseAddress else { return src.count == 0 && dst.count == 0 }
        let n = LZ4_decompress_safe(s.assumingMemoryBound(to: CChar.self), d.assumingMemoryBound(to: CChar.self),
                                    Int32(src.count), Int32(dst.count))
        return Int(n) == dst.count
    }
}
