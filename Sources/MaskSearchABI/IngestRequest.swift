import MaskFormat
import MaskStorage

/// The C struct `ms_ingest_request` (masksearch.h), read through a raw pointer at its C
/// offsets (x86-64 and AArch64 System V: natural alignment):
///
/// | offset | size | field                      |
/// |-------:|-----:|----------------------------|
/// |      0 |    8 | `const void *data`         |
/// |      8 |    8 | `int64_t count`            |
/// |     16 |    8 | `int64_t height`           |
/// |     24 |    8 | `int64_t width`            |
/// |     32 |    4 | `int32_t element_type`     |
/// |     36 |    4 | `int32_t storage`          |
/// |     40 |    4 | `int32_t clip`             |
/// |     44 |    4 | padding                    |
/// |     48 |    8 | `const char *meta_csv`     |
public struct IngestRequest {
    public static let size = 56
    public static let dataOffset = 0, countOffset = 8, heightOffset = 16, widthOffset = 24
    public static let elementTypeOffset = 32, storageOffset = 36, clipOffset = 40, metaOffset = 48

    var buffer: MaskBuffer
    var options: Ingester.Options

    /// The `ms_dtype` values, in order.
    static let elementTypes: [NpyHeader.ElementType] = [.uint8, .float16, .float32, .float64]
    static let storageFormats: [PixelFormat] = [.uint8, .float16, .float32]

    /// Decodes and checks the request's arguments (pointers, dtype codes, a shape whose
    /// byte size fits in memory); the values themselves are checked by the ingest.
    init(_ request: UnsafeRawPointer?) throws(ABIError) {
        let f = "ms_ingest"
        guard let r = request else { throw ABIError.argument(f, "request is NULL") }
        guard let data = r.loadUnaligned(fromByteOffset: Self.dataOffset, as: UnsafeRawPointer?.self) else {
            throw ABIError.argument(f, "request.data is NULL")
        }
        let dims = [Self.countOffset, Self.heightOffset, Self.widthOffset].map { r.loadUnaligned(fromByteOffset: $0, as: Int64.self) }
        let type = r.loadUnaligned(fromByteOffset: Self.elementTypeOffset, as: Int32.self)
        let storage = r.loadUnaligned(fromByteOffset: Self.storageOffset, as: Int32.self)
        guard (0..<4).contains(type) else { throw ABIError.argument(f, "element_type \(type) is not an ms_dtype") }
        guard storage == -1 || (0..<3).contains(storage) else {
            throw ABIError.argument(f, "storage \(storage) is not -1, MS_UINT8, MS_FLOAT16 or MS_FLOAT32")
        }
        buffer = MaskBuffer(base: data, count: Int(dims[0]), height: Int(dims[1]), width: Int(dims[2]),
                            elementType: Self.elementTypes[Int(type)])
        guard dims[0] >= 0, dims[1] > 0, dims[2] > 0, buffer.byteCount != nil else {
            throw ABIError.argument(f, "shape (\(dims[0]), \(dims[1]), \(dims[2])) is not N >= 0, H > 0, W > 0 of a size that fits in memory")
        }
        options = Ingester.Options()
        options.pixelFormat = storage < 0 ? nil : Self.storageFormats[Int(storage)]
        options.clip = r.loadUnaligned(fromByteOffset: Self.clipOffset, as: Int32.self) != 0
        if let meta = r.loadUnaligned(fromByteOffset: Self.metaOffset, as: UnsafePointer<CChar>?.self) {
            options.meta = .text(String(cString: meta), name: "meta")
        }
    }
}
