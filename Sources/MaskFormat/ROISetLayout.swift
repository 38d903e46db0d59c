/// The byte layout of an ROI set file (`roi-NNNNNN.msr`), version 1 (Format/roi.md), and its
/// coding: the one place that knows it (MaskStorage's `ROISetFile` adapts it to `ROISet`, the
/// dumper reads its constants).
///
/// `\x89MSKROI\n` (8), u32 version (1), u8 key (1 image_id, 2 mask_id), 3 reserved zero
/// bytes, u64 box count k, the name (u16 length n + UTF-8), k boxes of five i64 (id, x0, y0,
/// x1, y1) sorted by id, u32 CRC-32C of all preceding bytes: 30 + n + 40k bytes.
public enum ROISetLayout {
    public static let magic: [UInt8] = [0x89, 0x4D, 0x53, 0x4B, 0x52, 0x4F, 0x49, 0x0A]
    public static let version: UInt32 = 1
    /// Key byte: boxes keyed by image_id.
    public static let keyImageID: UInt8 = 1
    /// Key byte: boxes keyed by mask_id.
    public static let keyMaskID: UInt8 = 2
    /// Bytes of a box record: id, x0, y0, x1, y1 as i64.
    public static let boxSize = 40
    /// The smallest file: the fixed fields, an empty name and the CRC.
    public static let minimumSize = 30

    /// Byte offsets of the fixed fields; the boxes follow the name.
    public enum Offset {
        public static let magic = 0
        public static let version = 8
        public static let key = 12
        /// 3 reserved bytes, zero.
        public static let reserved = 13
        public static let count = 16
        /// u16 length + UTF-8.
        public static let name = 24
    }

    /// One box record.
    public struct Box: Sendable, Equatable {
        public var id: Int64
        public var box: PixelBox
        public init(id: Int64, box: PixelBox) {
            self.id = id
            self.box = box
        }
    }

    /// The box records of a file, read in place (valid while the bytes they view are).
    public struct Boxes: RandomAccessCollection, @unchecked Sendable {
        let records: UnsafeRawBufferPointer
        public var startIndex: Int { 0 }
        public var endIndex: Int { records.count / ROISetLayout.boxSize }

        /// Record `i`. - Complexity: O(1).
        public subscript(i: Int) -> Box {
            Box(id: field(i, 0), box: PixelBox(x0: Int(field(i, 1)), y0: Int(field(i, 2)), x1: Int(field(i, 3)), y1: Int(field(i, 4))))
        }

        /// The id of record `i`. - Complexity: O(1).
        @inline(__always)
        public func id(at i: Int) -> Int64 { field(i, 0) }

        /// The box of `id`, by binary search: the records must be sorted by strictly increasing
        /// id (`firstUnsorted()` is nil), as the format requires.
        /// - Complexity: O(log count).
        public func box(id: Int64) -> PixelBox? {
            var lo = 0, hi = count
            while lo < hi {
                let mid = (lo + hi) / 2
                if self.id(at: mid) < id { lo = mid + 1 } else { hi = mid }
            }
            guard lo < count, self.id(at: lo) == id else { return nil }
            return self[lo].box
        }

        /// The first record whose id is not greater than the one before, or nil.
        /// - Complexity: O(count).
        public func firstUnsorted() -> Int? {
            guard count > 1 else { return nil }
            return (1..<count).first { id(at: $0) <= id(at: $0 - 1) }
        }

        @inline(__always)
        private func field(_ i: Int, _ k: Int) -> Int64 {
            Int64(bitPattern: loadLittleEndian(UInt64.self, from: records, at: i * ROISetLayout.boxSize + 8 * k))
        }
    }

    /// The content of a file: the name and key decoded, the boxes viewed in place.
    public struct Content: Sendable {
        public var name: String
        public var key: UInt8
        public var boxes: Boxes
    }

    /// The file's bytes for `boxes` (sorted by id here).
    /// - Complexity: O(k log k).
    public static func encode(name: String, key: UInt8, boxes: [Box]) -> [UInt8] {
        var w = ByteWriter(capacity: 32 + name.utf8.count + boxes.count * boxSize)
        w.raw(magic)
        w.u32(version)
        w.u8(key)
        w.zeros(3)
        w.u64(UInt64(boxes.count))
        w.shortString(name)
        for b in boxes.sorted(by: { $0.id < $1.id }) {
            w.i64(b.id); w.i64(Int64(b.box.x0)); w.i64(Int64(b.box.y0)); w.i64(Int64(b.box.x1)); w.i64(Int64(b.box.y1))
        }
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// Decodes and checks a file: magic, CRC, version, key, box count against the length; the
    /// boxes are viewed in place in `bytes`.
    /// - Complexity: O(file bytes) (the CRC).
    public static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws(FormatError) -> Content {
        let s = "ROI set"
        guard bytes.count >= minimumSize, Array(bytes[0..<8]) == magic else {
            throw FormatError(.badMagic, structure: s, file: file, offset: 0)
        }
        let stored = loadLittleEndian(UInt32.self, from: bytes, at: bytes.count - 4)
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)]))
        guard stored == computed else {
            throw FormatError(.checksumMismatch, structure: s, file: file, offset: UInt64(bytes.count - 4),
                              detail: "stored \(hex32(stored)), computed \(hex32(computed))")
        }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)]), at: Offset.version, structure: s)
        guard try r.u32() == version else { throw FormatError(.unsupportedVersion, structure: s, file: file, offset: UInt64(Offset.version)) }
        let key = try r.u8()
        guard key == keyImageID || key == keyMaskID else {
            throw FormatError(.invalidField, structure: s, file: file, offset: UInt64(Offset.key), detail: "key kind")
        }
        try r.skip(3)
        let count = Int(try r.u64())
        let name = try r.shortString()
        guard count <= bytes.count / boxSize else { throw FormatError(.outOfBounds, structure: s, file: file, detail: "\(count) boxes") }
        return Content(name: name, key: key, boxes: Boxes(records: try r.bytes(count * boxSize)))
    }
}
