import MaskFormat

/// Replaces an image's pixels outside a box, keeping those inside byte for byte: the
/// augmentation of the MaskSearch demo (retrain on the object, with its context removed).
public enum Augmentation {
    public enum Method: String, Sendable, CaseIterable {
        /// Uniform random bytes from a generator seeded by `seed` (same seed, same bytes).
        case noise
        /// The image's mean colour per channel, over all its pixels, rounded.
        case mean
        /// A box blur of radius `max(2, min(w, h) / 32)` of the source image (window clipped to
        /// the image), outside the box only.
        case blur
    }

    /// `image` with every pixel outside `box` replaced by `method` and every pixel inside
    /// unchanged. `box` is in image pixels, `[x0, x1) × [y0, y1)`, clipped to the image; an
    /// empty box keeps nothing. All channels are replaced (alpha too).
    ///
    /// - Complexity: O(width · height · channels).
    public static func apply(_ image: RasterImage, keeping box: PixelBox, method: Method, seed: UInt64) -> RasterImage {
        let keep = box.clipped(width: image.width, height: image.height)
        let replacement: [UInt8]
        switch method {
        case .noise: replacement = noise(count: image.pixels.count, seed: seed)
        case .mean: replacement = meanImage(image)
        case .blur: replacement = boxBlur(image, radius: max(2, min(image.width, image.height) / 32))
        }
        var out = replacement
        let rowBytes = image.rowBytes
        if keep.x1 > keep.x0 {
            for y in keep.y0..<keep.y1 {
                let start = y * rowBytes + keep.x0 * image.channels, end = y * rowBytes + keep.x1 * image.channels
                out.replaceSubrange(start..<end, with: image.pixels[start..<end])
            }
        }
        return RasterImage(unchecked: image.width, height: image.height, channels: image.channels, pixels: out)
    }

    /// `count` bytes of SplitMix64 output for `seed`, eight per step, little-endian.
    static func noise(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        var out = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            for k in 0..<min(8, count - i) { out[i + k] = UInt8(truncatingIfNeeded: z >> (8 * UInt64(k))) }
            i += 8
        }
        return out
    }

    /// The image filled with its mean colour.
    static func meanImage(_ image: RasterImage) -> [UInt8] {
        let c = image.channels, n = image.width * image.height
        var sums = [Int](repeating: 0, count: c)
        for p in 0..<n { for k in 0..<c { sums[k] += Int(image.pixels[p * c + k]) } }
        let mean = sums.map { UInt8(($0 + n / 2) / n) }
        var out = [UInt8](repeating: 0, count: n * c)
        for p in 0..<n { for k in 0..<c { out[p * c + k] = mean[k] } }
        return out
    }

    /// Box blur of `radius`, each output the rounded mean of the window clipped to the image,
    /// by a summed-area table per channel.
    static func boxBlur(_ image: RasterImage, radius r: Int) -> [UInt8] {
        let w = image.width, h = image.height, c = image.channels
        // table[(y · (w + 1) + x) · c + k] = sum of channel k over [0, x) × [0, y).
        var table = [Int](repeating: 0, count: (w + 1) * (h + 1) * c)
        for y in 0..<h {
            var rowSum = [Int](repeating: 0, count: c)
            for x in 0..<w {
                for k in 0..<c {
                    rowSum[k] += Int(image.pixels[(y * w + x) * c + k])
                    table[((y + 1) * (w + 1) + x + 1) * c + k] = table[(y * (w + 1) + x + 1) * c + k] + rowSum[k]
                }
            }
        }
        var out = [UInt8](repeating: 0, count: w * h * c)
        for y in 0..<h {
            let y0 = max(0, y - r), y1 = min(h, y + r + 1)
            for x in 0..<w {
                let x0 = max(0, x - r), x1 = min(w, x + r + 1)
                let area = (y1 - y0) * (x1 - x0)
                for k in 0..<c {
                    let sum = table[(y1 * (w + 1) + x1) * c + k] - table[(y0 * (w + 1) + x1) * c + k]
                        - table[(y1 * (w + 1) + x0) * c + k] + table[(y0 * (w + 1) + x0) * c + k]
                    out[(y * w + x) * c + k] = UInt8((sum + area / 2) / area)
                }
            }
        }
        return out
    }
}
