#if canImport(Glibc)
import Glibc
#endif

/// The identity of the running kernel boot, as a 64-bit tag: what lets an index file be
/// written without waiting for the disk (Format/index.md, "Write protocol").
///
/// Within one boot the page cache is coherent, so a store made through a shared mapping is
/// seen by every later reader whether or not it has reached the disk; only a kernel crash or
/// power loss can lose or reorder unsynced writes, and those always change the boot. A file
/// marked "unsynced in boot T" is therefore trustworthy exactly when T is the current boot.
///
/// Source: Linux `/proc/sys/kernel/random/boot_id` (a random UUID per boot), hashed with
/// FNV-1a to 64 bits (never 0). Elsewhere, or when it cannot be read, the tag is 0 and
/// writers fall back to syncing before they publish.
public enum BootSession {
    public static let tag: UInt64 = readTag()

    static func readTag() -> UInt64 {
        #if os(Linux)
        let fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 64) }
        guard n > 0 else { return 0 }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in buffer[0..<n] where b != 0x0A {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h == 0 ? 1 : h
        #else
        return 0
        #endif
    }
}
