import CSPNG
#if canImport(Glibc)
import Glibc
#endif

/// PNG encoding and decoding through libspng (on zlib).
///
/// Encoding writes 8-bit grey, RGB or RGBA (colour types 0, 2, 6) or 16-bit grey, not
/// interlaced. Decoding accepts every valid PNG (any colour type, bit depth and interlacing)
/// within `RasterImage.maxSide` per side and `maxDecodedBytes` of samples, and reports
/// damaged or hostile bytes as `ImagingError.invalidImage` (libspng checks every CRC and
/// length; nothing here trusts the header before the library has checked it).
public enum PNGCodec {
    /// How hard zlib works: `.standard` is zlib's default level 6 with libspng's adaptive
    /// filters; `.fast` is level 1 without filtering, for bulk writing of synthetic images
    /// whose rows repeat (deflate then matches whole rows cheaply; photographs get larger files).
    public enum Compression: Sendable {
        case standard
        case fast
    }

    /// The 8-byte PNG signature.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Largest decoded image accepted, in bytes of samples (256 MiB).
    public static let maxDecodedBytes = 256 << 20

    /// The PNG file of an 8-bit image (grey, RGB or RGBA by its channel count).
    ///
    /// - Throws: `.codecFailure` when libspng fails (out of memory).
    public static func encode(_ image: RasterImage, compression: Compression = .standard) throws(ImagingError) -> [UInt8] {
        let colourType: UInt8 = image.channels == 1 ? 0 : image.channels == 3 ? 2 : 6
        return try image.pixels.withUnsafeBytes { raw in
            Result { () throws(ImagingError) in
                try encode(raw, width: image.width, height: image.height, bitDepth: 8, colourType: colourType,
                           compression: compression)
            }
        }.get()
    }

    /// The 16-bit grey PNG file of `samples` (`width · height` values, row-major).
    ///
    /// - Throws: `.invalidArgument` when the sizes disagree; `.codecFailure` when libspng fails.
    public static func encodeGrey16(width: Int, height: Int, samples: [UInt16]) throws(ImagingError) -> [UInt8] {
        try RasterImage.checkShape(width: width, height: height, channels: 1)
        guard samples.count == width * height else {
            throw ImagingError(.invalidArgument, what: "encoding a 16-bit PNG",
                               why: "\(samples.count) samples for a \(width)×\(height) image")
        }
        // libspng takes 16-bit samples in host order and writes them big-endian, as PNG stores them.
        return try samples.withUnsafeBytes { raw in
            Result { () throws(ImagingError) in
                try encode(raw, width: width, height: height, bitDepth: 16, colourType: 0, compression: .standard)
            }
        }.get()
    }

    /// The palette PNG file (colour type 3, 8-bit indices) of `indices` (`width · height`,
    /// row-major) into `palette` (at most 256 RGB entries; every index must be below its count).
    /// Decoders give RGB.
    ///
    /// - Throws: `.invalidArgument` when the sizes or an index are wrong; `.codecFailure` when
    ///   libspng fails.
    public static func encodeIndexed(width: Int, height: Int, indices: UnsafeBufferPointer<UInt8>,
                                     palette: [(UInt8, UInt8, UInt8)], compression: Compression = .standard) throws(ImagingError) -> [UInt8] {
        try RasterImage.checkShape(width: width, height: height, channels: 1)
        guard indices.count == width * height, (1...256).contains(palette.count) else {
            throw ImagingError(.invalidArgument, what: "encoding a palette PNG",
                               why: "\(indices.count) indices for \(width)×\(height), \(palette.count) palette entries")
        }
        if palette.count < 256, let bad = indices.first(where: { Int($0) >= palette.count }) {
            throw ImagingError(.invalidArgument, what: "encoding a palette PNG", why: "index \(bad) beyond \(palette.count) palette entries")
        }
        var plte = spng_plte()
        plte.n_entries = UInt32(palette.count)
        withUnsafeMutableBytes(of: &plte.entries) { raw in
            for (k, colour) in palette.enumerated() {
                raw[4 * k] = colour.0
                raw[4 * k + 1] = colour.1
                raw[4 * k + 2] = colour.2
            }
        }
        return try encode(UnsafeRawBufferPointer(indices), width: width, height: height, bitDepth: 8, colourType: 3,
                          compression: compression, palette: &plte)
    }

    private static func encode(_ raw: UnsafeRawBufferPointer, width: Int, height: Int, bitDepth: UInt8, colourType: UInt8,
                               compression: Compression, palette: UnsafeMutablePointer<spng_plte>? = nil) throws(ImagingError) -> [UInt8] {
        let what = "encoding a \(width)×\(height) PNG"
        guard let ctx = spng_ctx_new(Int32(SPNG_CTX_ENCODER.rawValue)) else {
            throw ImagingError(.codecFailure, what: what, why: "libspng could not allocate a context")
        }
        defer { spng_ctx_free(ctx) }
        var ihdr = spng_ihdr(width: UInt32(width), height: UInt32(height), bit_depth: bitDepth, color_type: colourType,
                             compression_method: 0, filter_method: 0, interlace_method: 0)
        var status = spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1)
        if status == 0, compression == .fast {
            status = spng_set_option(ctx, SPNG_IMG_COMPRESSION_LEVEL, 1)
            if status == 0 { status = spng_set_option(ctx, SPNG_FILTER_CHOICE, Int32(SPNG_DISABLE_FILTERING.rawValue)) }
        }
        if status == 0 { status = spng_set_ihdr(ctx, &ihdr) }
        if status == 0, let palette { status = spng_set_plte(ctx, palette) }
        if status == 0 {
            status = spng_encode_image(ctx, raw.baseAddress, raw.count, Int32(SPNG_FMT_PNG.rawValue),
                                       Int32(SPNG_ENCODE_FINALIZE.rawValue))
        }
        guard status == 0 else { throw ImagingError(.codecFailure, what: what, why: message(status)) }
        var length = 0
        guard let buffer = spng_get_png_buffer(ctx, &length, &status) else {
            throw ImagingError(.codecFailure, what: what, why: message(status))
        }
        defer { free(buffer) }
        return [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
    }

    /// Decodes a PNG file: grey stays grey (8 or 16 bits), grey + alpha stays two channels,
    /// RGB and palette images become RGB, RGBA stays RGBA; 16-bit colour is kept at 16 bits.
    /// Palette transparency (`tRNS`) and gamma are not applied.
    ///
    /// - Throws: `.invalidImage` for anything that is not a valid PNG; `.unsupported` when it
    ///   exceeds the size limits.
    public static func decode(_ bytes: [UInt8]) throws(ImagingError) -> DecodedImage {
        let what = "decoding a PNG image of \(bytes.count) bytes"
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw ImagingError(.invalidImage, what: what, why: "no PNG signature")
        }
        guard let ctx = spng_ctx_new(0) else {
            throw ImagingError(.codecFailure, what: what, why: "libspng could not allocate a context")
        }
        defer { spng_ctx_free(ctx) }
        return try bytes.withUnsafeBytes { raw in Result { () throws(ImagingError) in
            var status = spng_set_image_limits(ctx, UInt32(RasterImage.maxSide), UInt32(RasterImage.maxSide))
            if status == 0 { status = spng_set_chunk_limits(ctx, 64 << 20, 64 << 20) }
            if status == 0 { status = spng_set_png_buffer(ctx, raw.baseAddress, raw.count) }
            var ihdr = spng_ihdr()
            if status == 0 { status = spng_get_ihdr(ctx, &ihdr) }
            guard status == 0 else { throw ImagingError(.invalidImage, what: what, why: message(status)) }
            try checkCanHoldPixels(ihdr, fileBytes: raw.count, what: what)
            return try decodePixels(ctx, ihdr: ihdr, what: what)
        } }.get()
    }

    /// Deflate expands at most 1032:1 (RFC 1951: a 2-bit code per 258-byte match), so a file of
    /// `fileBytes` cannot hold more than 1032 · `fileBytes` bytes of pixel data.
    static let maxDeflateRatio = 1032

    /// Refuses a file too small to hold the pixels its header declares (the stored bits, without
    /// filter bytes: a lower bound, so no valid PNG is refused) — a truncated or forged header,
    /// which would otherwise make `decodePixels` allocate and clear up to `maxDecodedBytes` only
    /// to fail (found by fuzz-image: 30 bytes declaring 4103 × 7941 RGB16). - Complexity: O(1).
    static func checkCanHoldPixels(_ ihdr: spng_ihdr, fileBytes: Int, what: String) throws(ImagingError) {
        let samples: Int
        switch ihdr.color_type {
        case 2: samples = 3
        case 4: samples = 2
        case 6: samples = 4
        default: samples = 1
        }
        // width, height ≤ RasterImage.maxSide (spng_set_image_limits): no overflow.
        let pixelBytes = Int(ihdr.width) * Int(ihdr.height) * samples * Int(ihdr.bit_depth) / 8
        guard fileBytes * maxDeflateRatio >= pixelBytes else {
            throw ImagingError(.invalidImage, what: what,
                               why: "truncated: \(ihdr.width)×\(ihdr.height) pixels need \(pixelBytes) bytes, "
                                   + "more than \(fileBytes) bytes of deflate data can hold")
        }
    }

    /// Decodes the pixels once the header is known valid, in the output layout `decode` documents.
    private static func decodePixels(_ ctx: OpaquePointer, ihdr: spng_ihdr, what: String) throws(ImagingError) -> DecodedImage {
        let sixteen = ihdr.bit_depth == 16
        let (format, channels): (spng_format, Int)
        switch ihdr.color_type {
        case 0: (format, channels) = sixteen ? (SPNG_FMT_PNG, 1) : (SPNG_FMT_G8, 1)
        case 4: (format, channels) = sixteen ? (SPNG_FMT_GA16, 2) : (SPNG_FMT_GA8, 2)
        case 6: (format, channels) = sixteen ? (SPNG_FMT_RGBA16, 4) : (SPNG_FMT_RGBA8, 4)
        default: (format, channels) = sixteen ? (SPNG_FMT_RGBA16, 4) : (SPNG_FMT_RGB8, 3)
        }
        var size = 0
        var status = spng_decoded_image_size(ctx, Int32(format.rawValue), &size)
        guard status == 0 else { throw ImagingError(.invalidImage, what: what, why: message(status)) }
        guard size <= maxDecodedBytes else {
            throw ImagingError(.unsupported, what: what, why: "the decoded image would take \(size) bytes (limit \(maxDecodedBytes))")
        }
        let width = Int(ihdr.width), height = Int(ihdr.height)
        var out = [UInt8](repeating: 0, count: size)
        status = out.withUnsafeMutableBytes { spng_decode_image(ctx, $0.baseAddress, size, Int32(format.rawValue), 0) }
        guard status == 0 else { throw ImagingError(.invalidImage, what: what, why: message(status)) }
        if !sixteen {
            return DecodedImage(width: width, height: height, channels: channels, bitDepth: 8, samples: out.map(UInt16.init))
        }
        // 16-bit RGB came out as RGBA16 (libspng has no RGB16 output); host-endian samples.
        var samples = out.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        var outChannels = channels
        if ihdr.color_type == 2 || ihdr.color_type == 3 {
            samples = (0..<(width * height)).flatMap { p in samples[(4 * p)..<(4 * p + 3)] }
            outChannels = 3
        }
        return DecodedImage(width: width, height: height, channels: outChannels, bitDepth: 16, samples: samples)
    }

    static func message(_ status: Int32) -> String {
        guard let text = spng_strerror(status) else { return "libspng error \(status)" }
        return String(cString: text)
    }
}
