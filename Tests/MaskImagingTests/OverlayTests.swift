import MaskFormat
import Testing
@testable import MaskImaging

@Suite("Colour maps and overlays")
struct OverlayTests {
    private func close(_ a: (UInt8, UInt8, UInt8), _ b: (Int, Int, Int), within d: Int = 6) -> Bool {
        abs(Int(a.0) - b.0) <= d && abs(Int(a.1) - b.1) <= d && abs(Int(a.2) - b.2) <= d
    }

    @Test("colour map endpoints, clamping and names")
    func endpoints() throws {
        #expect(Colormap.grey.rgb(0) == (0, 0, 0) && Colormap.grey.rgb(1) == (255, 255, 255))
        #expect(Colormap.grey.rgb(-3) == (0, 0, 0) && Colormap.grey.rgb(7) == (255, 255, 255) && Colormap.grey.rgb(.nan) == (0, 0, 0))
        #expect(Colormap.jet.rgb(0) == (0, 0, 128) && Colormap.jet.rgb(1) == (128, 0, 0))
        #expect(close(Colormap.jet.rgb(0.5), (128, 255, 128), within: 2))
        // matplotlib's tables: viridis (68, 1, 84) → (253, 231, 37), magma (0, 0, 4) → (252, 253, 191).
        #expect(close(Colormap.viridis.rgb(0), (68, 1, 84)) && close(Colormap.viridis.rgb(1), (253, 231, 37)))
        #expect(close(Colormap.magma.rgb(0), (0, 0, 4)) && close(Colormap.magma.rgb(1), (252, 253, 191)))
        for name in Colormap.names { #expect(Colormap.named(name)?.table.count == 256) }
        #expect(Colormap.named("nope") == nil)
    }

    @Test("opacity 0 gives the image, opacity 1 the colour map")
    func opacityEnds() throws {
        let mask = try MaskValues(width: 20, height: 10, values: (0..<200).map { Double($0) / 199 })
        let image = try TestImages.noise(width: 20, height: 10, channels: 3)
        let colours = Overlay.render(mask, over: nil, style: OverlayStyle(colormap: .viridis))
        #expect(Overlay.render(mask, over: image, style: OverlayStyle(colormap: .viridis, opacity: 0)) == image)
        #expect(Overlay.render(mask, over: image, style: OverlayStyle(colormap: .viridis, opacity: 1)) == colours)
        #expect(colours.rgb(x: 0, y: 0) == Colormap.viridis.rgb(0) && colours.rgb(x: 19, y: 9) == Colormap.viridis.rgb(1))
        let half = Overlay.render(mask, over: image, style: OverlayStyle(colormap: .viridis, opacity: 0.5))
        let i = 3 * 57
        #expect(abs(Int(half.pixels[i]) - (Int(image.pixels[i]) + Int(colours.pixels[i])) / 2) <= 1)
    }

    @Test("the range maps its ends to the map's ends and clamps outside")
    func range() throws {
        let mask = try MaskValues(width: 4, height: 1, values: [0.1, 0.2, 0.6, 0.9])
        let out = Overlay.render(mask, over: nil, style: OverlayStyle(colormap: .grey, range: 0.2...0.6))
        #expect(out.pixels == [0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255])
        let flat = Overlay.render(mask, over: nil, style: OverlayStyle(colormap: .grey, range: 0.6...0.6))
        #expect(flat.pixels.map { $0 > 0 } == [false, false, false, false, false, false, true, true, true, true, true, true])
    }

    @Test("the box is outlined in #00ff66, 1 pixel wide (2 from 256 pixels), clipped; inside untouched")
    func box() throws {
        let mask = try MaskValues(width: 12, height: 10, values: [Double](repeating: 0, count: 120))
        let out = Overlay.render(mask, over: nil, style: OverlayStyle(colormap: .grey, box: PixelBox(x0: 2, y0: 3, x1: 20, y1: 7)))
        let green: (UInt8, UInt8, UInt8) = (0, 255, 0x66)
        #expect(out.rgb(x: 2, y: 3) == green && out.rgb(x: 11, y: 6) == green && out.rgb(x: 5, y: 6) == green)
        #expect(out.rgb(x: 4, y: 4) == (0, 0, 0) && out.rgb(x: 1, y: 3) == (0, 0, 0) && out.rgb(x: 5, y: 7) == (0, 0, 0))
        let wide = try MaskValues(width: 300, height: 20, values: [Double](repeating: 0, count: 6000))
        let thick = Overlay.render(wide, over: nil, style: OverlayStyle(colormap: .grey, box: PixelBox(x0: 10, y0: 5, x1: 50, y1: 15)))
        #expect(thick.rgb(x: 11, y: 8) == green && thick.rgb(x: 12, y: 8) == (0, 0, 0))
        let empty = Overlay.render(mask, over: nil, style: OverlayStyle(colormap: .grey, box: PixelBox(x0: 5, y0: 5, x1: 5, y1: 9)))
        #expect(empty.pixels.allSatisfy { $0 == 0 })
    }

    @Test("an image of another size is scaled to the mask by nearest neighbour; grey images become RGB")
    func scaling() throws {
        let image = try RasterImage(width: 2, height: 2, channels: 1, pixels: [10, 20, 30, 40])
        let mask = try MaskValues(width: 4, height: 4, values: [Double](repeating: 0, count: 16))
        let out = Overlay.render(mask, over: image, style: OverlayStyle(opacity: 0))
        #expect(out.channels == 3 && out.width == 4)
        #expect(out.rgb(x: 0, y: 0) == (10, 10, 10) && out.rgb(x: 1, y: 1) == (10, 10, 10))
        #expect(out.rgb(x: 2, y: 0) == (20, 20, 20) && out.rgb(x: 3, y: 3) == (40, 40, 40))
    }

    @Test("mask values from stored codes follow the pixel format's value semantics")
    func maskValues() throws {
        let codes: [UInt8] = [0, 51, 255, 128]
        let values = try codes.withUnsafeBytes { try MaskValues(width: 2, height: 2, format: .uint8, codes: $0) }
        #expect(values.values == [0, 0.2, 1, 128.0 / 255])
        let floats: [Float] = [0.25, 1]
        let f = try floats.withUnsafeBytes { try MaskValues(width: 2, height: 1, format: .float32, codes: $0) }
        #expect(f.values == [0.25, 1])
        #expect(throws: ImagingError.self) { try codes.withUnsafeBytes { try MaskValues(width: 3, height: 2, format: .uint8, codes: $0) } }
        #expect(values.greyImage().pixels == [0, 51, 255, 128])
    }
}
