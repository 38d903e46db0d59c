/// Damage or an unsupported version found while decoding an on-disk structure.
///
/// Corruption is a normal, typed result (as LevelDB's `Status::Corruption`), never a crash:
/// every decoder in MaskFormat and MaskStorage reports it with the structure it was reading,
/// the file, and the byte offset.
public struct FormatError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// A magic number did not match.
        case badMagic = "bad magic"
        /// A checksum did not match the bytes it covers.
        case checksumMismatch = "checksum mismatch"
        /// The file needs a newer reader.
        case unsupportedVersion = "unsupported version"
        /// A length or offset points outside the file or the structure.
        case outOfBounds = "out of bounds"
        /// A field holds a value the format does not allow (reserved bits, unknown enum).
        case invalidField = "invalid field"
        /// Compressed data did not decode to its declared size.
        case decompressionFailed = "decompression failed"
    }

    public var code: Code
    /// The structure being decoded, e.g. "segment header", "block 17", "column 'label'".
    public var structure: String
    /// The file, when known.
    public var file: String
    /// Byte offset of the structure in the file, when known.
    public var offset: UInt64?
    public var detail: String

    public init(_ code: Code, structure: String, file: String = "", offset: UInt64? = nil, detail: String = "") {
        self.code = code
        self.structure = structure
        self.file = file
        self.offset = offset
        self.detail = detail
    }

    /// The same error located in `file`.
    public func located(in file: String) -> FormatError {
        var copy = self
        copy.file = file
        return copy
    }

    public var description: String {
        var s = "corruption: \(structure): \(code.rawValue)"
        if !detail.isEmpty { s += " (\(detail))" }
        if !file.isEmpty { s += " in \(file)" }
        if let offset { s += " at byte \(offset)" }
        return s
    }
}
