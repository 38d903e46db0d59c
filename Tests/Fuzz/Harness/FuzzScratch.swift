import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The private scratch directory of one fuzzing process: `/dev/shm/masksearch-fuzz-PID` (tmpfs,
/// so the many small writes and syncs of each input cost no disk I/O), or under the temporary
/// directory where /dev/shm is missing. Removed when the process exits normally; a crashed
/// process leaves it for `Tools/fuzz.sh` to remove.
public enum FuzzScratch {
    /// The process's scratch root, created on first use.
    public static let root: String = {
        let base = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = (base as NSString).appendingPathComponent("masksearch-fuzz-\(getpid())")
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: FuzzScratch.root) }
        return path
    }()

    /// `root/name`, emptied: removed with everything in it, then created again.
    public static func fresh(_ name: String) -> String {
        let path = root + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `bytes` to the file `path` (replacing it); false when that fails.
    @discardableResult
    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String) -> Bool {
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    /// Stops the process with a message: for a fixture that cannot be built, which is a broken
    /// harness (or checkout), not a finding.
    public static func abandon(_ message: String) -> Never {
        FileHandle.standardError.write(Data("masksearch fuzz harness: \(message)\n".utf8))
        exit(3)
    }
}
