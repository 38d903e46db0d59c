import Foundation
import MaskQuery
import MaskStorage
import Testing

/// A query over metadata that the database's first-read checks find damaged fails with the
/// storage's corruption error (exit code 1 in the CLI), never with a wrong answer.
@Suite struct DamagedMetadataQueryTests {
    /// A database of `n` 4×4 uint8 masks (mask ids 0..<n) in a fresh temporary directory.
    func database(n: Int) throws -> String {
        let dir = NSTemporaryDirectory() + "ms-damaged-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(n), 4, 4), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.utf8.count & 0xFF), UInt8(dict.utf8.count >> 8)]
        bytes += Array(dict.utf8) + (0..<(n * 16)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/m.npy"))
        _ = try Ingester.ingest(into: dir + "/db", inputs: [dir + "/m.npy"], options: Ingester.Options())
        return dir
    }

    @Test func metadataFilterOnADamagedChunkThrowsTheCorruption() throws {
        let dir = try database(n: 20)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sql = "SELECT mask_id FROM masks WHERE mask_id < 0"
        #expect(try QuerySession(path: dir + "/db", useIndex: false).run(sql).rows.isEmpty)
        let seg = dir + "/db/seg-000001.mss"
        let chunk = try SegmentReader(path: seg).columnDescriptors[0]
        var data = try Data(contentsOf: URL(fileURLWithPath: seg))
        // Row 5's mask_id becomes negative: without the check it would be returned.
        data[Int(chunk.offset) + 8 + 5 * 8 + 7] ^= 0x80
        try data.write(to: URL(fileURLWithPath: seg))
        let session = try QuerySession(path: dir + "/db", useIndex: false)
        #expect(throws: StorageError.self) { _ = try session.run(sql) }
    }
}
