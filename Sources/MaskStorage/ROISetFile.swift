import MaskFormat

/// A named ROI set on disk (Format/roi.md): `ROISet` in and out of the layout that
/// `ROISetLayout` (MaskFormat) encodes and checks.
enum ROISetFile {
    static func encode(_ set: ROISet) -> [UInt8] {
        ROISetLayout.encode(name: set.name, key: set.key.rawValue,
                            boxes: set.boxes.sorted.map { ROISetLayout.Box(id: $0.id, box: $0.box) })
    }

    /// The set in `file`, its boxes read in place: the frame checked by `ROISetLayout` (CRC of
    /// the whole file), then that ids increase strictly (the binary search relies on it).
    /// - Complexity: O(file bytes); no per-box allocation.
    static func decode(_ file: MappedFile) throws(FormatError) -> ROISet {
        let content = try ROISetLayout.decode(file.bytes, file: file.path)
        guard let key = ROISet.Key(rawValue: content.key) else {
            throw FormatError(.invalidField, structure: "ROI set", file: file.path, offset: 12, detail: "key kind")
        }
        if let i = content.boxes.firstUnsorted() {
            throw FormatError(.invalidField, structure: "ROI set box \(i)", file: file.path,
                              detail: "id \(content.boxes.id(at: i)) after \(content.boxes.id(at: i - 1)): ids must increase strictly")
        }
        return ROISet(name: content.name, key: key, boxes: ROIBoxes(mapped: content.boxes, in: file))
    }
}
