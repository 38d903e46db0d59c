/// Masks held in memory by the caller (a NumPy array handed over the C ABI): `count`
/// masks of `height` × `width` elements, C order, little-endian, starting at `base`.
/// `Ingester` reads them in place, a chunk at a time (no copy of the whole, no temporary
/// file). The memory must stay valid and unchanged for the duration of the ingest.
public struct MaskBuffer: @unchecked Sendable, Equatable {
    public var base: UnsafeRawPointer
    public var count: Int
    public var height: Int
    public var width: Int
    public var elementType: NpyHeader.ElementType
    /// What errors call the buffer ("array: mask 3, pixel (row 1, col 2): ...").
    public var name: String

    public init(base: UnsafeRawPointer, count: Int, height: Int, width: Int,
                elementType: NpyHeader.ElementType, name: String = "array") {
        self.base = base
        self.count = count
        self.height = height
        self.width = width
        self.elementType = elementType
        self.name = name
    }

    /// The buffer's size in bytes, or nil when a dimension is not positive (count may be 0)
    /// or the product overflows.
    public var byteCount: Int? {
        MaskBuffer.byteCount(count: count, height: height, width: width, elementType: elementType)
    }

    /// The size in bytes of `count` masks of `height` × `width` elements of `elementType`, or nil
    /// when a dimension is not positive (count may be 0) or the product overflows. - Complexity: O(1).
    static func byteCount(count: Int, height: Int, width: Int, elementType: NpyHeader.ElementType) -> Int? {
        guard count >= 0, height > 0, width > 0 else { return nil }
        var total = elementType.size
        for factor in [height, width, count] {
            let (product, overflow) = total.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            total = product
        }
        return total
    }
}

/// Where one input of an ingest comes from.
public enum IngestSource: Sendable, Equatable {
    /// An `.npy` file, a directory of `.npy` files, or a raw dump (`Ingester.Options.raw`).
    case path(String)
    /// Masks in memory, read in place.
    case buffer(MaskBuffer)
    /// An `.npy` stream read sequentially from the open file descriptor `fd` (a pipe works:
    /// the header first, then the data; no seek). `name` is what errors call it.
    case stream(fd: Int32, name: String)

    /// The process's standard input as an `.npy` stream (`masksearch ingest DB -`).
    public static let standardInput = IngestSource.stream(fd: 0, name: "standard input")
}
