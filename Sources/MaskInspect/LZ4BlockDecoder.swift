/// A pure-Swift decoder of the LZ4 *block* format (lz4/doc/lz4_Block_format.md), used by the
/// dumper to check that every compressed block decodes to exactly its raw size without
/// going through `SegmentReader` (which refuses a file whose directories are damaged) and
/// without importing CLZ4 (only MaskStorage may). It is also a second, independent
/// implementation of the spec: the tests check it against liblz4's output on real segments.
///
/// A block is a series of sequences: a token byte (high nibble: literal length, low
/// nibble: match length − 4; 15 means "more length bytes follow, each added, until one is
/// not 255"), the literals, then — except in the last sequence — a 2-byte little-endian
/// match offset (1...65535, back into the output) and the match length extension. Matches
/// may overlap their own output (offset < length), so they are copied byte by byte.
///
/// - Complexity: O(raw size); no allocation beyond the output.
public enum LZ4BlockDecoder {
    /// Why a block did not decode.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Decodes `src` into exactly `rawSize` bytes.
    public static func decode(_ src: UnsafeRawBufferPointer, rawSize: Int) -> Result<[UInt8], Failure> {
        var out = [UInt8]()
        out.reserveCapacity(rawSize)
        var i = 0
        let n = src.count
        func fail(_ s: String) -> Result<[UInt8], Failure> { .failure(Failure(reason: s)) }
        if n == 0 { return rawSize == 0 ? .success([]) : fail("empty block for \(rawSize) raw bytes") }
        while true {
            guard i < n else { return fail("truncated: no token at input byte \(i)") }
            let token = src[i]; i += 1
            var literals = Int(token >> 4)
            if literals == 15 {
                while true {
                    guard i < n else { return fail("truncated literal length") }
                    let b = src[i]; i += 1
                    literals += Int(b)
                    if b != 255 { break }
                }
            }
            guard literals <= n - i else { return fail("literals run past the input (\(literals) at input byte \(i))") }
            guard literals <= rawSize - out.count else { return fail("output exceeds the raw size \(rawSize)") }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: src[i..<(i + literals)]))
            i += literals
            if i == n { break }  // the last sequence has no match
            guard n - i >= 2 else { return fail("truncated match offset at input byte \(i)") }
            let offset = Int(src[i]) | Int(src[i + 1]) << 8
            i += 2
            guard offset > 0, offset <= out.count else { return fail("match offset \(offset) outside the output (\(out.count) bytes)") }
            var length = Int(token & 15)
            if length == 15 {
                while true {
                    guard i < n else { return fail("truncated match length") }
                    let b = src[i]; i += 1
                    length += Int(b)
                    if b != 255 { break }
                }
            }
            length += 4
            guard length <= rawSize - out.count else { return fail("output exceeds the raw size \(rawSize)") }
            let start = out.count - offset
            for k in 0..<length { out.append(out[start + k]) }
        }
        guard out.count == rawSize else { return fail("decoded \(out.count) bytes, raw size is \(rawSize)") }
        return .success(out)
    }
}
