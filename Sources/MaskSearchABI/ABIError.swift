import MaskQuery
import MaskStorage

/// An error as the C ABI reports it: `ms_error_kind`, and for a bad query the offending
/// token and its 1-based character offset; the message is the CLI's for the same error.
public struct ABIError: Error, Sendable, Equatable {
    /// The values of `ms_error_kind` (masksearch.h).
    public enum Kind: Int32, Sendable {
        case ok = 0, query = 1, input = 2, `internal` = 3, closed = 4
    }

    public var kind: Kind
    public var position: Int64 = 0
    public var token: String?
    public var message: String

    init(_ kind: Kind, _ message: String, token: String? = nil, position: Int64 = 0) {
        self.kind = kind
        self.message = message
        self.token = token
        self.position = position
    }

    /// A bad argument of a C call (a NULL pointer, a negative or overflowing count).
    static func argument(_ function: String, _ reason: String) -> ABIError {
        ABIError(.input, "error: \(function): \(reason)")
    }

    static let closed = ABIError(.closed, "error: the database handle is closed")

    /// Maps a library error as the CLI does (`CommandFailure.from`): a bad query →
    /// `.query` with its token and offset; a storage error the user caused → `.input`;
    /// I/O, damage and broken invariants → `.internal`.
    static func from(_ error: any Error) -> ABIError {
        switch error {
        case let e as ABIError:
            return e
        case let q as QueryError:
            switch q.kind {
            case .syntax, .semantic:
                return ABIError(.query, q.description, token: q.token, position: Int64(q.location?.offset ?? 0))
            case .io, .internal:
                return ABIError(.internal, q.description)
            }
        case let s as StorageError:
            return ABIError(s.isUserError ? .input : .internal, s.description)
        default:
            return ABIError(.internal, "error: \(error)")
        }
    }
}
