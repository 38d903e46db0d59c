import Foundation
import MaskFormat
import MaskInspect
import MaskStorage
import Testing

/// The committed version-2 fixture (`Fixtures/v2db`: the v1 fixture's inputs, `tiny.npy`,
/// `tiny-meta.csv`, `tiny-rois.csv`, band rows 2, written by the version-2 writer): what any
/// future reader must still read from it — the v1 fixture's pixels and metadata, and the
/// column statistics; and every single-byte change is noticed, never returned.
@Suite struct V2SegmentCompatibilityTests {
    static var segment: String { Fixtures.directory + "/v2db/seg-000001.mss" }

    static func statistics(_ type: ColumnType, _ lo: UInt64, _ hi: UInt64) -> ColumnStatistics? {
        try? ColumnStatistics(type: type, minimumBits: lo, maximumBits: hi, structure: "")
    }

    @Test func readerReadsTheCommittedV2Segment() throws {
        let reader = try SegmentReader(path: Self.segment)
        #expect(reader.header.writeVersion == 2 && reader.header.readVersion == 2)
        #expect(reader.header.height == 4 && reader.header.width == 32 && reader.header.bandRows == 2 && reader.maskCount == 2)
        #expect(reader.columnDescriptors.map(\.name) == ["mask_id", "image_id", "model_id", "mask_type", "score", "label"])
        #expect(reader.columnDescriptors.map(\.statistics) == [
            Self.statistics(.int64, 10, 11), Self.statistics(.int64, 100, 100), Self.statistics(.int64, 1, 2),
            Self.statistics(.int64, 1, 1), Self.statistics(.float64, 0.5.bitPattern, 0.5.bitPattern), nil,
        ])
        #expect(try reader.decodedColumns() == V1Fixture.columns)
        for mask in 0..<2 {
            var all = [UInt8](repeating: 0, count: 128)
            try all.withUnsafeMutableBytes { try reader.readRows(mask: mask, rows: 0..<4, into: $0) }
            #expect(all == V1Fixture.pixels[mask])
        }
        let db = try Database(path: Fixtures.directory + "/v2db")
        #expect(db.builtinColumn(0) == [10, 11] && db.value(row: 0, column: 5) == .text("cat"))
        #expect(db.columnChunkSummaries(4) == [ColumnChunkSummary(rows: 2, statistics: Self.statistics(.float64, 0.5.bitPattern, 0.5.bitPattern))])
    }

    @Test func dumperShowsTheStatistics() throws {
        let (text, n) = try dump(Self.segment)
        #expect(n == 0, "\(text)")
        #expect(text.contains("min") && text.contains("max"))
        #expect(text.split(separator: "\n").contains { $0.hasPrefix("  mask_id") && $0.hasSuffix("10   11") }, "\(text)")
        let (json, _) = try dump(Self.segment, DumpOptions(json: true))
        #expect(json.contains("\"min\":10") || json.contains("\"min\": 10"), "\(json)")
    }

    /// As `CorruptionTests.everyByteFlipIsNoticed`, on the version-2 layout (statistics included).
    @Test func everyByteFlipIsNoticed() throws {
        let statistics = try SegmentReader(path: Self.segment).columnDescriptors.map(\.statistics)
        try expectEveryByteFlipNoticed(Self.segment) { reader, offset in
            #expect(reader.columnDescriptors.map(\.statistics) == statistics, "byte \(offset): different statistics accepted")
        }
    }
}
