import Foundation

/// The `images/` directory, open as a descriptor so that each image costs exactly
/// `openat` + `write` + `close`: no path resolution from the root, no `String` or `URL` per
/// file, no `fsync`.
///
/// Only one thread should create files in it. Creating a file takes the directory's inode lock
/// for the whole allocation of the new inode, so a second thread creating in the same
/// directory only spins on that lock (measured here: two threads took longer than one).
final class ImageDirectory {
    let url: URL
    private var descriptor: Int32

    init(_ url: URL) throws(DatasetGenerationError) {
        self.url = url
        do {
            descriptor = try SystemCalls.open(url.path, flags: O_RDONLY | O_DIRECTORY)
        } catch {
            throw DatasetGenerationError(.ioFailure, "cannot open directory", path: url.path, underlying: error)
        }
    }

    deinit { try? SystemCalls.close(descriptor) }

    /// Writes `bytes` as `<imageID>.png`, replacing an older file of that name.
    func writeImage(_ imageID: Int, _ bytes: UnsafeRawBufferPointer) throws(DatasetGenerationError) {
        // "<decimal id>.png\0" in a fixed buffer: at most 20 digits for an Int.
        var name: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let failure: SystemError? = withUnsafeMutableBytes(of: &name) { raw in
            let count = Self.formatName(imageID, into: raw)
            raw[count] = 0
            let path = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            do throws(SystemError) {
                let fd = try SystemCalls.openat(descriptor, path, flags: O_WRONLY | O_CREAT | O_TRUNC)
                do throws(SystemError) {
                    try SystemCalls.writeAll(fd, bytes)
                } catch {
                    try? SystemCalls.close(fd)
                    throw error
                }
                try SystemCalls.close(fd)
                return nil
            } catch {
                return error
            }
        }
        if let failure {
            throw DatasetGenerationError(.ioFailure, "cannot write image",
                                         path: url.appendingPathComponent("\(imageID).png").path, underlying: failure)
        }
    }

    /// Writes `<id>.png` (ASCII, no terminator) at the start of `buffer`; returns its length.
    static func formatName(_ id: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var digits = 0, rest = id
        repeat { digits += 1; rest /= 10 } while rest > 0
        rest = id
        for k in stride(from: digits - 1, through: 0, by: -1) {
            buffer[k] = 0x30 + UInt8(rest % 10)
            rest /= 10
        }
        for (k, byte) in [UInt8(ascii: "."), UInt8(ascii: "p"), UInt8(ascii: "n"), UInt8(ascii: "g")].enumerated() {
            buffer[digits + k] = byte
        }
        return digits + 4
    }
}
