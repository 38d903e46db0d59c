import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small real file system for full-disk tests: a `tmpfs` of a given size mounted on a new
/// temporary directory, unmounted (and the directory removed) at deinit. Mounting needs root
/// (CAP_SYS_ADMIN): where it is refused, `init` returns nil and the caller falls back to the
/// storage layer's fault hook (`MASKSEARCH_FAIL_ENOSPC`), saying so (`fallbackNote`). Setting
/// `MASKSEARCH_TEST_NO_TMPFS` takes that fallback as a non-root machine would.
public final class SmallFileSystem {
    public let path: String

    /// The note a test prints when it falls back to the fault hook.
    public static let fallbackNote = "note: cannot mount a tmpfs here (not root): the full disk is simulated by MASKSEARCH_FAIL_ENOSPC"

    public init?(bytes: Int) {
        path = NSTemporaryDirectory() + "ms-smallfs-\(UUID().uuidString.prefix(8))"
        guard getenv("MASKSEARCH_TEST_NO_TMPFS") == nil, mkdir(path, 0o755) == 0 else { return nil }
        guard Self.run(["mount", "-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", path]) == 0 else {
            rmdir(path)
            return nil
        }
    }

    deinit {
        _ = Self.run(["umount", path])
        rmdir(path)
    }

    /// Runs a system command quietly; its exit status (-1 when it cannot start).
    private static func run(_ arguments: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Bytes free for an unprivileged writer now (`statvfs`).
    public var available: Int {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return 0 }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }

    /// Fills the file system with the file `FS/filler` until a write fails with ENOSPC, then
    /// gives back `room` bytes (rounded to pages by the file system) by shortening it.
    public func fill(leaving room: Int) {
        let filler = path + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0xA5, count: 1 << 16)
        var size = 0
        while true {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            size += n
        }
        _ = ftruncate(fd, off_t(max(0, size - room)))
    }

    /// Removes the filler: the space is back.
    public func empty() { unlink(path + "/filler") }
}

/// Every file under a directory (not `LOCK`, which writers create and keep) by relative path,
/// with its bytes (empty for a directory): two snapshots are equal when the tree is
/// byte-identical.
public func directorySnapshot(_ path: String) throws -> [String: Data] {
    var out: [String: Data] = [:]
    for name in FileManager.default.subpaths(atPath: path) ?? [] where name != "LOCK" {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory)
        out[name] = isDirectory.boolValue ? Data() : try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))
    }
    return out
}
