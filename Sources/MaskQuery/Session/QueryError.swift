/// A position in the query text: 1-based line and column (columns count characters), and the
/// 1-based character offset from the start of the text (the `position` of CONTRACT.md's HTTP and
/// Python errors; equal to the column on a one-line query). A CR LF pair is one character.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var offset: Int
    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }
    public var description: String { "\(line):\(column)" }
}

/// Why a query failed.
///
/// Query errors (`syntax`, `semantic`) are the user's: the CLI maps them to exit code 2.
/// `io` (reading pixels failed) and `internal` (an invariant of the engine broke) map to exit 1.
public struct QueryError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The text is not in the SQL subset (CONTRACT.md section 3).
        case syntax
        /// Well-formed, but names, types or clauses do not fit (unknown column, arity, ...).
        case semantic
        /// Reading a mask's pixels failed.
        case io
        /// The engine broke one of its own invariants.
        case `internal`
    }

    public var kind: Kind
    /// Where the offending token starts (nil for `io` / `internal` errors).
    public var location: SourceLocation?
    /// The offending token as written ("" at the end of the input).
    public var token: String
    public var message: String
    /// The error underneath an `io` or `internal` error (e.g. the storage error of a failed read),
    /// kept for callers that map it further; nil for errors in the query text.
    public var cause: (any Error)?

    public init(kind: Kind, location: SourceLocation?, token: String, message: String, cause: (any Error)? = nil) {
        self.kind = kind
        self.location = location
        self.token = token
        self.message = message
        self.cause = cause
    }

    /// The process exit code of CONTRACT.md section 4: 2 for a bad query, 1 for an internal or I/O error.
    public var exitCode: Int32 {
        switch kind {
        case .syntax, .semantic: return 2
        case .io, .internal: return 1
        }
    }

    /// `error at 1:34 near 'objetc': unknown ROI set 'objetc' (known: object)`; at the end of the
    /// input `near end of input`; `error: ...` for errors without a position.
    public var description: String {
        guard let location else { return "error: \(message)" }
        let near = token.isEmpty ? "end of input" : "'\(token)'"
        return "error at \(location) near \(near): \(message)"
    }

    static func syntax(_ token: Token, _ message: String) -> QueryError {
        QueryError(kind: .syntax, location: token.location, token: token.text, message: message)
    }

    static func semantic(_ location: SourceLocation, _ token: String, _ message: String) -> QueryError {
        QueryError(kind: .semantic, location: location, token: token, message: message)
    }
}
