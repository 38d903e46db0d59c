import Foundation
import MaskFormat
import Testing
@testable import MaskStorage

/// Round trips: every input dtype into every storage precision, read back exactly as the
/// contract's conversion rules say.
@Suite struct IngestRoundTripTests {
    /// The ramp the fixtures hold: value k / (3*5*7 - 1) at flat index k.
    static func ramp(_ k: Int) -> Double { Double(k) / Double(3 * 5 * 7 - 1) }

    static func expected(input: String, k: Int, output: PixelFormat) -> Double {
        let v: Double
        switch input {
        case "f64": v = ramp(k)
        case "f32", "f32be", "f32_v2", "raw": v = Double(Float(ramp(k)))
        case "f16": v = Double(Float16(ramp(k)))
        case "u8": v = Double(k % 256) / 255.0
        default: fatalError("unknown fixture \(input)")
        }
        switch output {
        case .uint8:
            return input == "u8" ? v : Double((v * 255).rounded(.toNearestOrEven)) / 255.0
        case .float16: return Double(Float16(v))
        case .float32: return Double(Float(v))
        }
    }

    @Test(arguments: ["f64", "f32", "f16", "u8", "f32be", "f32_v2"], PixelFormat.allCases)
    func npyRoundTrip(input: String, output: PixelFormat) throws {
        let t = TempDirectory()
        var options = Ingester.Options()
        options.pixelFormat = output
        options.bandRows = 2
        let name = input == "f32_v2" ? "f32_v2_3x5x7.npy" : "\(input)_3x5x7.npy"
        let s = try Ingester.ingest(into: t.db, inputs: [Fixtures.npy(name)], options: options)
        #expect(s.masks == 3)
        let db = try Database(path: t.db)
        #expect(db.count == 3 && db.height == 5 && db.width == 7 && db.pixelFormat == output)
        for m in 0..<3 {
            let got = try values(db, row: m)
            for i in 0..<35 {
                #expect(got[i] == Self.expected(input: input, k: m * 35 + i, output: output), "mask \(m) pixel \(i)")
            }
            #expect(db.maskID(row: m) == Int64(m))
            #expect(db.imageID(row: m) == Int64(m))
        }
        // Partial row ranges decode the same pixels as whole masks.
        let whole = try codes(db, row: 1)
        let rowBytes = 7 * output.bytesPerPixel
        for lo in 0..<5 {
            for hi in (lo + 1)...5 {
                var part = [UInt8](repeating: 0, count: (hi - lo) * rowBytes)
                try part.withUnsafeMutableBytes { try db.readPixels(row: 1, rows: lo..<hi, into: $0) }
                #expect(part == Array(whole[(lo * rowBytes)..<(hi * rowBytes)]))
            }
        }
    }

    @Test func defaultPrecisionFollowsInput() throws {
        let t1 = TempDirectory(), t2 = TempDirectory()
        _ = try Ingester.ingest(into: t1.db, inputs: [Fixtures.npy("u8_3x5x7.npy")], options: .init())
        _ = try Ingester.ingest(into: t2.db, inputs: [Fixtures.npy("f64_3x5x7.npy")], options: .init())
        #expect(try Database(path: t1.db).pixelFormat == .uint8)
        #expect(try Database(path: t2.db).pixelFormat == .float32)
    }

    @Test func rawDumpAnd2DAndDirectoryInputs() throws {
        let t = TempDirectory()
        var options = Ingester.Options()
        options.raw = .init(count: 3, height: 5, width: 7, elementType: .float32)
        _ = try Ingester.ingest(into: t.db, inputs: [Fixtures.npy("raw_f32_3x5x7.bin")], options: options)
        var db = try Database(path: t.db)
        #expect(try values(db, row: 2)[34] == Self.expected(input: "raw", k: 104, output: .float32))
        // Append a 2-D file: one more mask, ids continue.
        _ = try Ingester.ingest(into: t.db, inputs: [Fixtures.npy("f32_2d_5x7.npy")], options: .init())
        db = try Database(path: t.db)
        #expect(db.count == 4)
        #expect(db.maskID(row: 3) == 3)
        #expect(try values(db, row: 3)[0] == Self.expected(input: "f32", k: 35, output: .float32))
        #expect(db.segments.count == 2)
    }

    @Test func directoryOfNpyIsSortedByName() throws {
        let t = TempDirectory()
        t.create()
        let dir = t.path + "/in"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.npy("f32_2d_5x7.npy"), toPath: dir + "/b.npy")
        try FileManager.default.copyItem(atPath: Fixtures.npy("f32_3x5x7.npy"), toPath: dir + "/a.npy")
        _ = try Ingester.ingest(into: t.db, inputs: [dir], options: .init())
        let db = try Database(path: t.db)
        #expect(db.count == 4)
        #expect(try values(db, row: 0)[1] == Self.expected(input: "f32", k: 1, output: .float32))
        #expect(try values(db, row: 3)[0] == Self.expected(input: "f32", k: 35, output: .float32))
    }

    @Test func metadataTypesAndNulls() throws {
        let t = TempDirectory()
        var options = Ingester.Options()
        options.metaPath = Fixtures.file("meta_ok.csv")
        _ = try Ingester.ingest(into: t.db, inputs: [Fixtures.npy("u8_3x5x7.npy")], options: options)
        let db = try Database(path: t.db)
        #expect(db.columns.map(\.name) == ["mask_id", "image_id", "model_id", "mask_type", "label", "score", "split"])
        #expect(db.columns.map(\.type) == [.int64, .int64, .int64, .int64, .int64, .float64, .text])
        #expect(db.value(row: 0, column: 0) == .int(10))
        #expect(db.value(row: 1, column: 2) == .int(2))
        #expect(db.value(row: 2, column: 3) == .int(2))
        #expect(db.value(row: 1, column: 4) == .null)
        #expect(db.value(row: 2, column: 5) == .double(0.001))
        #expect(db.value(row: 0, column: 6) == .text("train"))
        #expect(db.value(row: 1, column: 6) == .null)
        #expect(db.value(row: 2, column: 6) == .text("va,l"))
        // Appending without --meta: ids continue from the largest, extra columns are NULL.
        _ = try Ingester.ingest(into: t.db, inputs: [Fixtures.npy("f32_2d_5x7.npy")], options: .init())
        let db2 = try Database(path: t.db)
        #expect(db2.count == 4)
        #expect(db2.value(row: 3, column: 0) == .int(13))
        #expect(db2.value(row: 3, column: 1) == .int(13))
        #expect(db2.value(row: 3, column: 4) == .null)
    }

    @Test func roiSetsLoadReplaceAndRoundOutward() throws {
        let t = TempDirectory()
        _ = try Ingester.ingest(into: t.db, inputs: [Fixtures.npy("u8_3x5x7.npy")], options: .init())
        let s = try ROISetLoader.load(into: t.db, name: "object", csvPath: Fixtures.file("boxes_float.csv"))
        #expect(s.boxes == 2 && !s.replaced)
        var db = try Database(path: t.db)
        let set = try #require(db.roiSet(named: "object"))
        #expect(set.key == .imageID)
        #expect(set.boxes[1] == PixelBox(x0: 0, y0: 1, x1: 3, y1: 5))
        #expect(set.boxes[2] == PixelBox(x0: -3, y0: -2, x1: 100, y1: 100))
        let r = try ROISetLoader.load(into: t.db, name: "object", csvPath: Fixtures.file("boxes_mask.csv"))
        #expect(r.replaced)
        db = try Database(path: t.db)
        #expect(db.roiSet(named: "object")?.key == .maskID)
        #expect(db.roiSetNames == ["object"])
        // The replaced file is gone; only live files remain.
        let files = try FileManager.default.contentsOfDirectory(atPath: t.db).filter { $0.hasPrefix("roi-") }
        #expect(files.count == 1)
    }
}
