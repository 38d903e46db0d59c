/// CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF),
/// as PNG chunks and zlib's `crc32` use it. Table-driven, one byte per step.
struct CRC32 {
    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    private(set) var state: UInt32 = 0xFFFF_FFFF

    mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let table = Self.table
        for byte in bytes { state = table[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8) }
    }

    var value: UInt32 { state ^ 0xFFFF_FFFF }

    /// - Complexity: O(n).
    static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}

/// Adler-32 (RFC 1950 section 8.2), the checksum that ends a zlib stream: two sums modulo
/// 65521, reduced every 5552 bytes (the most that cannot overflow 32 bits).
enum Adler32 {
    /// - Complexity: O(n).
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            let end = min(index + 5552, bytes.count)
            for k in index..<end {
                a &+= UInt32(bytes[k])
                b &+= a
            }
            a %= 65521
            b %= 65521
            index = end
        }
        return (b << 16) | a
    }
}
