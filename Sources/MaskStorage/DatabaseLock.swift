#if canImport(Glibc)
import Glibc
#endif

/// The writer lock of a database directory: an exclusive open-file-description lock on
/// `DIR/LOCK` (`SystemCalls.lockExclusive`), held for the whole of a write (ingest, roi, index,
/// a query's index flush). Writers wait for each other, whether in other processes or in other
/// threads of this one: two writers at once are serialised, never refused. Not reentrant: a
/// holder must not take it again for the same directory. Released on `release()`, or by the
/// kernel when the process exits, even by kill -9. Writers also use it to sweep files left
/// by an interrupted writer: any `seg-`/`roi-`/`chi-` file or `.tmp-` file the manifest
/// does not name.
public final class DatabaseLock {
    public let directory: String
    private var fd: Int32

    public static let fileName = "LOCK"

    /// Waits for the lock of `directory` (which must exist).
    public init(directory: String) throws(StorageError) {
        self.directory = directory
        fd = try SystemCalls.open(directory + "/" + DatabaseLock.fileName, O_RDWR | O_CREAT)
        do throws(StorageError) {
            try SystemCalls.lockExclusive(fd, path: directory + "/" + DatabaseLock.fileName)
        } catch {
            SystemCalls.close(fd)
            throw error
        }
    }

    public func release() {
        if fd >= 0 { SystemCalls.close(fd); fd = -1 }
    }

    deinit { release() }

    /// Replaces the manifest atomically.
    public func commit(_ manifest: Manifest) throws(StorageError) {
        try writeFileAtomically(manifest.encoded(), to: Database.manifestPath(directory), directory: directory)
    }

    /// Deletes files of ours that `manifest` does not reference (left by an interrupted
    /// writer, or replaced by the last commit). Never touches other files.
    public func sweep(keeping manifest: Manifest?) {
        guard let names = try? SystemCalls.listDirectory(directory) else { return }
        var live: Set<String> = []
        if let m = manifest {
            for s in m.segments {
                live.insert(s.file)
                if let i = s.indexFile { live.insert(i) }
            }
            for r in m.roiSets {
                live.insert(r.file)
                for h in r.histograms ?? [] { live.insert(h.file) }
            }
        }
        for name in names where !live.contains(name) {
            let ours = name.hasPrefix("seg-") || name.hasPrefix("roi-") || name.hasPrefix("chi-") || name.hasPrefix("rhi-")
                || (name.hasPrefix(Manifest.fileName) && name.contains(".tmp-"))
            if ours { SystemCalls.unlink(directory + "/" + name) }
        }
    }
}
