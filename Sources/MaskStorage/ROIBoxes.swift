import MaskFormat

/// The boxes of an ROI set by id: in memory (a set being loaded from CSV, tables built by
/// tests), or read in place from the mapping of an ROI set file (`ROISetLayout.Boxes`,
/// records sorted by id), so that a database's sets cost nothing until a query names them
/// and no hash table is built from them.
public struct ROIBoxes: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    private enum Storage: @unchecked Sendable {
        case memory([Int64: PixelBox])
        /// The records, and the mapping that must outlive them.
        case mapped(ROISetLayout.Boxes, MappedFile)
    }

    private let storage: Storage

    public init(_ boxes: [Int64: PixelBox]) { storage = .memory(boxes) }

    public init(dictionaryLiteral elements: (Int64, PixelBox)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }

    /// Records of `file`, sorted by strictly increasing id (checked by the caller).
    init(mapped records: ROISetLayout.Boxes, in file: MappedFile) { storage = .mapped(records, file) }

    public var count: Int {
        switch storage {
        case .memory(let d): return d.count
        case .mapped(let r, _): return r.count
        }
    }

    /// The box of `id`, or nil.
    /// - Complexity: O(1) in memory, O(log count) read in place (binary search).
    public subscript(id: Int64) -> PixelBox? {
        switch storage {
        case .memory(let d): return d[id]
        case .mapped(let r, _): return r.box(id: id)
        }
    }

    /// Every (id, box), sorted by id.
    /// - Complexity: O(count log count) in memory, O(count) read in place.
    public var sorted: [(id: Int64, box: PixelBox)] {
        switch storage {
        case .memory(let d): return d.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        case .mapped(let r, _): return r.map { ($0.id, $0.box) }
        }
    }

    /// Equal when they hold the same boxes. - Complexity: O(count log count).
    public static func == (a: ROIBoxes, b: ROIBoxes) -> Bool {
        a.count == b.count && zip(a.sorted, b.sorted).allSatisfy { $0.id == $1.id && $0.box == $1.box }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for (id, box) in sorted {
            hasher.combine(id)
            hasher.combine(box)
        }
    }
}
