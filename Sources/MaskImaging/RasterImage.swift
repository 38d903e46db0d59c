/// An 8-bit image as a value: `width × height` pixels of `channels` interleaved bytes
/// (1 grey, 3 RGB, 4 RGBA), row-major, top row first, no padding.
///
/// The initialisers check that the buffer matches the size, and `pixels` can only be replaced
/// by a buffer of the same size, so every `RasterImage` is well formed.
public struct RasterImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public private(set) var pixels: [UInt8]

    /// Largest accepted side, in pixels (also the decoders' limit).
    public static let maxSide = 16_384

    /// An image over `pixels`, which must hold `width · height · channels` bytes.
    ///
    /// - Throws: `.invalidArgument` when a size is out of range or the buffer does not match.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws(ImagingError) {
        try Self.checkShape(width: width, height: height, channels: channels)
        guard pixels.count == width * height * channels else {
            throw ImagingError(.invalidArgument, what: "creating a \(width)×\(height)×\(channels) image",
                               why: "the pixel buffer holds \(pixels.count) bytes, expected \(width * height * channels)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image with every byte equal to `value`.
    ///
    /// - Throws: `.invalidArgument` when a size is out of range.
    public init(width: Int, height: Int, channels: Int, repeating value: UInt8 = 0) throws(ImagingError) {
        try Self.checkShape(width: width, height: height, channels: channels)
        self.init(unchecked: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: value, count: width * height * channels))
    }

    /// For this module's own constructions, whose sizes are right by construction.
    init(unchecked width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    static func checkShape(width: Int, height: Int, channels: Int) throws(ImagingError) {
        guard [1, 3, 4].contains(channels) else {
            throw ImagingError(.invalidArgument, what: "creating an image", why: "channels must be 1, 3 or 4, got \(channels)")
        }
        guard (1...maxSide).contains(width), (1...maxSide).contains(height) else {
            throw ImagingError(.invalidArgument, what: "creating an image",
                               why: "size \(width)×\(height) is outside 1...\(maxSide) per side")
        }
    }

    /// Bytes per row.
    public var rowBytes: Int { width * channels }

    /// Calls `body` with the pixel bytes to change in place (same size).
    public mutating func withMutablePixels<R>(_ body: (inout UnsafeMutableBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try pixels.withUnsafeMutableBufferPointer { try body(&$0) }
    }

    /// The RGB colour of pixel (x, y): grey is replicated, alpha is dropped.
    @inline(__always)
    public func rgb(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * channels
        if channels == 1 { return (pixels[i], pixels[i], pixels[i]) }
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// The same picture as 3-channel RGB (grey replicated, alpha dropped); itself when RGB.
    public func toRGB() -> RasterImage {
        if channels == 3 { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            let s = p * channels
            out[3 * p] = pixels[s]
            out[3 * p + 1] = pixels[channels == 1 ? s : s + 1]
            out[3 * p + 2] = pixels[channels == 1 ? s : s + 2]
        }
        return RasterImage(unchecked: width, height: height, channels: 3, pixels: out)
    }

    /// The image resampled to `newWidth × newHeight` by nearest neighbour (pixel centres);
    /// itself when the size is already that.
    ///
    /// - Complexity: O(newWidth · newHeight · channels).
    public func resizedNearest(width newWidth: Int, height newHeight: Int) -> RasterImage {
        if newWidth == width && newHeight == height { return self }
        let w = max(1, newWidth), h = max(1, newHeight)
        let columns = (0..<w).map { min(width - 1, ($0 * 2 + 1) * width / (2 * w)) }
        var out = [UInt8](repeating: 0, count: w * h * channels)
        for y in 0..<h {
            let sy = min(height - 1, (y * 2 + 1) * height / (2 * h))
            for x in 0..<w {
                let s = (sy * width + columns[x]) * channels, d = (y * w + x) * channels
                for c in 0..<channels { out[d + c] = pixels[s + c] }
            }
        }
        return RasterImage(unchecked: w, height: h, channels: channels, pixels: out)
    }
}
