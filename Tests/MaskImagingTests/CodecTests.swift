import Foundation
import Testing
@testable import MaskImaging

@Suite("PNG and JPEG codecs")
struct CodecTests {
    @Test("8-bit grey, RGB and RGBA PNGs decode to the encoded pixels", arguments: [1, 3, 4])
    func pngRoundTrip(channels: Int) throws {
        for compression in [PNGCodec.Compression.standard, .fast] {
            let image = try TestImages.noise(width: 37, height: 23, channels: channels)
            let png = try PNGCodec.encode(image, compression: compression)
            #expect(png.starts(with: PNGCodec.signature))
            let decoded = try PNGCodec.decode(png)
            #expect(decoded.bitDepth == 8 && decoded.channels == channels)
            #expect(decoded.raster() == image)
        }
    }

    @Test("16-bit grey PNGs keep 16 bits, big-endian in the file")
    func grey16() throws {
        let samples: [UInt16] = (0..<(19 * 7)).map { UInt16(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        let png = try PNGCodec.encodeGrey16(width: 19, height: 7, samples: samples)
        let decoded = try PNGCodec.decode(png)
        #expect(decoded.bitDepth == 16 && decoded.channels == 1 && decoded.width == 19 && decoded.height == 7)
        #expect(decoded.samples == samples)
        // A file written by Python's zlib and struct: 2×1, samples 0x0102 and 0xFFFE.
        let python: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
            0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x81, 0xD9, 0xFC, 0x15, 0x00, 0x00, 0x00,
            0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x64, 0xFA, 0xFF, 0x0F, 0x00, 0x03, 0x0B, 0x02, 0x01,
            0x84, 0x91, 0xE8, 0x13, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ]
        #expect(try PNGCodec.decode(python).samples == [0x0102, 0xFFFE])
        #expect(try PNGCodec.decode(PNGCodec.encodeGrey16(width: 2, height: 1, samples: [0x0102, 0xFFFE])).samples == [0x0102, 0xFFFE])
        #expect(try PNGCodec.decode(python).raster().pixels == [1, 255])
        #expect(throws: ImagingError.self) { try PNGCodec.encodeGrey16(width: 2, height: 2, samples: [1]) }
    }

    @Test("a PNG written by another encoder decodes (Python zlib, RGB)")
    func foreignRGB() throws {
        let python: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
            0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x7B, 0x40, 0xE8, 0xDD, 0x00, 0x00, 0x00,
            0x0F, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xE0, 0x12, 0x91, 0x3B, 0x91, 0xC2, 0x00, 0x00, 0x04, 0x3F,
            0x01, 0x69, 0x82, 0xBC, 0xF3, 0x00, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ]
        let image = try ImageFile.decode(python)
        #expect(image.channels == 3 && image.pixels == [10, 20, 30, 200, 100, 0])
    }

    @Test("1-bit grey and palette PNGs from another encoder decode to 8-bit grey and RGB")
    func lowDepthAndPalette() throws {
        // Python zlib/struct: 8×1 1-bit grey 01010011; 3×1 palette red, green, blue.
        let grey1: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
            0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0xCB, 0x7B, 0xD2, 0xEE, 0x00, 0x00, 0x00,
            0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x08, 0x06, 0x00, 0x00, 0x55, 0x00, 0x54, 0x54, 0x5D, 0xD8,
            0xA0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ]
        let palette: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
            0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x08, 0x03, 0x00, 0x00, 0x00, 0x2C, 0x3E, 0xE4, 0x86, 0x00, 0x00, 0x00,
            0x09, 0x50, 0x4C, 0x54, 0x45, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0x2D, 0x4A, 0xCD, 0x8A,
            0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x60, 0x64, 0x02, 0x00, 0x00, 0x08,
            0x00, 0x04, 0x36, 0xE0, 0xB0, 0xA6, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ]
        #expect(try ImageFile.decode(grey1).pixels == [0, 255, 0, 255, 0, 0, 255, 255])
        #expect(try ImageFile.decode(palette).pixels == [255, 0, 0, 0, 255, 0, 0, 0, 255])
        let indices: [UInt8] = [2, 0, 1]
        let encoded = try indices.withUnsafeBufferPointer {
            try PNGCodec.encodeIndexed(width: 3, height: 1, indices: $0, palette: [(255, 0, 0), (0, 255, 0), (0, 0, 255)])
        }
        #expect(try ImageFile.decode(encoded).pixels == [0, 0, 255, 255, 0, 0, 0, 255, 0])
        let bad: [UInt8] = [3, 0, 1]
        #expect(throws: ImagingError.self) {
            try bad.withUnsafeBufferPointer { try PNGCodec.encodeIndexed(width: 3, height: 1, indices: $0, palette: [(1, 2, 3), (4, 5, 6), (7, 8, 9)]) }
        }
    }

    @Test("JPEG round trip: RGB stays RGB close to the source, grey stays grey")
    func jpegRoundTrip() throws {
        let rgb = try TestImages.gradient(width: 64, height: 48, channels: 3)
        let decoded = try JPEGCodec.decode(JPEGCodec.encode(rgb, quality: 95))
        #expect(decoded.width == 64 && decoded.height == 48 && decoded.channels == 3)
        let error = zip(decoded.pixels, rgb.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) / rgb.pixels.count
        #expect(error < 10)
        let grey = try TestImages.gradient(width: 30, height: 20, channels: 1)
        let greyJPEG = try JPEGCodec.encode(grey, quality: 90)
        #expect(try JPEGCodec.decode(greyJPEG).channels == 1)
        #expect(ImageFile.format(of: greyJPEG) == .jpeg)
        #expect(throws: ImagingError.self) { try JPEGCodec.encode(grey, quality: 0) }
    }

    @Test("truncated files are errors (or, cut only in the trailer, the whole image), never crashes")
    func truncated() throws {
        let image = try TestImages.gradient(width: 40, height: 30, channels: 3)
        // PNG: the last IDAT's CRC and the IEND chunk (16 bytes) come after the last pixel
        // (libspng stops once the zlib stream ends); JPEG: so does the 2-byte EOI marker.
        for (file, trailer) in [(try PNGCodec.encode(image), 16), (try JPEGCodec.encode(image, quality: 80), 2)] {
            let whole = try ImageFile.decode(file)
            for length in 0..<file.count {
                let prefix = Array(file[0..<length])
                if length < file.count - trailer {
                    #expect(throws: ImagingError.self, "length \(length) of \(file.count)") { try ImageFile.decode(prefix) }
                } else if let decoded = try? ImageFile.decode(prefix) {
                    #expect(decoded == whole)
                }
            }
        }
    }

    @Test("flipped bytes give an error or an image of the stated size, never a crash")
    func flipped() throws {
        let image = try TestImages.gradient(width: 40, height: 30, channels: 3)
        var rng = UInt64(99)
        for file in [try PNGCodec.encode(image), try JPEGCodec.encode(image, quality: 80)] {
            for trial in 0..<400 {
                var damaged = file
                let flips = 1 + trial % 4
                for _ in 0..<flips {
                    rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    let at = Int(rng >> 33) % damaged.count
                    damaged[at] ^= UInt8(truncatingIfNeeded: 1 << ((rng >> 20) % 8))
                }
                do {
                    let decoded = try ImageFile.decode(damaged)
                    #expect(decoded.pixels.count == decoded.width * decoded.height * decoded.channels)
                } catch {
                    #expect(!error.why.isEmpty)
                }
            }
        }
    }

    @Test("garbage, empty input and a PNG header claiming a huge image are typed errors")
    func garbage() throws {
        #expect(throws: ImagingError.self) { try ImageFile.decode([]) }
        #expect(throws: ImagingError.self) { try ImageFile.decode(Array("hello".utf8)) }
        #expect(throws: ImagingError.self) { try PNGCodec.decode(PNGCodec.signature) }
        #expect(throws: ImagingError.self) { try JPEGCodec.decode(JPEGCodec.signature) }
        // IHDR of a 100000 × 100000 image (valid CRC), then nothing.
        var ihdr: [UInt8] = Array("IHDR".utf8) + [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 2, 0, 0, 0]
        let crc = crc32(ihdr)
        ihdr = [0, 0, 0, 13] + ihdr + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
        #expect(throws: ImagingError.self) { try PNGCodec.decode(PNGCodec.signature + ihdr) }
    }

    @Test("a PNG too short for the pixels its header declares is refused as truncated before decoding")
    func truncatedHugePNGIsRefusedEarly() throws {
        // fuzz-image: a 30-byte file (signature, IHDR, 2 bytes more) declaring 4103 × 7941 RGB16.
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
                              0x00, 0x00, 0x10, 0x07, 0x00, 0x00, 0x1F, 0x05, 0x10, 0x02, 0x00, 0x00, 0x00, 0x02]
        let error = #expect(throws: ImagingError.self) { try PNGCodec.decode(bytes) }
        #expect(error?.kind == .invalidImage)
        #expect(error?.why.contains("truncated: 4103×7941 pixels") == true)
        // The bound is a lower one: a valid, highly compressible image is not refused.
        let flat = try RasterImage(width: 2048, height: 2048, channels: 1, repeating: 0)
        let encoded = try PNGCodec.encode(flat)
        #expect(encoded.count * PNGCodec.maxDeflateRatio >= 2048 * 2048)
        #expect(try PNGCodec.decode(encoded).samples.count == 2048 * 2048)
    }

    @Test("ImageFile reads PNG and JPEG by magic number, optionally as RGB; missing files are io errors")
    func imageFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("imaging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let grey = try TestImages.noise(width: 9, height: 5, channels: 1)
        let pngPath = directory.appendingPathComponent("a.jpg").path   // the name does not matter
        try Data(PNGCodec.encode(grey)).write(to: URL(fileURLWithPath: pngPath))
        #expect(try ImageFile.read(path: pngPath) == grey)
        let rgb = try ImageFile.read(path: pngPath, rgb: true)
        #expect(rgb.channels == 3 && rgb.rgb(x: 4, y: 2) == grey.rgb(x: 4, y: 2))
        #expect(throws: ImagingError(.io, what: "reading \(directory.path)/none.png", why: "cannot open the file")) {
            try ImageFile.read(path: directory.path + "/none.png")
        }
        let text = directory.appendingPathComponent("t.png").path
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: text))
        #expect { try ImageFile.read(path: text) } throws: { ($0 as? ImagingError)?.kind == .invalidImage }
    }

    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
