import Foundation
import Testing
@testable import MaskDatasets

@Suite("PNG thumbnails")
struct PNGEncoderTests {
    /// The chunks of a PNG file, checking each CRC.
    private func chunks(_ png: [UInt8]) throws -> [(type: String, data: [UInt8], crcMatches: Bool)] {
        var result: [(String, [UInt8], Bool)] = []
        var offset = 8
        func bigEndian(_ at: Int) -> UInt32 {
            png[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) }
        }
        while offset < png.count {
            let length = Int(bigEndian(offset))
            let typeBytes = Array(png[(offset + 4)..<(offset + 8)])
            let data = Array(png[(offset + 8)..<(offset + 8 + length)])
            let crc = bigEndian(offset + 8 + length)
            result.append((String(decoding: typeBytes, as: UTF8.self), data, crc == CRC32.checksum(typeBytes + data)))
            offset += 12 + length
        }
        #expect(offset == png.count)
        return result
    }

    @Test("CRC-32 and Adler-32 match their standard check values")
    func checksums() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Adler32.checksum(Array("Wikipedia".utf8)) == 0x11E6_0398)
        let long = [UInt8](repeating: 0xFF, count: 100_000)
        var a: UInt64 = 1, b: UInt64 = 0
        for byte in long { a = (a + UInt64(byte)) % 65521; b = (b + a) % 65521 }
        #expect(Adler32.checksum(long) == UInt32(b << 16 | a))
    }

    @Test("written thumbnails have the PNG signature, valid chunk CRCs and a stored zlib stream")
    func thumbnailFile() throws {
        let c = smallConfiguration(masks: 9)
        let directory = try generate(c)
        defer { directory.cleanUp() }
        let png = try [UInt8](Data(contentsOf: directory.url.appendingPathComponent("images/2.png")))
        #expect(Array(png.prefix(8)) == PNGEncoder.signature)
        let parts = try chunks(png)
        #expect(parts.map(\.type) == ["IHDR", "IDAT", "IEND"])
        #expect(parts.allSatisfy { $0.crcMatches })
        #expect(parts[0].data == [0, 0, 0, 16, 0, 0, 0, 16, 8, 2, 0, 0, 0])
        let scanlines = try inflateStored(parts[1].data)
        #expect(scanlines.count == 16 * (1 + 16 * 3))
        #expect(stride(from: 0, to: scanlines.count, by: 49).allSatisfy { scanlines[$0] == 0 })
    }

    @Test("multi-block stored deflate streams decode to the input")
    func largeImage() throws {
        let width = 200, height = 150
        let rgb = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let parts = try chunks(PNGEncoder.encodeRGB(rgb, width: width, height: height))
        #expect(parts.allSatisfy { $0.crcMatches })
        let scanlines = try inflateStored(parts[1].data)
        var rows: [UInt8] = []
        for y in 0..<height {
            rows.append(0)
            rows += rgb[(y * width * 3)..<((y + 1) * width * 3)]
        }
        #expect(scanlines == rows)
    }

    @Test("slicing-by-8 CRC-32 equals the bytewise definition at every length and alignment")
    func crcMatchesBytewise() {
        var rng = SeededRandom(seed: 9, stream: 0)
        let bytes = (0..<10_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        func bytewise<S: Sequence>(_ data: S) -> UInt32 where S.Element == UInt8 {
            var c: UInt32 = 0xFFFF_FFFF
            for byte in data {
                c ^= UInt32(byte)
                for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            }
            return c ^ 0xFFFF_FFFF
        }
        for start in 0..<9 {
            for length in [0, 1, 7, 8, 9, 15, 16, 17, 100, 3_104, 9_000] {
                let slice = bytes[start..<(start + length)]
                #expect(CRC32.checksum(slice) == bytewise(slice), "start \(start) length \(length)")
            }
        }
        // A sequence without contiguous storage, and updates in pieces.
        #expect(CRC32.checksum(bytes.lazy.map { $0 ^ 0x5A }) == bytewise(bytes.map { $0 ^ 0x5A }))
        var pieces = CRC32()
        pieces.update(bytes[0..<13])
        pieces.update(bytes[13..<5_000])
        pieces.update(bytes[5_000...])
        #expect(pieces.value == bytewise(bytes))
    }

    @Test("thumbnails are byte-identical to the straightforward per-pixel drawing and encoding",
          arguments: [1, 7, 32, 50])
    func thumbnailsMatchReference(imageSize: Int) {
        var c = DatasetGenerator.Configuration(maskCount: 300, height: 60, width: 90, seed: 17)
        c.imageSize = imageSize
        var png: [UInt8] = [], scanlines: [UInt8] = []
        for image in 0..<100 {
            let plan = ImagePlan(imageIndex: image, configuration: c)
            png.removeAll()
            ThumbnailRenderer.appendPNG(for: plan, configuration: c, to: &png, scanlines: &scanlines)
            #expect(png == Self.referencePNG(for: plan, configuration: c), "image \(image)")
            #expect(png.count == PNGEncoder.fileSize(width: imageSize, height: imageSize))
        }
    }

    /// The thumbnail as first written: a per-pixel loop, then a PNG assembled from arrays.
    static func referencePNG(for plan: ImagePlan, configuration c: DatasetGenerator.Configuration) -> [UInt8] {
        let size = c.imageSize
        let sx = Double(size) / Double(c.width), sy = Double(size) / Double(c.height)
        let bx0 = Int((plan.box.x0 * sx).rounded(.down)), by0 = Int((plan.box.y0 * sy).rounded(.down))
        let bx1 = max(bx0 + 1, Int((plan.box.x1 * sx).rounded(.up)))
        let by1 = max(by0 + 1, Int((plan.box.y1 * sy).rounded(.up)))
        let fill = ThumbnailRenderer.labelColour(plan.label, of: c.labelCount)
        var scanlines: [UInt8] = []
        for y in 0..<size {
            scanlines.append(0)
            let grey = UInt8(clamping: Int(255 * (plan.backgroundTone + 0.3 * Double(y) / Double(size))))
            for x in 0..<size {
                var pixel = (grey, grey, grey)
                if x >= bx0, x < bx1, y >= by0, y < by1 {
                    pixel = x == bx0 || x == bx1 - 1 || y == by0 || y == by1 - 1 ? (255, 255, 255) : fill
                }
                scanlines += [pixel.0, pixel.1, pixel.2]
            }
        }
        func bigEndian(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in body {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            return bigEndian(UInt32(data.count)) + body + bigEndian(crc ^ 0xFFFF_FFFF)
        }
        var zlib: [UInt8] = [0x78, 0x01], offset = 0
        repeat {
            let length = min(65_535, scanlines.count - offset)
            zlib.append(offset + length == scanlines.count ? 1 : 0)
            zlib += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            zlib += scanlines[offset..<(offset + length)]
            offset += length
        } while offset < scanlines.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in scanlines { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        zlib += bigEndian(b << 16 | a)
        let header = bigEndian(UInt32(size)) + bigEndian(UInt32(size)) + [8, 2, 0, 0, 0]
        return PNGEncoder.signature + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
    }

    enum InflateFailure: Error { case badHeader, notStored, lengthMismatch, badAdler }

    /// Decodes a zlib stream of stored deflate blocks, checking every field.
    private func inflateStored(_ stream: [UInt8]) throws -> [UInt8] {
        guard stream.count >= 6, stream[0] & 0x0F == 8, (Int(stream[0]) << 8 | Int(stream[1])) % 31 == 0 else {
            throw InflateFailure.badHeader
        }
        var out: [UInt8] = [], offset = 2, final = false
        while !final {
            final = stream[offset] & 1 == 1
            guard stream[offset] >> 1 == 0 else { throw InflateFailure.notStored }
            let length = Int(stream[offset + 1]) | Int(stream[offset + 2]) << 8
            let complement = Int(stream[offset + 3]) | Int(stream[offset + 4]) << 8
            guard length ^ 0xFFFF == complement else { throw InflateFailure.lengthMismatch }
            out += stream[(offset + 5)..<(offset + 5 + length)]
            offset += 5 + length
        }
        let adler = stream[offset..<(offset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard adler == Adler32.checksum(out), offset + 4 == stream.count else { throw InflateFailure.badAdler }
        return out
    }
}
