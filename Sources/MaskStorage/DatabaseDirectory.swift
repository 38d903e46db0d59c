/// What a path given as a database is: missing, a database (it has a MANIFEST), or an
/// empty directory a first ingest will make one. Anything else is not a database.
public enum DatabaseDirectory {
    public enum State: Sendable, Equatable {
        case missing, empty, database
    }

    /// The state of `path`.
    /// - Throws: `.notADatabase` for a file, or a directory that holds files but no MANIFEST
    ///   (the database's lock file alone counts as empty).
    /// - Complexity: one `stat`, plus one directory listing when there is no MANIFEST.
    public static func state(of path: String) throws(StorageError) -> State {
        guard SystemCalls.exists(path) else { return .missing }
        guard SystemCalls.isDirectory(path) else {
            throw StorageError.notADatabase(path: path, reason: "not a directory")
        }
        if Database.exists(at: path) { return .database }
        let names = (try? SystemCalls.listDirectory(path)) ?? []
        if names.contains(where: { $0 != DatabaseLock.fileName }) {
            throw StorageError.notADatabase(path: path, reason: "the directory is not empty and has no MANIFEST")
        }
        return .empty
    }

    /// Opens `path` as a database directory for a long-lived client (the C ABI's `ms_open`):
    /// checks its state and, with `create`, makes a missing directory (empty: the first
    /// ingest makes it a database). Without `create` a missing path is bad input.
    public static func prepare(_ path: String, create: Bool) throws(StorageError) -> State {
        let state = try state(of: path)
        guard state == .missing else { return state }
        guard create else {
            throw StorageError.invalidInput(file: path, location: "", reason: "no such database directory")
        }
        try SystemCalls.mkdir(path)
        return .empty
    }
}
