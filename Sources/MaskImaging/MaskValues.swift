import MaskFormat

/// A mask as values in [0, 1], row-major: what overlays colour. Built from stored codes with
/// `PixelFormat`'s value semantics (CONTRACT.md section 1), so an overlay shows exactly the
/// values queries compare.
public struct MaskValues: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let values: [Double]

    /// - Throws: `.invalidArgument` when `values` does not hold `width · height` entries.
    public init(width: Int, height: Int, values: [Double]) throws(ImagingError) {
        try RasterImage.checkShape(width: width, height: height, channels: 1)
        guard values.count == width * height else {
            throw ImagingError(.invalidArgument, what: "creating a \(width)×\(height) mask",
                               why: "\(values.count) values, expected \(width * height)")
        }
        self.width = width
        self.height = height
        self.values = values
    }

    /// The values of stored codes: `codes` holds `width · height` little-endian pixels of
    /// `format` (the layout `MaskTable.readPixels` fills).
    ///
    /// - Throws: `.invalidArgument` when the buffer size does not match.
    public init(width: Int, height: Int, format: PixelFormat, codes: UnsafeRawBufferPointer) throws(ImagingError) {
        let count = width * height
        guard codes.count == count * format.bytesPerPixel else {
            throw ImagingError(.invalidArgument, what: "reading a \(width)×\(height) \(format) mask",
                               why: "\(codes.count) bytes, expected \(count * format.bytesPerPixel)")
        }
        var values = [Double](repeating: 0, count: count)
        switch format {
        case .uint8:
            for i in 0..<count { values[i] = format.value(ofCode: UInt32(codes[i])) }
        case .float16:
            for i in 0..<count {
                values[i] = format.value(ofCode: UInt32(UInt16(littleEndian: codes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
            }
        case .float32:
            for i in 0..<count {
                values[i] = format.value(ofCode: UInt32(littleEndian: codes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        }
        try self.init(width: width, height: height, values: values)
    }

    /// The mask as an 8-bit grey image, value v as `round(v · 255)` (clamped).
    public func greyImage() -> RasterImage {
        RasterImage(unchecked: width, height: height, channels: 1,
                    pixels: values.map { UInt8(Colormap.entry($0)) })
    }
}
