import Foundation
import MaskExport
import MaskQuery
import MaskStorage

/// What `export` and `augment` share: the query run through `QuerySession` (as `query` runs
/// it, index built incrementally), the image folder resolved, and `ExportError` mapped to an
/// exit code. The writing itself is `ResultExport`'s, the same code the server's
/// `/api/export` and `/api/augment` call.
enum ResultOutput {
    /// Runs `sql` on the database at `db` and returns the result with the database it read.
    /// A sharded directory is refused (exit 2): the writers read masks through one table.
    static func query(_ db: String, sql: String, command: String) throws -> (QueryResult, Database) {
        if ShardedCommands.isSharded(db) {
            throw CommandFailure("error: \(command) is not available on a sharded database (run it on a shard: \(db)/shard-NNN)", code: 2)
        }
        return try runReportingErrors {
            let session = try QuerySession(path: db)
            let result = try session.run(sql)
            return (result, session.database)
        }
    }

    /// The image folder: `override` when given (it must be a directory), else the one
    /// `ingest --images` recorded, else nil.
    static func imageFolder(_ override: String?, database: Database) throws -> String? {
        guard let override else { return database.manifest.imageFolder }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: override, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("error: --images \(override): no such directory", code: 2)
        }
        return URL(fileURLWithPath: override).standardizedFileURL.path
    }

    /// Runs a writer, mapping its `ExportError` to exit 2 (bad argument or result) or 1 (I/O).
    static func writing(_ body: () throws(ExportError) -> Void) throws {
        do {
            try body()
        } catch {
            throw CommandFailure("error: \(error.description)", code: error.kind == .io ? 1 : 2)
        }
    }
}
