/// A decoded PNG at its stored bit depth: `width × height` pixels of `channels` samples
/// (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA), row-major, each sample in `0..<(1 << bitDepth)`.
/// 16-bit images keep their 16 bits (for mask ingest); 8-bit ones widen each byte.
public struct DecodedImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// 8 or 16.
    public let bitDepth: Int
    public let samples: [UInt16]

    /// The image as 8-bit grey, RGB or RGBA: 16-bit samples are rounded to 8 bits
    /// (`(v · 255 + 32767) / 65535`), grey + alpha becomes RGBA.
    public func raster() -> RasterImage {
        let eight: [UInt8] = bitDepth == 16
            ? samples.map { UInt8((UInt32($0) * 255 + 32_767) / 65_535) }
            : samples.map { UInt8(truncatingIfNeeded: $0) }
        guard channels == 2 else {
            return RasterImage(unchecked: width, height: height, channels: channels, pixels: eight)
        }
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        for p in 0..<(width * height) {
            let g = eight[2 * p]
            rgba[4 * p] = g
            rgba[4 * p + 1] = g
            rgba[4 * p + 2] = g
            rgba[4 * p + 3] = eight[2 * p + 1]
        }
        return RasterImage(unchecked: width, height: height, channels: 4, pixels: rgba)
    }
}
