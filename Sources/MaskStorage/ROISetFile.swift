import MaskFormat

/// A named ROI set on disk (Format/roi.md): `ROISet` in and out of the layout that
/// `ROISetLayout` (MaskFormat) encodes and checks.
enum ROISetFile {
    static func encode(_ set: ROISet) -> [UInt8] {
        ROISetLayout.encode(name: set.name, key: set.key.rawValue,
                            boxes: set.boxes.map { ROISetLayout.Box(id: $0.key, box: $0.value) })
    }

    /// - Complexity: O(boxes) (a CRC pass and a hash insertion per box).
    static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws(FormatError) -> ROISet {
        let content = try ROISetLayout.decode(bytes, file: file)
        guard let key = ROISet.Key(rawValue: content.key) else {
            throw FormatError(.invalidField, structure: "ROI set", file: file, offset: 12, detail: "key kind")
        }
        var boxes: [Int64: PixelBox] = [:]
        boxes.reserveCapacity(content.boxes.count)
        for i in content.boxes.indices {
            let b = content.boxes[i]
            boxes[b.id] = b.box
        }
        return ROISet(name: content.name, key: key, boxes: boxes)
    }
}
