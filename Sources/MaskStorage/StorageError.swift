import MaskFormat

/// Why a storage operation failed. Every case carries what a user needs to act on it:
/// the file, the mask or line, and the reason.
public enum StorageError: Error, Sendable, CustomStringConvertible {
    /// Bad user input (exit code 2): a malformed file, a value out of range, a duplicate id.
    case invalidInput(file: String, location: String, reason: String)
    /// The database directory or one of its files is damaged.
    case corrupt(FormatError)
    /// A system call failed.
    case system(call: String, path: String, errno: Int32)
    /// The database is not there or not a masksearch database.
    case notADatabase(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidInput(let file, let location, let reason):
            var s = "error: \(file)"
            if !location.isEmpty { s += ": \(location)" }
            return s + ": \(reason)"
        case .corrupt(let e):
            return "error: \(e)"
        case .system(let call, let path, let errno):
            return "error: \(call)(\(path)) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case .notADatabase(let path, let reason):
            return "error: \(path) is not a masksearch database: \(reason)"
        }
    }

    /// True for errors caused by the user's input (exit code 2), false for internal ones (1).
    public var isUserError: Bool {
        switch self {
        case .invalidInput, .notADatabase: return true
        case .corrupt, .system: return false
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
