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

    /// Masks made on demand, a chunk at a time (image files decoded by the CLI): only one
    /// chunk is held in memory, whatever the count.
    case producer(MaskProducer)

    /// The process's standard input as an `.npy` stream (`masksearch ingest DB -`).
    public static let standardInput = IngestSource.stream(fd: 0, name: "standard input")
}

/// Masks the caller makes on demand: `count` masks of `height` × `width` elements of
/// `elementType`. `Ingester` calls `fill(first, k, buffer)` for consecutive chunks, in order,
/// with a buffer of `k · height · width · elementType.size` bytes to fill with masks
/// `first..<first + k`, C order, little-endian. An error `fill` throws stops the ingest, which
/// then commits nothing. Memory: one chunk (`Ingester.Options.chunkMasks` masks) at a time.
public final class MaskProducer: @unchecked Sendable, Equatable {
    public typealias Fill = (_ first: Int, _ count: Int, _ buffer: UnsafeMutableRawBufferPointer) throws(StorageError) -> Void

    public let count: Int
    public let height: Int
    public let width: Int
    public let elementType: NpyHeader.ElementType
    /// What errors call the input.
    public let name: String
    public let fill: Fill

    public init(count: Int, height: Int, width: Int, elementType: NpyHeader.ElementType, name: String, fill: @escaping Fill) {
        self.count = count
        self.height = height
        self.width = width
        self.elementType = elementType
        self.name = name
        self.fill = fill
    }

    /// Producers are equal when they are the same object.
    public static func == (a: MaskProducer, b: MaskProducer) -> Bool { a === b }
}
