import Foundation
import MaskFormat
import Testing
@testable import MaskStorage

/// A database written by format version 1 (Fixtures/golden-v1-db, made by `masksearch
/// ingest` of npy/u8_3x5x7.npy with meta_ok.csv, then npy/f32_2d_5x7.npy, then `roi object
/// boxes_float.csv`). A change that can no longer read version-1 files fails here.
@Suite struct GoldenFixtureTests {
    @Test func readsVersion1Database() throws {
        let db = try Database(path: Fixtures.file("golden-v1-db"))
        #expect(db.count == 4 && db.height == 5 && db.width == 7 && db.pixelFormat == .uint8)
        #expect(db.segments.map(\.header.writeVersion) == [1, 1])
        #expect((0..<4).map { db.maskID(row: $0) } == [10, 11, 12, 13])
        #expect(db.value(row: 2, column: 6) == .text("va,l"))
        #expect(db.value(row: 3, column: 4) == .null)
        for m in 0..<3 {
            #expect(try codes(db, row: m) == (0..<35).map { UInt8((m * 35 + $0) % 256) })
        }
        // The float mask was stored as uint8: round(v * 255) with ties to even.
        let last = try codes(db, row: 3)
        for i in 0..<35 {
            let v = Double(Float(Double(35 + i) / 104.0))
            #expect(last[i] == UInt8((v * 255).rounded(.toNearestOrEven)))
        }
        #expect(db.roiSet(named: "object")?.boxes[1] == PixelBox(x0: 0, y0: 1, x1: 3, y1: 5))
    }
}
