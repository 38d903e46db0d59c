/// A failure of the imaging layer: what was being done and why it failed.
///
/// Decoders report hostile or damaged input as `.invalidImage` (never a crash); encoders
/// report images whose fields disagree as `.invalidArgument`; file access reports `.io`.
public struct ImagingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The bytes are not a valid image of a supported kind (damaged, truncated, unknown format).
        case invalidImage
        /// The image is valid but uses something this layer does not support, or is too large.
        case unsupported
        /// The caller passed inconsistent values (a pixel buffer of the wrong size, a bad quality).
        case invalidArgument
        /// A file could not be read or written.
        case io
        /// The C library failed for a reason unrelated to the input (out of memory, say).
        case codecFailure
    }

    public let kind: Kind
    /// What was being done, e.g. "decoding a PNG image" or "reading /data/images/3.png".
    public let what: String
    /// Why it failed, e.g. the library's message.
    public let why: String

    public init(_ kind: Kind, what: String, why: String) {
        self.kind = kind
        self.what = what
        self.why = why
    }

    public var description: String { "\(what): \(why)" }
}
