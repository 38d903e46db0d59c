#if canImport(Glibc)
import Glibc
#endif
import MaskStorage

/// The library's version (masksearch.h `ms_version`).
public let maskSearchABIVersion = "0.12.0"

nonisolated(unsafe) private let versionText: UnsafeMutablePointer<CChar> = strdup(maskSearchABIVersion)

/// `const char *ms_version(void)`: a static string.
@_cdecl("ms_version")
public func ms_version() -> UnsafePointer<CChar> {
    UnsafePointer(versionText)
}

/// `void ms_free(void *)`: frees a string the library returned.
@_cdecl("ms_free")
public func ms_free(_ pointer: UnsafeMutableRawPointer?) {
    free(pointer)
}

/// `void ms_error_clear(ms_error *)`: frees the error's strings and resets it to MS_OK.
@_cdecl("ms_error_clear")
public func ms_error_clear(_ error: UnsafeMutableRawPointer?) {
    if let error { ErrorRecord.clear(error) }
}

/// `ms_database *ms_open(const char *path, int32_t create, ms_error *)`: checks the path
/// (a database, or an empty directory; with `create` a missing one is made) and returns a
/// handle. Sessions are opened lazily by the first query.
@_cdecl("ms_open")
public func ms_open(_ path: UnsafePointer<CChar>?, _ create: Int32, _ error: UnsafeMutableRawPointer?) -> OpaquePointer? {
    ExportCall.run(error, failure: nil) { () throws -> OpaquePointer? in
        let directory = try ExportCall.text(path, "ms_open", "path")
        guard !directory.isEmpty else { throw ABIError.argument("ms_open", "path is empty") }
        if try DatabaseDirectory.prepare(directory, create: create != 0) == .database {
            _ = try Database(path: directory)  // damage in the manifest is reported now
        }
        return DatabaseHandle(path: directory).opaque
    }
}

/// `void ms_close(ms_database *)`: waits for running calls, then frees the handle.
@_cdecl("ms_close")
public func ms_close(_ database: OpaquePointer?) {
    guard let database, let handle = try? DatabaseHandle.from(database, "ms_close") else { return }
    handle.close()
    DatabaseHandle.release(database)
}
