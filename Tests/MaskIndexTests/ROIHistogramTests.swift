import Foundation
import MaskFormat
import MaskStorage
import MaskTestSupport
import Testing
@testable import MaskIndex

/// ROI histogram files (Format/roi-histograms.md): `CHIBuilder.boxHistogram` against a count of
/// every pixel; the files `masksearch index` builds bound CP over a named set's boxes validly,
/// exactly at bin edges; a damaged file or column is never used and the next build replaces
/// it; a replaced ROI set loses its histograms.
@Suite struct ROIHistogramTests {
    /// Random codes in `0...codeOfOne` (every format's codes are monotone in the value).
    func randomCodes(_ format: PixelFormat, count: Int, rng: inout SplitMix64) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<count {
            let code = UInt32(truncatingIfNeeded: rng.next() % UInt64(format.codeOfOne + 1))
            withUnsafeBytes(of: code.littleEndian) { out.append(contentsOf: $0.prefix(format.bytesPerPixel)) }
        }
        return out
    }

    @Test(arguments: PixelFormat.allCases)
    func boxHistogramCountsEveryPixelOfTheBox(format: PixelFormat) {
        var rng = SplitMix64(seed: UInt64(format.rawValue))
        for (h, w) in [(23, 37), (5, 3), (64, 70)] {
            let grid = CHIGrid(height: h, width: w, cell: 5, bins: [2, 7, 20][Int(rng.next() % 3)], pixelFormat: format)
            let builder = CHIBuilder(grid: grid)
            let mask = randomCodes(format, count: h * w, rng: &rng)
            var counts = [UInt32](repeating: 0, count: grid.bins)
            for _ in 0..<100 {
                let x0 = Int(rng.next() % UInt64(w)), y0 = Int(rng.next() % UInt64(h))
                let box = PixelBox(x0: rng.next() % 4 == 0 ? 0 : x0, y0: y0, x1: x0 + 1 + Int(rng.next() % UInt64(w)), y1: y0 + 1 + Int(rng.next() % UInt64(h)))
                    .clipped(width: w, height: h)
                mask.withUnsafeBytes { px in counts.withUnsafeMutableBufferPointer { builder.boxHistogram(codes: px, box: box, into: $0) } }
                var expected = [UInt32](repeating: 0, count: grid.bins)
                for y in box.y0..<box.y1 {
                    for x in box.x0..<box.x1 {
                        var code: UInt32 = 0
                        for k in 0..<format.bytesPerPixel { code |= UInt32(mask[(y * w + x) * format.bytesPerPixel + k]) << (8 * UInt32(k)) }
                        for b in stride(from: 1, through: grid.bin(ofCode: code), by: 1) { expected[b - 1] += 1 }
                    }
                }
                #expect(Array(counts.prefix(grid.bins - 1)) == Array(expected.prefix(grid.bins - 1)), "\(format) \(h)x\(w) \(box)")
            }
        }
    }

    /// `DatabaseIndexTests`' two segments (uint8 23×37, 40 and 25 masks; bins 8, cell 5) with
    /// an image-keyed set `object` (a box per image id except every fifth, some out of bounds),
    /// then indexed.
    func database(_ dir: String) throws -> (Database, IndexBuilder.Summary) {
        let db = try DatabaseIndexTests().database(dir)
        var csv = "image_id,x0,y0,x1,y1\n"
        var rng = SplitMix64(seed: 17)
        for image in Set(db.builtinColumn(1)).sorted() where image % 5 != 4 {
            let x0 = Int(rng.next() % 40) - 3, y0 = Int(rng.next() % 26) - 3
            csv += "\(image),\(x0),\(y0),\(x0 + Int(rng.next() % 30)),\(y0 + Int(rng.next() % 20))\n"
        }
        _ = try ROISetLoader.load(into: dir + "/db", name: "object", csvText: csv)
        let summary = try IndexBuilder.build(databasePath: dir + "/db", bins: nil, cell: nil)
        return (try Database(path: dir + "/db"), summary)
    }

    func withDirectory(_ body: (String) throws -> Void) throws {
        let dir = NSTemporaryDirectory() + "ms-roihist-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    /// The rows with a non-empty box of `object`, their boxes, and CP of each by counting pixels.
    func exact(_ db: Database, codes: CodeInterval) throws -> (rows: [Int], boxes: [PixelBox], cp: [Int]) {
        let set = try #require(db.roiSet(named: "object"))
        var rows: [Int] = [], boxes: [PixelBox] = [], cp: [Int] = []
        var px = [UInt8](repeating: 0, count: 23 * 37)
        for row in 0..<db.count {
            guard let box = set.boxes[db.imageID(row: row)]?.clipped(width: 37, height: 23), box.area > 0 else { continue }
            try px.withUnsafeMutableBytes { try db.readPixels(row: row, rows: 0..<23, into: $0) }
            var n = 0
            for y in box.y0..<box.y1 { for x in box.x0..<box.x1 where codes.contains(UInt32(px[y * 37 + x])) { n += 1 } }
            rows.append(row)
            boxes.append(box)
            cp.append(n)
        }
        return (rows, boxes, cp)
    }

    @Test func indexBuildsFilesWhoseBoundsAreValidAndExactAtBinEdges() throws {
        try withDirectory { dir in
            let (db, summary) = try database(dir)
            #expect(summary.roiHistogramFiles == 2)
            #expect(db.manifest.roiSets[0].histograms?.map(\.segment) == db.manifest.segments.map(\.file))
            let index = try DatabaseIndex(database: db, incremental: false)
            var rng = SplitMix64(seed: 3)
            for trial in 0..<60 {
                // Even trials on bin edges (multiples of 1/8: bins 8), odd ones anywhere.
                let lv = trial % 2 == 0 ? Double(rng.next() % 8) / 8 : Double(rng.next() % 256) / 255
                let uv = trial % 2 == 0 ? lv + Double(rng.next() % 8) / 8 : lv + Double(rng.next() % 200) / 255
                let codes = PixelFormat.uint8.codeInterval(lower: lv, upper: min(uv, 1.0))
                let (rows, boxes, cp) = try exact(db, codes: codes)
                let found = try #require(index.roiHistogramBounds(roiSet: "object", rows: rows, codes: codes, area: { boxes[$0].area }))
                for i in rows.indices {
                    #expect(found.lower[i] >= 0 && Int(found.lower[i]) <= cp[i] && cp[i] <= Int(found.upper[i]), "row \(rows[i]) [\(lv), \(uv)]")
                    if trial % 2 == 0 { #expect(Int(found.lower[i]) == cp[i] && Int(found.upper[i]) == cp[i]) }
                }
            }
            // Without histograms for a set: nil (the executor asks the grid).
            #expect(index.roiHistogramBounds(roiSet: "spot", rows: [0], codes: CodeInterval(lo: 0, hi: 9), area: { _ in 1 }) == nil)
            // Everything is in place: a second build makes no file.
            #expect(try IndexBuilder.build(databasePath: dir + "/db", bins: nil, cell: nil).roiHistogramFiles == 0)
        }
    }

    @Test func aDamagedColumnIsNeverUsedAndTheNextBuildReplacesTheFile() throws {
        try withDirectory { dir in
            let (db, _) = try database(dir)
            let name = try #require(db.manifest.roiSets[0].histograms?[1].file)
            let path = dir + "/db/" + name
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let header = try bytes.withUnsafeBytes { try ROIHistogramLayout.decodeHeader($0, file: path) }
            bytes[header.columnOffset(5) + 3] ^= 0x01  // bin 6's column, mask 1
            try bytes.write(to: URL(fileURLWithPath: path))
            let index = try DatabaseIndex(database: try Database(path: dir + "/db"), incremental: false)
            let codes = PixelFormat.uint8.codeInterval(lower: 0.75, upper: 1.0)  // bins 6 and 8
            let (rows, boxes, _) = try exact(db, codes: codes)
            let found = try #require(index.roiHistogramBounds(roiSet: "object", rows: rows, codes: codes, area: { boxes[$0].area }))
            for (i, row) in rows.enumerated() { #expect((found.lower[i] < 0) == (row >= 40), "row \(row)") }
            // A flipped header byte: the file does not open at all.
            bytes[20] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: path))
            #expect(try DatabaseIndex(database: try Database(path: dir + "/db"), incremental: false).roiHistograms(named: "object")[1] == nil)
            #expect(try IndexBuilder.build(databasePath: dir + "/db", bins: nil, cell: nil).roiHistogramFiles == 1)
            let rebuilt = try Database(path: dir + "/db")
            #expect(rebuilt.manifest.roiSets[0].histograms?.count == 2 && rebuilt.manifest.roiSets[0].histograms?[1].file != name)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func aReplacedSetLosesItsHistogramsAndOtherBinsRebuildThem() throws {
        try withDirectory { dir in
            let (db, _) = try database(dir)
            let old = try #require(db.manifest.roiSets[0].histograms).map(\.file)
            _ = try ROISetLoader.load(into: dir + "/db", name: "object", csvText: "image_id,x0,y0,x1,y1\n0,1,1,9,9\n")
            let replaced = try Database(path: dir + "/db")
            #expect(replaced.manifest.roiSets[0].histograms == nil)
            for f in old { #expect(!FileManager.default.fileExists(atPath: dir + "/db/" + f)) }
            #expect(try DatabaseIndex(database: replaced, incremental: false).roiHistograms(named: "object").allSatisfy { $0 == nil })
            // Histograms follow the index's bins: --bins rebuilds them.
            #expect(try IndexBuilder.build(databasePath: dir + "/db", bins: 10, cell: nil).roiHistogramFiles == 2)
            let rebuilt = try DatabaseIndex(database: try Database(path: dir + "/db"), incremental: false)
            #expect(rebuilt.roiHistograms(named: "object").allSatisfy { $0?.header.bins == 10 })
        }
    }

    @Test func aDamagedROISetGetsNoHistogramsAndTheIndexIsStillBuilt() throws {
        try withDirectory { dir in
            _ = try DatabaseIndexTests().database(dir)
            _ = try ROISetLoader.load(into: dir + "/db", name: "object", csvText: "image_id,x0,y0,x1,y1\n0,1,1,9,9\n1,2,2,20,20\n")
            let roi = try #require(try FileManager.default.contentsOfDirectory(atPath: dir + "/db").first { $0.hasPrefix("roi-") })
            var bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/db/" + roi))
            bytes[40] ^= 0x01  // a box's coordinate: the file's CRC no longer matches
            try bytes.write(to: URL(fileURLWithPath: dir + "/db/" + roi))
            let summary = try IndexBuilder.build(databasePath: dir + "/db", bins: nil, cell: nil)
            #expect(summary.roiHistogramFiles == 0 && summary.built == 25)
            #expect(try Database(path: dir + "/db").manifest.roiSets[0].histograms == nil)
        }
    }

    @Test func manifestKeepsTheHistogramEntries() throws {
        try withDirectory { dir in
            let (db, _) = try database(dir)
            let bytes = db.manifest.encoded()
            let decoded = try bytes.withUnsafeBytes { try Manifest.decode($0, file: "MANIFEST") }
            #expect(decoded == db.manifest && decoded.roiSets[0].histograms?.count == 2)
        }
    }
}
