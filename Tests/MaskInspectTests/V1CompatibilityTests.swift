import Foundation
import MaskFormat
import MaskInspect
import MaskStorage
import Testing

/// The committed version-1 fixture, and what any future reader must still read from it.
enum V1Fixture {
    static let rampRow: [UInt8] = (0..<32).map { $0 < 12 ? UInt8($0 * 8) : 0 }
    static let stepRow: [UInt8] = (0..<32).map { [0, 85, 170, 255][$0 / 8] }
    /// Rows 2–3 of each mask (noise from tiny.npy, numpy RandomState(7)).
    static var noise: [[UInt8]] {
        let npy = Fixtures.bytes(Fixtures.directory + "/tiny.npy")
        let data = Array(npy.suffix(256))
        return [Array(data[64..<128]), Array(data[192..<256])]
    }
    static var pixels: [[UInt8]] {
        [stepRow + stepRow + noise[0], rampRow + rampRow + noise[1]]
    }
    static let columns: [ColumnData] = [
        ColumnData(values: .int64([10, 11]), valid: [true, true]),
        ColumnData(values: .int64([100, 100]), valid: [true, true]),
        ColumnData(values: .int64([1, 2]), valid: [true, true]),
        ColumnData(values: .int64([1, 1]), valid: [true, true]),
        ColumnData(values: .float64([0.5, 0]), valid: [true, false]),
        ColumnData(values: .text(["cat", "dog"]), valid: [true, true]),
    ]
}

@Suite struct V1CompatibilityTests {
    @Test func readerReadsTheCommittedV1Segment() throws {
        let reader = try SegmentReader(path: Fixtures.segment)
        #expect(reader.header.writeVersion == 1 && reader.header.readVersion == 1)
        #expect(reader.header.height == 4 && reader.header.width == 32)
        #expect(reader.header.pixelFormat == .uint8 && reader.header.bandRows == 2 && reader.maskCount == 2)
        #expect(reader.blockCount == 4)
        #expect(reader.columnDescriptors.map(\.name) == ["mask_id", "image_id", "model_id", "mask_type", "score", "label"])
        #expect(try reader.decodedColumns() == V1Fixture.columns)
        for mask in 0..<2 {
            var all = [UInt8](repeating: 0, count: 128)
            try all.withUnsafeMutableBytes { try reader.readRows(mask: mask, rows: 0..<4, into: $0) }
            #expect(all == V1Fixture.pixels[mask])
            // A partial band (row 1 only, row 2 only) decodes the same bytes.
            var row = [UInt8](repeating: 0, count: 32)
            for r in 0..<4 {
                try row.withUnsafeMutableBytes { try reader.readRows(mask: mask, rows: r..<(r + 1), into: $0) }
                #expect(row == Array(V1Fixture.pixels[mask][(r * 32)..<((r + 1) * 32)]))
            }
        }
    }

    @Test func databaseOpensTheCommittedV1Directory() throws {
        let db = try Database(path: Fixtures.directory + "/tinydb")
        #expect(db.count == 2)
        #expect(db.builtinColumn(0) == [10, 11])
        #expect(db.value(row: 1, column: 4) == .null)
        #expect(db.value(row: 0, column: 5) == .text("cat"))
        let roi = db.roiSet(named: "object")
        #expect(roi?.key == .imageID)
        #expect(roi?.boxes[100] == PixelBox(x0: 1, y0: 0, x1: 10, y1: 3))
    }

    /// A segment with many compressible and incompressible bands reads back exactly, and the
    /// dumper (which decodes every LZ4 block itself) finds nothing wrong with it.
    @Test func mixedBlocksReadBackAndDumpClean() throws {
        let dir = Fixtures.temporaryDirectory()
        defer { Fixtures.cleanup(dir) }
        let path = dir + "/seg.mss"
        let (h, w, n) = (40, 48, 12)
        let writer = try SegmentWriter(path: path, height: h, width: w, pixelFormat: .uint8, bandRows: 8)
        var rng = SystemRandomNumberGenerator()
        var codes = [UInt8](repeating: 0, count: n * h * w)
        for m in 0..<n {
            for i in 0..<(h * w) {
                let (y, x) = (i / w, i % w)
                switch m % 4 {
                case 0: codes[m * h * w + i] = UInt8((x / 6 + y / 5) % 3 * 100)
                case 1: codes[m * h * w + i] = UInt8.random(in: 0...255, using: &rng)
                case 2: codes[m * h * w + i] = (x - 20) * (x - 20) + (y - 20) * (y - 20) < 150 ? 255 : UInt8.random(in: 0...3, using: &rng)
                default: codes[m * h * w + i] = UInt8(truncatingIfNeeded: x * y)
                }
            }
        }
        try codes.withUnsafeBytes { try writer.append(codes: $0, count: n) }
        try writer.finish(columns: [("mask_id", ColumnData(values: .int64((0..<Int64(n)).map { $0 }), valid: Array(repeating: true, count: n)))])
        let reader = try SegmentReader(path: path)
        var lz4Blocks = 0
        for i in 0..<reader.blockCount where !reader.block(i).isRaw { lz4Blocks += 1 }
        for m in 0..<n {
            var got = [UInt8](repeating: 0, count: h * w)
            try got.withUnsafeMutableBytes { try reader.readRows(mask: m, rows: 0..<h, into: $0) }
            #expect(got == Array(codes[(m * h * w)..<((m + 1) * h * w)]), "mask \(m)")
        }
        #expect(lz4Blocks > 10)
        let (text, corruptions) = try dump(path, DumpOptions(blocks: true))
        #expect(corruptions == 0, "\(text)")
    }
}
