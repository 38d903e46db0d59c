/// A minimal PNG encoder for 8-bit RGB images (PNG specification, ISO/IEC 15948):
/// signature, `IHDR`, one `IDAT` and `IEND`, each chunk `length (BE) · type · data · CRC-32`.
///
/// The image data is a zlib stream (RFC 1950) of *stored* deflate blocks (RFC 1951 section
/// 3.2.4, BTYPE = 00): no compression, so no compressor is needed; each row is prefixed with
/// filter type 0. Files are larger than compressed PNGs but every decoder reads them. For the
/// 32×32 thumbnails a file is 3,172 bytes — one 4 KiB file-system block, as a compressed
/// one would be.
///
/// The encoder appends to a caller's byte array, so a thread encoding many thumbnails reuses
/// one allocation; the bytes are computed in place (chunk lengths known up front, CRC and
/// Adler-32 over the appended bytes).
enum PNGEncoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Largest stored deflate block.
    static let maxStoredBlock = 65_535

    /// Encodes `rgb` (`width · height · 3` bytes, row-major) as a PNG file.
    ///
    /// - Complexity: O(width · height).
    static func encodeRGB(_ rgb: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(rgb.count == width * height * 3, "rgb buffer size does not match the image size")
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity(height * (1 + width * 3))
        for y in 0..<height {
            scanlines.append(0)   // filter type None
            scanlines += rgb[(y * width * 3)..<((y + 1) * width * 3)]
        }
        var png: [UInt8] = []
        scanlines.withUnsafeBytes { appendPNG(scanlines: $0, width: width, height: height, to: &png) }
        return png
    }

    /// Bytes of the PNG file of a `width × height` image.
    static func fileSize(width: Int, height: Int) -> Int {
        let data = height * (1 + width * 3)
        let blocks = max(1, (data + maxStoredBlock - 1) / maxStoredBlock)
        return signature.count + (12 + 13) + (12 + 2 + 5 * blocks + data + 4) + 12
    }

    /// Appends the PNG file of an image given as its scanlines (`height` rows of
    /// `1 + 3 · width` bytes, each starting with its filter type byte) to `png`.
    ///
    /// - Complexity: O(width · height).
    static func appendPNG(scanlines: UnsafeRawBufferPointer, width: Int, height: Int, to png: inout [UInt8]) {
        precondition(scanlines.count == height * (1 + width * 3), "scanline buffer size does not match the image size")
        png.reserveCapacity(png.count + fileSize(width: width, height: height))
        png += signature

        var header = [UInt8](repeating: 0, count: 13)
        storeBigEndian(UInt32(width), in: &header, at: 0)
        storeBigEndian(UInt32(height), in: &header, at: 4)
        header[8] = 8   // bit depth 8
        header[9] = 2   // colour type 2 (RGB); compression 0 (deflate), filter 0, no interlace
        appendChunk("IHDR", length: header.count, to: &png) { $0 += header }

        let blocks = max(1, (scanlines.count + maxStoredBlock - 1) / maxStoredBlock)
        appendChunk("IDAT", length: 2 + 5 * blocks + scanlines.count + 4, to: &png) { png in
            png += [0x78, 0x01]   // CM = 8 (deflate), 32K window, FCHECK so 0x7801 % 31 == 0
            var offset = 0
            repeat {
                let length = min(maxStoredBlock, scanlines.count - offset)
                let isFinal = offset + length == scanlines.count
                png.append(isFinal ? 1 : 0)   // BFINAL, BTYPE = 00
                png += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
                png.append(contentsOf: UnsafeRawBufferPointer(rebasing: scanlines[offset..<(offset + length)]))
                offset += length
            } while offset < scanlines.count
            appendBigEndian(Adler32.checksum(scanlines), to: &png)
        }
        appendChunk("IEND", length: 0, to: &png) { _ in }
    }

    /// Appends a chunk whose `length` data bytes `body` appends, then its CRC over type and data.
    private static func appendChunk(_ type: StaticString, length: Int, to png: inout [UInt8],
                                    _ body: (inout [UInt8]) -> Void) {
        appendBigEndian(UInt32(length), to: &png)
        let typeStart = png.count
        png.append(contentsOf: UnsafeRawBufferPointer(start: type.utf8Start, count: type.utf8CodeUnitCount))
        body(&png)
        precondition(png.count == typeStart + 4 + length, "PNG chunk length mismatch")
        let crc = png.withUnsafeBytes { raw in
            var crc = CRC32()
            crc.update(UnsafeRawBufferPointer(rebasing: raw[typeStart...]))
            return crc.value
        }
        appendBigEndian(crc, to: &png)
    }

    private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value >> 24))
        bytes.append(UInt8((value >> 16) & 0xFF))
        bytes.append(UInt8((value >> 8) & 0xFF))
        bytes.append(UInt8(value & 0xFF))
    }

    private static func storeBigEndian(_ value: UInt32, in bytes: inout [UInt8], at offset: Int) {
        bytes[offset] = UInt8(value >> 24)
        bytes[offset + 1] = UInt8((value >> 16) & 0xFF)
        bytes[offset + 2] = UInt8((value >> 8) & 0xFF)
        bytes[offset + 3] = UInt8(value & 0xFF)
    }
}
