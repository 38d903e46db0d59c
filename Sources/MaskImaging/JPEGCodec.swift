import CTurboJPEG

/// JPEG encoding and decoding through libjpeg-turbo's TurboJPEG API.
///
/// Encoding writes baseline JPEG (4:2:0 chroma subsampling for colour, grey as grey); alpha is
/// dropped. Decoding gives grey for grey JPEGs and RGB otherwise, stops at the first libjpeg
/// warning (so a truncated file is an error, not a half-grey picture) and reports damaged or
/// hostile bytes as `ImagingError.invalidImage`.
public enum JPEGCodec {
    /// The first bytes of every JPEG file (SOI and the start of the next marker).
    public static let signature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// The JPEG file of `image` at `quality` (1...100).
    ///
    /// - Throws: `.invalidArgument` for a quality outside 1...100; `.codecFailure` when
    ///   libjpeg-turbo fails.
    public static func encode(_ image: RasterImage, quality: Int) throws(ImagingError) -> [UInt8] {
        let what = "encoding a \(image.width)×\(image.height) JPEG"
        guard (1...100).contains(quality) else {
            throw ImagingError(.invalidArgument, what: what, why: "quality must be in 1...100, got \(quality)")
        }
        guard let handle = tjInitCompress() else {
            throw ImagingError(.codecFailure, what: what, why: "libjpeg-turbo could not allocate a compressor")
        }
        defer { tjDestroy(handle) }
        let format: TJPF = image.channels == 1 ? TJPF_GRAY : image.channels == 3 ? TJPF_RGB : TJPF_RGBA
        let subsampling: TJSAMP = image.channels == 1 ? TJSAMP_GRAY : TJSAMP_420
        var output: UnsafeMutablePointer<UInt8>? = nil
        var length: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            tjCompress2(handle, pixels.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(format.rawValue),
                        &output, &length, Int32(subsampling.rawValue), Int32(quality), 0)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            throw ImagingError(.codecFailure, what: what, why: message(handle))
        }
        return [UInt8](UnsafeBufferPointer(start: output, count: Int(length)))
    }

    /// Decodes a JPEG file to grey (grey JPEGs) or RGB.
    ///
    /// - Throws: `.invalidImage` for anything that is not a complete, valid JPEG; `.unsupported`
    ///   beyond `RasterImage.maxSide` per side.
    public static func decode(_ bytes: [UInt8]) throws(ImagingError) -> RasterImage {
        let what = "decoding a JPEG image of \(bytes.count) bytes"
        guard bytes.count >= 3, Array(bytes[0..<3]) == signature else {
            throw ImagingError(.invalidImage, what: what, why: "no JPEG signature")
        }
        guard let handle = tjInitDecompress() else {
            throw ImagingError(.codecFailure, what: what, why: "libjpeg-turbo could not allocate a decompressor")
        }
        defer { tjDestroy(handle) }
        return try bytes.withUnsafeBufferPointer { jpeg in Result { () throws(ImagingError) in
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
            guard tjDecompressHeader3(handle, jpeg.baseAddress, UInt(jpeg.count), &width, &height, &subsampling, &colourspace) == 0 else {
                throw ImagingError(.invalidImage, what: what, why: message(handle))
            }
            guard width >= 1, height >= 1, Int(width) <= RasterImage.maxSide, Int(height) <= RasterImage.maxSide else {
                throw ImagingError(.unsupported, what: what, why: "size \(width)×\(height) is outside 1...\(RasterImage.maxSide) per side")
            }
            let grey = colourspace == Int32(TJCS_GRAY.rawValue)
            let channels = grey ? 1 : 3
            var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
            let status = pixels.withUnsafeMutableBufferPointer { out in
                tjDecompress2(handle, jpeg.baseAddress, UInt(jpeg.count), out.baseAddress, width, 0, height,
                              Int32((grey ? TJPF_GRAY : TJPF_RGB).rawValue), TJFLAG_STOPONWARNING)
            }
            guard status == 0 else { throw ImagingError(.invalidImage, what: what, why: message(handle)) }
            return RasterImage(unchecked: Int(width), height: Int(height), channels: channels, pixels: pixels)
        } }.get()
    }

    private static func message(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "libjpeg-turbo error" }
        return String(cString: text)
    }
}
