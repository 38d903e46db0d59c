import Foundation

/// Why a dataset could not be generated.
///
/// A closed `code`, a human-readable `message`, the file concerned (when there is one) and the
/// underlying error (when one was thrown below us). Nothing is left behind on failure except
/// temporary `*.partial` files, which a retry overwrites.
public struct DatasetGenerationError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// A configuration value is out of range (the message names it).
        case invalidConfiguration
        /// A file or directory could not be created, written, or renamed.
        case ioFailure
    }

    public let code: Code
    public let message: String
    public let path: String?
    public let underlying: String?

    public init(_ code: Code, _ message: String, path: String? = nil, underlying: Error? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.underlying = underlying.map { String(describing: $0) }
    }

    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let path { text += " (\(path))" }
        if let underlying { text += ": \(underlying)" }
        return text
    }
}
