import MaskFormat
import Testing
@testable import MaskImaging

@Suite("Augmentation")
struct AugmentationTests {
    /// (pixels inside `box` unchanged, fraction of pixels outside with some byte changed).
    private func compare(_ a: RasterImage, _ b: RasterImage, box: PixelBox) -> (insideKept: Bool, outsideChanged: Double) {
        let keep = box.clipped(width: a.width, height: a.height)
        var kept = true, outside = 0, changed = 0
        for y in 0..<a.height {
            for x in 0..<a.width {
                let i = (y * a.width + x) * a.channels
                let same = a.pixels[i..<(i + a.channels)] == b.pixels[i..<(i + a.channels)]
                if x >= keep.x0, x < keep.x1, y >= keep.y0, y < keep.y1 {
                    kept = kept && same
                } else {
                    outside += 1
                    if !same { changed += 1 }
                }
            }
        }
        return (kept, outside == 0 ? 1 : Double(changed) / Double(outside))
    }

    @Test("inside the box byte-identical, (almost) every pixel outside changed", arguments: Augmentation.Method.allCases)
    func keepsBox(method: Augmentation.Method) throws {
        for channels in [1, 3, 4] {
            let image = try TestImages.noise(width: 64, height: 48, channels: channels, seed: 3)
            for box in [PixelBox(x0: 10, y0: 5, x1: 40, y1: 30), PixelBox(x0: -5, y0: 30, x1: 20, y1: 90),
                        PixelBox(x0: 0, y0: 0, x1: 64, y1: 48)] {
                let out = Augmentation.apply(image, keeping: box, method: method, seed: 1)
                #expect(out.width == 64 && out.height == 48 && out.channels == channels)
                let (kept, changed) = compare(image, out, box: box)
                #expect(kept, "\(method) \(channels) \(box)")
                #expect(changed >= (channels == 1 ? 0.95 : 0.99), "\(method) \(channels) \(box): \(changed)")
            }
        }
    }

    @Test("an empty box keeps nothing", arguments: Augmentation.Method.allCases)
    func emptyBox(method: Augmentation.Method) throws {
        let image = try TestImages.noise(width: 30, height: 20, channels: 3, seed: 4)
        for box in [PixelBox(x0: 5, y0: 5, x1: 5, y1: 15), PixelBox(x0: 50, y0: 50, x1: 60, y1: 60), PixelBox(x0: 9, y0: 9, x1: 2, y1: 2)] {
            let (_, changed) = compare(image, Augmentation.apply(image, keeping: box, method: method, seed: 2), box: PixelBox(x0: 0, y0: 0, x1: 0, y1: 0))
            #expect(changed >= 0.99)
        }
    }

    @Test("same seed same bytes, different seed different bytes")
    func seeds() throws {
        let image = try TestImages.gradient(width: 50, height: 40, channels: 3)
        let box = PixelBox(x0: 10, y0: 10, x1: 20, y1: 20)
        #expect(Augmentation.apply(image, keeping: box, method: .noise, seed: 7) == Augmentation.apply(image, keeping: box, method: .noise, seed: 7))
        #expect(Augmentation.apply(image, keeping: box, method: .noise, seed: 7) != Augmentation.apply(image, keeping: box, method: .noise, seed: 8))
        for method in [Augmentation.Method.mean, .blur] {
            #expect(Augmentation.apply(image, keeping: box, method: method, seed: 1) == Augmentation.apply(image, keeping: box, method: method, seed: 2))
        }
    }

    @Test("mean fills with the rounded mean colour; blur averages the clipped window")
    func meanAndBlur() throws {
        let image = try RasterImage(width: 3, height: 1, channels: 1, pixels: [0, 10, 255])
        let mean = Augmentation.apply(image, keeping: PixelBox(x0: 0, y0: 0, x1: 0, y1: 0), method: .mean, seed: 0)
        #expect(mean.pixels == [88, 88, 88])
        let blurred = Augmentation.apply(image, keeping: PixelBox(x0: 0, y0: 0, x1: 0, y1: 0), method: .blur, seed: 0)
        #expect(blurred.pixels == [88, 88, 88])   // radius 2 covers the whole 3-pixel row
        let wide = try RasterImage(width: 7, height: 1, channels: 1, pixels: [0, 0, 0, 70, 0, 0, 0])
        let b = Augmentation.apply(wide, keeping: PixelBox(x0: 3, y0: 0, x1: 4, y1: 1), method: .blur, seed: 0)
        #expect(b.pixels == [0, 18, 14, 70, 14, 18, 0])
    }
}
