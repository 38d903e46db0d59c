/// A failed export or augmentation: what was being done and why. Nothing is left behind in
/// the target directory when one is thrown.
public struct ExportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The target exists and is not an empty directory, or another argument is wrong.
        case invalidArgument
        /// The result lacks what the operation needs (a mask_id or image_id column, a ROI set).
        case unsupportedResult
        /// Reading a mask or an image, or writing the output, failed.
        case io
    }

    public let kind: Kind
    public let what: String
    public let why: String

    public init(_ kind: Kind, what: String, why: String) {
        self.kind = kind
        self.what = what
        self.why = why
    }

    public var description: String { "\(what): \(why)" }
}
