import MaskFormat
import MaskImaging

/// `fuzz-image`: the input is an image file. It goes through the PNG decoder at its stored bit
/// depth (the mask path: 8- and 16-bit grey as v/255 and v/65535, CONTRACT.md section 8), the
/// JPEG decoder and `ImageFile.decode` (the server's and export's path, by magic number); an
/// image that decodes becomes mask values, an overlay, an augmented copy and — when small — a
/// PNG and a JPEG again. Errors are correct outcomes.
public enum ImageHarness {
    /// Decoded images above this many pixels are not re-encoded (keeps each input fast).
    static let maxReencodedPixels = 1 << 16

    /// Runs one input. - Complexity: O(decoded pixels).
    public static func run(_ data: UnsafeRawBufferPointer) {
        let bytes = [UInt8](data)
        if let decoded = try? PNGCodec.decode(bytes) {
            use(decoded.raster())
            mask(decoded)
        }
        if let image = try? JPEGCodec.decode(bytes) { use(image) }
        _ = try? ImageFile.decode(bytes)
    }

    /// The mask values of a decoded grey PNG, as mask ingest reads them, and their overlay.
    static func mask(_ image: DecodedImage) {
        guard image.channels == 1 else { return }
        let top = Double((1 << image.bitDepth) - 1)
        guard let values = try? MaskValues(width: image.width, height: image.height,
                                           values: image.samples.map { Double($0) / top }) else { return }
        let box = PixelBox(x0: 0, y0: 0, x1: image.width / 2, y1: image.height / 2)
        _ = Overlay.render(values, over: nil, style: OverlayStyle(box: box))
        _ = values.greyImage()
    }

    /// What the server and export do with a decoded image: overlay, augmentation, re-encoding.
    static func use(_ image: RasterImage) {
        guard image.width * image.height <= maxReencodedPixels else { return }
        let box = PixelBox(x0: 1, y0: 1, x1: image.width - 1, y1: image.height - 1)
        for method in Augmentation.Method.allCases {
            _ = Augmentation.apply(image, keeping: box, method: method, seed: 7)
        }
        if let values = try? MaskValues(width: image.width, height: image.height,
                                        values: image.pixels.prefix(image.width * image.height).map { Double($0) / 255 }) {
            _ = Overlay.render(values, over: image, style: OverlayStyle())
        }
        _ = try? PNGCodec.encode(image)
        _ = try? JPEGCodec.encode(image, quality: 75)
    }
}
