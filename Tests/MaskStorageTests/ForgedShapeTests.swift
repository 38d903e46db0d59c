import Foundation
import Testing
@testable import MaskStorage
#if canImport(Glibc)
import Glibc
#endif

/// `.npy` headers declaring shapes ingest cannot hold (found by fuzz-npy: a stream's header made
/// ingest allocate 8.9e16 bytes and abort). Each is refused from the header alone — as a stream
/// and as a file — with a typed error naming the shape, and nothing is created.
@Suite struct ForgedShapeTests {
    /// A version-1 `.npy` header for `shape` of `descr`, followed by `data` bytes of zeros.
    static func npy(descr: String, shape: String, data: Int = 0) -> [UInt8] {
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        let n = dict.utf8.count
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(dict.utf8)
            + [UInt8](repeating: 0, count: data)
    }

    static let tooLarge: [(descr: String, shape: String)] = [
        ("|u1", "(1, 300000, 300000)"),        // 9e10 bytes in one mask (more than maxMaskBytes)
        ("<f4", "(1, 2147483648, 2147483648)"), // 2^64 bytes: overflows
        ("|u1", "(0, 5000000000, 1)"),          // a side above the segment's 32-bit field
        ("|u1", "(4611686018427387904, 4, 4)"), // the stack's size overflows
    ]

    @Test("a forged shape is refused from the header, as a stream and as a file", arguments: 0..<4)
    func refused(_ i: Int) throws {
        let t = TempDirectory()
        let file = t.path + "/forged.npy"
        FileManager.default.createFile(atPath: file, contents: Data(Self.npy(descr: Self.tooLarge[i].descr, shape: Self.tooLarge[i].shape)))
        let fd = open(file, O_RDONLY)
        defer { close(fd) }
        for source in [IngestSource.stream(fd: fd, name: "forged stream"), .path(file)] {
            do {
                _ = try Ingester.ingest(into: t.db, sources: [source], options: .init())
                Issue.record("ingest accepted shape \(Self.tooLarge[i].shape)")
            } catch {
                guard case .invalidInput(_, let location, let reason) = error else { Issue.record("\(error)"); continue }
                #expect(location == "npy header")
                #expect(reason.contains("too large"), "\(reason)")
            }
            #expect(!FileManager.default.fileExists(atPath: t.db + "/MANIFEST"))
        }
    }

    /// Ingests a stream of an `.npy` header for `shape` (uint8) and `data` zero bytes into a fresh
    /// database; the error it gives (nil when it was accepted) and whether the directory exists.
    func streamIngestError(shape: String, data: Int) -> (error: StorageError?, databaseExists: Bool) {
        let t = TempDirectory()
        let file = t.path + "/forged.npy"
        FileManager.default.createFile(atPath: file, contents: Data(Self.npy(descr: "|u1", shape: shape, data: data)))
        let fd = open(file, O_RDONLY)
        defer { close(fd) }
        do {
            _ = try Ingester.ingest(into: t.db, sources: [.stream(fd: fd, name: "forged stream")], options: .init())
            return (nil, FileManager.default.fileExists(atPath: t.db))
        } catch {
            return (error, FileManager.default.fileExists(atPath: t.db))
        }
    }

    /// A stream declaring 4e9 masks of one pixel (each shape field valid) aborted allocating
    /// 32 GB of metadata before its first pixel: now an error from the count alone, and the
    /// database directory is not created.
    @Test("a stream declaring more masks than memory can describe is refused before anything is made")
    func declaredCountBeyondMemory() throws {
        let (error, exists) = streamIngestError(shape: "(4000000000, 1, 1)", data: 100)
        guard case .invalidInput(_, let location, let reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(location == "mask count")
        #expect(reason.contains("4000000000 masks") && reason.contains("ingest them in parts"), "\(reason)")
        #expect(!exists)
    }

    @Test("a large mask within the limit that a stream does not deliver is a truncation error")
    func truncatedLargeStream() throws {
        let (error, _) = streamIngestError(shape: "(3, 4096, 4096)", data: 10)
        guard case .invalidInput(_, _, let reason) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("truncated"), "\(reason)")
    }
}
