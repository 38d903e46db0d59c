/// A minimal PNG encoder for 8-bit RGB images (PNG specification, ISO/IEC 15948):
/// signature, `IHDR`, one `IDAT` and `IEND`, each chunk `length (BE) · type · data · CRC-32`.
///
/// The image data is a zlib stream (RFC 1950) of *stored* deflate blocks (RFC 1951 section
/// 3.2.4, BTYPE = 00): no compression, so no compressor is needed; each row is prefixed with
/// filter type 0. Files are larger than compressed PNGs but every decoder reads them.
enum PNGEncoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Encodes `rgb` (`width · height · 3` bytes, row-major) as a PNG file.
    ///
    /// - Complexity: O(width · height).
    static func encodeRGB(_ rgb: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(rgb.count == width * height * 3, "rgb buffer size does not match the image size")
        var header: [UInt8] = []
        appendBigEndian(UInt32(width), to: &header)
        appendBigEndian(UInt32(height), to: &header)
        header += [8, 2, 0, 0, 0]   // bit depth 8, colour type 2 (RGB), deflate, filter 0, no interlace

        var scanlines: [UInt8] = []
        scanlines.reserveCapacity(height * (1 + width * 3))
        for y in 0..<height {
            scanlines.append(0)   // filter type None
            scanlines += rgb[(y * width * 3)..<((y + 1) * width * 3)]
        }

        var png = signature
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", zlibStored(scanlines), to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    /// A zlib stream holding `data` in stored deflate blocks of at most 65,535 bytes.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]   // CM = 8 (deflate), 32K window, FCHECK so 0x7801 % 31 == 0
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let isFinal = offset + length == data.count
            out.append(isFinal ? 1 : 0)   // BFINAL, BTYPE = 00
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            out += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        appendBigEndian(Adler32.checksum(data), to: &out)
        return out
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        appendBigEndian(UInt32(data.count), to: &png)
        let typeBytes = Array(type.utf8)
        png += typeBytes
        png += data
        var crc = CRC32()
        crc.update(typeBytes)
        crc.update(data)
        appendBigEndian(crc.value, to: &png)
    }

    private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
