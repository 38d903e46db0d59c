@testable import MaskImaging

/// Deterministic test pictures.
enum TestImages {
    /// SplitMix64 bytes for `seed`.
    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] { Augmentation.noise(count: count, seed: seed) }

    /// A `width × height` image of random bytes.
    static func noise(width: Int, height: Int, channels: Int, seed: UInt64 = 1) throws -> RasterImage {
        try RasterImage(width: width, height: height, channels: channels, pixels: randomBytes(width * height * channels, seed: seed))
    }

    /// A smooth gradient image (compresses like a photograph, JPEG-friendly).
    static func gradient(width: Int, height: Int, channels: Int) throws -> RasterImage {
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels { pixels.append(UInt8((x * 255 / max(1, width - 1) + y * 3 + c * 40) % 256)) }
            }
        }
        return try RasterImage(width: width, height: height, channels: channels, pixels: pixels)
    }
}
