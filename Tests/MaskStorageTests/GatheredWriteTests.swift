#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import MaskStorage

/// `SystemCalls.pwriteAll(_:_:offset:path:)`, the gathered write of delta records: more pieces
/// than one `pwritev` takes (1,024), of uneven sizes, land in order at the offset; and
/// `MappedFile.isResident(sampling:)` finds the pages just written in the page cache.
@Suite struct GatheredWriteTests {
    @Test func piecesLandInOrderAcrossBatches() throws {
        let path = NSTemporaryDirectory() + "ms-pwritev-\(UUID().uuidString.prefix(8))"
        defer { unlink(path) }
        let fd = try SystemCalls.open(path, O_RDWR | O_CREAT | O_TRUNC)
        defer { SystemCalls.close(fd) }
        let sizes = (0..<2_500).map { $0 % 3 == 0 ? 8 : ($0 % 3 == 1 ? 37 : 0) }
        let pieces = sizes.enumerated().map { i, n in [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: n) }
        let buffers = pieces.map { p -> UnsafeMutableRawBufferPointer in
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, p.count), alignment: 8)
            b.copyMemory(from: UnsafeRawBufferPointer(start: p, count: p.count))
            return b
        }
        defer { buffers.forEach { $0.deallocate() } }
        let iovecs = zip(buffers, sizes).map { iovec(iov_base: $0.baseAddress, iov_len: $1) }
        try SystemCalls.allocate(fd, offset: 100, length: sizes.reduce(0, +), path: path)
        try SystemCalls.pwriteAll(fd, iovecs, offset: 100, path: path)
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(written.count == 100 + sizes.reduce(0, +))
        #expect(Array(written.prefix(100)) == [UInt8](repeating: 0, count: 100))
        #expect(Array(written.dropFirst(100)) == pieces.flatMap { $0 })
        let mapped = try MappedFile(path: path)
        #expect(mapped.isResident(sampling: [0..<8, 4_000..<4_100, (written.count - 1)..<written.count]))
    }
}
