/// The framing of the manifest (`MANIFEST`), version 1 (Format/manifest.md): the one place
/// that knows it (MaskStorage's `Manifest` encodes the JSON inside, the dumper reads the
/// constants).
///
/// `\x89MSKMAN\n` (8), u32 version (1), u32 JSON length n, n bytes of UTF-8 JSON, u32 CRC-32C
/// of all preceding bytes; nothing after it.
public enum ManifestLayout {
    public static let magic: [UInt8] = [0x89, 0x4D, 0x53, 0x4B, 0x4D, 0x41, 0x4E, 0x0A]
    public static let version: UInt32 = 1
    /// Bytes before the JSON: magic, version, length.
    public static let headerSize = 16
    /// The smallest file: the header, empty JSON and the CRC.
    public static let minimumSize = 20

    /// Byte offsets of the header's fields; the JSON starts at `headerSize`, its CRC follows it.
    public enum Offset {
        public static let magic = 0
        public static let version = 8
        public static let jsonLength = 12
    }

    /// The file's bytes around `json`.
    public static func frame(json: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: json.count + minimumSize)
        w.raw(magic)
        w.u32(version)
        w.u32(UInt32(json.count))
        w.raw(json)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// The JSON inside a file, its frame checked: magic, version, length, CRC, no trailing bytes.
    /// - Complexity: O(file bytes).
    public static func json(in bytes: UnsafeRawBufferPointer, file: String) throws(FormatError) -> UnsafeRawBufferPointer {
        let s = "manifest"
        guard bytes.count >= minimumSize, Array(bytes[0..<8]) == magic else {
            throw FormatError(.badMagic, structure: s, file: file, offset: 0)
        }
        var r = ByteReader(bytes, at: Offset.version, structure: s)
        let v = try r.u32()
        guard v == version else {
            throw FormatError(.unsupportedVersion, structure: s, file: file, offset: UInt64(Offset.version), detail: "version \(v)")
        }
        let n = Int(try r.u32())
        guard n <= bytes.count - minimumSize else {
            throw FormatError(.outOfBounds, structure: s, file: file, offset: UInt64(Offset.jsonLength), detail: "JSON length \(n)")
        }
        let json = try r.bytes(n)
        let stored = try r.u32()
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(headerSize + n)]))
        guard stored == computed else {
            throw FormatError(.checksumMismatch, structure: s, file: file, offset: UInt64(headerSize + n),
                              detail: "stored \(hex32(stored)), computed \(hex32(computed))")
        }
        guard r.position == bytes.count else {
            throw FormatError(.invalidField, structure: s, file: file, offset: UInt64(r.position), detail: "trailing bytes")
        }
        return json
    }
}
