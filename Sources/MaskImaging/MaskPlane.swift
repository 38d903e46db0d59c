/// One channel of a PNG or JPEG file read as a mask (CONTRACT.md section 8): `width × height`
/// samples, row-major, at the file's bit depth (8 or 16), so a sample v means v/255 or v/65535
/// (or, for a label map, the class id v).
public struct MaskPlane: Sendable, Equatable {
    /// The channel picked from a file with more than one (`--channel`).
    public enum Channel: String, Sendable, CaseIterable {
        case r, g, b, a
    }

    public let width: Int
    public let height: Int
    /// 8 or 16.
    public let bitDepth: Int
    public let samples: [UInt16]

    /// The largest sample value: 255 or 65535.
    public var maxSample: Int { bitDepth == 16 ? 65_535 : 255 }

    /// Decodes `bytes` (PNG by its signature, else JPEG) to one plane. Grey files give their
    /// grey; other files need `channel`: r, g or b of RGB and RGBA (and of palette PNGs, read as
    /// RGB), a of RGBA and grey + alpha (whose r, g and b are the grey). O(pixels).
    ///
    /// - Throws: `.invalidImage` for a file that is not a valid PNG or JPEG, or that has
    ///   several channels and no `channel` (or not the one asked).
    public static func decode(_ bytes: [UInt8], channel: Channel?, what: String) throws(ImagingError) -> MaskPlane {
        do throws(ImagingError) {
            switch ImageFile.format(of: bytes) {
            case .png:
                let d = try PNGCodec.decode(bytes)
                return try pick(width: d.width, height: d.height, bitDepth: d.bitDepth, channels: d.channels,
                                samples: d.samples, channel: channel, what: what)
            case .jpeg:
                let r = try JPEGCodec.decode(bytes)
                return try pick(width: r.width, height: r.height, bitDepth: 8, channels: r.channels,
                                samples: r.pixels.map(UInt16.init), channel: channel, what: what)
            case nil:
                throw ImagingError(.invalidImage, what: what, why: "neither a PNG nor a JPEG file")
            }
        } catch {
            throw ImagingError(error.kind, what: what, why: error.why)
        }
    }

    /// The plane of `channel` in interleaved `samples` of `channels` per pixel.
    static func pick(width: Int, height: Int, bitDepth: Int, channels: Int, samples: [UInt16],
                     channel: Channel?, what: String) throws(ImagingError) -> MaskPlane {
        if channels == 1 { return MaskPlane(width: width, height: height, bitDepth: bitDepth, samples: samples) }
        let kind = [2: "grey + alpha", 3: "colour (RGB)", 4: "colour with alpha (RGBA)"][channels] ?? "\(channels)-channel"
        guard let channel else {
            throw ImagingError(.invalidImage, what: what,
                               why: "a \(kind) image is not a mask: save it as greyscale, or pick one channel with --channel r|g|b|a")
        }
        let index: Int?
        switch (channels, channel) {
        case (2, .a): index = 1
        case (2, _): index = 0
        case (_, .a): index = channels == 4 ? 3 : nil
        case (_, .r): index = 0
        case (_, .g): index = 1
        case (_, .b): index = 2
        }
        guard let index else { throw ImagingError(.invalidImage, what: what, why: "a \(kind) image has no alpha channel") }
        let plane = (0..<(width * height)).map { samples[$0 * channels + index] }
        return MaskPlane(width: width, height: height, bitDepth: bitDepth, samples: plane)
    }
}
