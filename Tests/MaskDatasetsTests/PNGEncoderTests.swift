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
