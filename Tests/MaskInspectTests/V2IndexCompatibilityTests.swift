import Foundation
import MaskFormat
import MaskIndex
import MaskInspect
import MaskStorage
import Testing

/// The committed version-2 index fixture (`Fixtures/v2index`: `masks.npy`, 20 masks 16×24
/// uint8, ingested and indexed with `--bins 8 --cell 4` by the build that wrote index version
/// 2, then the bits of masks 10…19 cleared and the unsynced mark zeroed): a version-3 reader
/// reads it — no delta region — and an incremental writer adds masks to its key columns.
/// Never regenerate it for a format change.
@Suite struct V2IndexCompatibilityTests {
    func copyOfFixture() throws -> String {
        let dir = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.directory + "/v2index/db", toPath: dir + "/db")
        return dir
    }

    /// Exact CP of `row` over `box` for codes in `codes`.
    func exactCP(_ db: Database, row: Int, box: PixelBox, codes: CodeInterval) throws -> Int {
        var pixels = [UInt8](repeating: 0, count: 16 * 24)
        try pixels.withUnsafeMutableBytes { try db.readPixels(row: row, rows: 0..<16, into: $0) }
        var n = 0
        for y in box.y0..<box.y1 { for x in box.x0..<box.x1 where codes.contains(UInt32(pixels[y * 24 + x])) { n += 1 } }
        return n
    }

    @Test func versionTwoIndexFilesAreReadAndExtended() throws {
        let dir = try copyOfFixture()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try Database(path: dir + "/db")
        let index = try DatabaseIndex(database: db, incremental: true)
        let f = try #require(index.files[0])
        #expect(f.header.readVersion == 2 && f.delta == nil && f.trusted && f.validCount == 10)
        #expect((0..<20).allSatisfy { index.isIndexed(row: $0) == ($0 < 10) })
        for (box, lv, uv) in [(PixelBox(x0: 0, y0: 0, x1: 24, y1: 16), 0.5, 1.0), (PixelBox(x0: 3, y0: 2, x1: 17, y1: 11), 0.2, 0.7)] {
            let codes = PixelFormat.uint8.codeInterval(lower: lv, upper: uv)
            let all = try #require(index.boundsForAllRows(box: box, codes: codes))
            for row in 0..<20 {
                let cp = try exactCP(db, row: row, box: box, codes: codes)
                if row < 10 { #expect(all.lower[row] <= cp && cp <= all.upper[row], "row \(row)") } else { #expect(all.lower[row] == -1) }
            }
        }
        // Incremental indexing of a version-2 file stores into its columns.
        var pixels = [UInt8](repeating: 0, count: 16 * 24)
        for row in 10..<13 {
            try pixels.withUnsafeMutableBytes { try db.readPixels(row: row, rows: 0..<16, into: $0) }
            #expect(pixels.withUnsafeBytes { index.observe(row: row, pixels: $0) })
        }
        try index.flush()
        let reopened = try DatabaseIndex(database: try Database(path: dir + "/db"), incremental: false)
        #expect(reopened.files[0]!.header.readVersion == 2 && reopened.files[0]!.validCount == 13)
        let dump = try FileDump.open(path: reopened.files[0]!.path)
        #expect(dump.corruptions.isEmpty, "\(dump.corruptions)")
    }
}
