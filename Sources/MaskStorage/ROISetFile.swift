import MaskFormat

/// A named ROI set on disk (Format/roi.md): `\x89MSKROI\n`, u32 version (1), u8 key
/// (1 image_id, 2 mask_id), 3 reserved zero bytes, u64 box count, the name (u16 length +
/// UTF-8), then per box five i64 (id, x0, y0, x1, y1) sorted by id, then a u32 CRC-32C of
/// all preceding bytes.
enum ROISetFile {
    static let magic: [UInt8] = [0x89, 0x4D, 0x53, 0x4B, 0x52, 0x4F, 0x49, 0x0A]

    static func encode(_ set: ROISet) -> [UInt8] {
        var w = ByteWriter(capacity: 32 + set.boxes.count * 40)
        w.raw(magic)
        w.u32(1)
        w.u8(set.key.rawValue)
        w.zeros(3)
        w.u64(UInt64(set.boxes.count))
        w.shortString(set.name)
        for id in set.boxes.keys.sorted() {
            let b = set.boxes[id]!
            w.i64(id); w.i64(Int64(b.x0)); w.i64(Int64(b.y0)); w.i64(Int64(b.x1)); w.i64(Int64(b.y1))
        }
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws(FormatError) -> ROISet {
        let s = "ROI set"
        guard bytes.count >= 30, Array(bytes[0..<8]) == magic else {
            throw FormatError(.badMagic, structure: s, file: file, offset: 0)
        }
        let stored = loadLittleEndian(UInt32.self, from: bytes, at: bytes.count - 4)
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)]))
        guard stored == computed else {
            throw FormatError(.checksumMismatch, structure: s, file: file, offset: UInt64(bytes.count - 4),
                              detail: "stored \(hex32(stored)), computed \(hex32(computed))")
        }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)]), at: 8, structure: s)
        let version = try r.u32()
        guard version == 1 else { throw FormatError(.unsupportedVersion, structure: s, file: file, offset: 8) }
        guard let key = ROISet.Key(rawValue: try r.u8()) else {
            throw FormatError(.invalidField, structure: s, file: file, offset: 12, detail: "key kind")
        }
        try r.skip(3)
        let count = Int(try r.u64())
        let name = try r.shortString()
        guard count <= (bytes.count / 40) else { throw FormatError(.outOfBounds, structure: s, file: file, detail: "\(count) boxes") }
        var boxes: [Int64: PixelBox] = [:]
        boxes.reserveCapacity(count)
        for _ in 0..<count {
            let id = try r.i64()
            let b = PixelBox(x0: Int(try r.i64()), y0: Int(try r.i64()), x1: Int(try r.i64()), y1: Int(try r.i64()))
            boxes[id] = b
        }
        return ROISet(name: name, key: key, boxes: boxes)
    }
}
