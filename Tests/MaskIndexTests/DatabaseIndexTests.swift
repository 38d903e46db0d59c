import Foundation
import MaskFormat
import MaskStorage
import MaskTestSupport
import Testing
@testable import MaskIndex

/// The database index over real files: the vectorised all-rows bounds equal the per-row
/// bounds, and both contain the exact CP, across segments and for masks not yet indexed.
@Suite struct DatabaseIndexTests {
    /// A database of two segments of random 23×37 uint8 masks; only the first is indexed.
    func database(_ dir: String) throws -> Database {
        var rng = SplitMix64(seed: 99)
        for (i, n) in [40, 25].enumerated() {
            let path = dir + "/in\(i).npy"
            var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(n), 23, 37), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
            for _ in 0..<(n * 23 * 37) { bytes.append(UInt8(truncatingIfNeeded: (rng.next() >> 59) << 4)) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            _ = try Ingester.ingest(into: dir + "/db", inputs: [path], options: .init())
            if i == 0 { _ = try IndexBuilder.build(databasePath: dir + "/db", bins: 8, cell: 5) }
        }
        return try Database(path: dir + "/db")
    }

    @Test func allRowsBoundsMatchPerRowBounds() throws {
        let dir = NSTemporaryDirectory() + "ms-dbindex-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try database(dir)
        let index = try DatabaseIndex(database: db, incremental: false)
        #expect(index.files.count == 2 && index.files[1] == nil)
        var rng = SplitMix64(seed: 5)
        var buffer = [UInt8](repeating: 0, count: 23 * 37)
        for _ in 0..<200 {
            let x0 = Int(rng.next() % 40) - 2, y0 = Int(rng.next() % 26) - 2
            let box = PixelBox(x0: x0, y0: y0, x1: x0 + Int(rng.next() % 20) + 1, y1: y0 + Int(rng.next() % 12) + 1)
                .clipped(width: 37, height: 23)
            let lv = Double(rng.next() % 256) / 255.0, uv = lv + Double(rng.next() % 128) / 255.0
            let codes = PixelFormat.uint8.codeInterval(lower: lv, upper: uv)
            guard !box.isEmpty, let all = index.boundsForAllRows(box: box, codes: codes) else { continue }
            for row in 0..<db.count {
                let one = index.bounds(row: row, box: box, codes: codes)
                if let one {
                    #expect(Int(all.lower[row])...Int(all.upper[row]) == one, "row \(row) box \(box)")
                    try buffer.withUnsafeMutableBytes { try db.readPixels(row: row, rows: 0..<23, into: $0) }
                    var cp = 0
                    for y in box.y0..<box.y1 { for x in box.x0..<box.x1 where codes.contains(UInt32(buffer[y * 37 + x])) { cp += 1 } }
                    #expect(one.contains(cp), "row \(row): CP \(cp) outside \(one)")
                } else {
                    #expect(all.lower[row] == -1 && row >= 40, "row \(row)")
                }
            }
        }
    }
}
