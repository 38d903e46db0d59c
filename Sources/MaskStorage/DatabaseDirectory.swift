/// What a path given as a database is: missing, a database (it has a MANIFEST), or an
/// empty directory a first ingest will make one. Anything else is not a database.
public enum DatabaseDirectory {
    public enum State: Sendable, Equatable {
        case missing, empty, database
    }

    /// The state of `path`.
    /// - Throws: `.notADatabase` for a file, or a directory that holds files but no MANIFEST
    ///   (the database's lock file and the files a first ingest killed before its commit left,
    ///   which the next writer sweeps — exactly the names `isWriterFile` accepts — count as empty).
    /// - Complexity: one `stat`, plus one directory listing when there is no MANIFEST.
    public static func state(of path: String) throws(StorageError) -> State {
        guard SystemCalls.exists(path) else { return .missing }
        guard SystemCalls.isDirectory(path) else {
            throw StorageError.notADatabase(path: path, reason: "not a directory")
        }
        if Database.exists(at: path) { return .database }
        let names = (try? SystemCalls.listDirectory(path)) ?? []
        if names.contains(where: { $0 != DatabaseLock.fileName && !isWriterFile($0) }) {
            throw StorageError.notADatabase(path: path, reason: "the directory is not empty and has no MANIFEST")
        }
        return .empty
    }

    /// True for the exact names a writer creates before its first commit: `seg-NNNNNN.mss`,
    /// `roi-NNNNNN.msr`, `chi-NNNNNN.chi`, `rhi-NNNNNN.rhi` (N decimal digits), each maybe followed by
    /// `.tmp-<pid>`, and `MANIFEST.tmp-<pid>`. O(name length).
    public static func isWriterFile(_ name: String) -> Bool {
        var base = Substring(name)
        if let marker = name.range(of: ".tmp-") {
            let pid = name[marker.upperBound...]
            guard !pid.isEmpty, pid.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            base = name[..<marker.lowerBound]
            if base == Manifest.fileName { return true }
        }
        for (prefix, suffix) in [("seg-", ".mss"), ("roi-", ".msr"), ("chi-", ".chi"), ("rhi-", ".rhi")] where base.hasPrefix(prefix) && base.hasSuffix(suffix) {
            let digits = base.dropFirst(prefix.count).dropLast(suffix.count)
            return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return false
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

/// The identity of a database's MANIFEST as it is now. Every commit replaces the file by a
/// rename (`DatabaseLock.commit`), giving it a new inode and times, so a stamp that differs
/// from an earlier one means a commit happened in between (by any process). Long-lived
/// readers (the C ABI's session pool) compare stamps to notice that their snapshot is old.
public struct ManifestStamp: Sendable, Equatable {
    var inode: UInt64
    var size: Int64
    var modified: timespec
    var changed: timespec

    /// The stamp of `directory`'s MANIFEST, or nil when there is none. One `stat`.
    public init?(directory: String) {
        var s = stat()
        guard stat(Database.manifestPath(directory), &s) == 0 else { return nil }
        inode = UInt64(s.st_ino)
        size = Int64(s.st_size)
        modified = s.st_mtim
        changed = s.st_ctim
    }

    public static func == (a: ManifestStamp, b: ManifestStamp) -> Bool {
        a.inode == b.inode && a.size == b.size
            && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
            && a.changed.tv_sec == b.changed.tv_sec && a.changed.tv_nsec == b.changed.tv_nsec
    }
}

#if canImport(Glibc)
import Glibc
#endif
