import Foundation

/// Image files on disk: PNG or JPEG, told apart by their first bytes (not the name).
public enum ImageFile {
    /// Largest image file read, in bytes (64 MiB).
    public static let maxFileBytes = 64 << 20

    /// The kinds of file `read` understands.
    public enum Format: String, Sendable {
        case png, jpeg

        /// The usual file name extension.
        public var fileExtension: String { self == .png ? "png" : "jpg" }
        /// The HTTP Content-Type.
        public var mediaType: String { self == .png ? "image/png" : "image/jpeg" }
    }

    /// The format of `bytes` by magic number, or nil.
    public static func format(of bytes: [UInt8]) -> Format? {
        if bytes.starts(with: PNGCodec.signature) { return .png }
        if bytes.starts(with: JPEGCodec.signature) { return .jpeg }
        return nil
    }

    /// Reads and decodes the image at `path` as 8-bit grey, RGB or RGBA (16-bit PNGs are
    /// rounded to 8 bits); with `rgb` every result is 3-channel RGB.
    ///
    /// - Throws: `.io` when the file cannot be read or is larger than `maxFileBytes`;
    ///   `.invalidImage` when it is neither a valid PNG nor a valid JPEG.
    public static func read(path: String, rgb: Bool = false) throws(ImagingError) -> RasterImage {
        let bytes = try readBytes(path: path)
        let image = try decode(bytes, what: "reading \(path)")
        return rgb ? image.toRGB() : image
    }

    /// Decodes PNG or JPEG `bytes` (by magic number).
    public static func decode(_ bytes: [UInt8], what: String = "decoding an image") throws(ImagingError) -> RasterImage {
        do throws(ImagingError) {
            switch format(of: bytes) {
            case .png: return try PNGCodec.decode(bytes).raster()
            case .jpeg: return try JPEGCodec.decode(bytes)
            case nil: throw ImagingError(.invalidImage, what: what, why: "neither a PNG nor a JPEG file")
            }
        } catch {
            throw ImagingError(error.kind, what: what, why: error.why)
        }
    }

    /// The bytes of the file at `path`, at most `maxFileBytes`.
    public static func readBytes(path: String) throws(ImagingError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImagingError(.io, what: "reading \(path)", why: "cannot open the file")
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: maxFileBytes + 1) ?? Data()
            guard data.count <= maxFileBytes else {
                throw ImagingError(.io, what: "reading \(path)", why: "the file is larger than \(maxFileBytes) bytes")
            }
            return [UInt8](data)
        } catch let error as ImagingError {
            throw error
        } catch {
            throw ImagingError(.io, what: "reading \(path)", why: "\(error)")
        }
    }
}
