#if canImport(Glibc)
import Glibc
#endif

/// The frame every exported function runs its body in: a thrown error is mapped
/// (`ABIError.from`) into the caller's `ms_error` and the function's failure value returned
/// (NULL or -1); success marks the `ms_error` MS_OK. Nothing is thrown across the C boundary.
enum ExportCall {
    static func run<T>(_ error: UnsafeMutableRawPointer?, failure: T, _ body: () throws -> T) -> T {
        do {
            let value = try body()
            ErrorRecord.succeed(error)
            return value
        } catch let thrown {
            ErrorRecord.store(ABIError.from(thrown), into: error)
            return failure
        }
    }

    /// `run` for functions returning a string the caller frees with `ms_free` (`strdup`).
    static func string(_ error: UnsafeMutableRawPointer?, _ body: () throws -> String) -> UnsafeMutablePointer<CChar>? {
        run(error, failure: nil) { () throws -> UnsafeMutablePointer<CChar>? in
            let text = try body()
            guard let copy = strdup(text) else { throw ABIError(.internal, "error: out of memory") }
            return copy
        }
    }

    /// A C string argument as a Swift string, or a bad-argument error naming it.
    static func text(_ pointer: UnsafePointer<CChar>?, _ function: String, _ name: String) throws(ABIError) -> String {
        guard let pointer else { throw ABIError.argument(function, "\(name) is NULL") }
        return String(cString: pointer)
    }
}
