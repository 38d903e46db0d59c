#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file (`mmap(PROT_READ, MAP_SHARED)`), unmapped on
/// deinit. swift-system has no mmap wrapper; this follows its style.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    /// Maps `path`. An empty file maps to an empty buffer.
    public init(path: String) throws(StorageError) {
        self.path = path
        let fd = try SystemCalls.open(path, O_RDONLY)
        defer { SystemCalls.close(fd) }
        let size = try SystemCalls.fileSize(fd, path: path)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw StorageError.system(call: "mmap", path: path, errno: errno)
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    public var count: Int { bytes.count }

    /// Bytes `range` of the file; nil when the range is outside it.
    public func slice(offset: UInt64, length: UInt64) -> UnsafeRawBufferPointer? {
        guard offset <= UInt64(bytes.count), length <= UInt64(bytes.count) - offset else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[Int(offset)..<Int(offset + length)])
    }

    /// Tells the kernel the whole file will be read soon / randomly.
    public func adviseRandom() {
        if let base = bytes.baseAddress { madvise(UnsafeMutableRawPointer(mutating: base), bytes.count, MADV_RANDOM) }
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}
