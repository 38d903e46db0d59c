import CMaskKernels

/// CRC-32C (Castagnoli), the checksum of every block, section, header and footer of the
/// on-disk formats. Computed by `cmk_crc32c` (SSE4.2 `crc32` instruction when available,
/// slicing-by-8 tables otherwise; identical results).
public enum CRC32C {
    /// The checksum of `buffer`, or its continuation from `previous`.
    /// - Complexity: O(n), about 8+ GB/s with SSE4.2.
    public static func checksum(_ buffer: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return previous }
        return cmk_crc32c(previous, base, buffer.count)
    }

    public static func checksum(_ bytes: [UInt8], continuing previous: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: previous) }
    }

    public static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
