import MaskFormat
import Testing

/// Column statistics (segment format version 2): computed from values, coded in the column
/// directory, refused when inconsistent; version-1 directories decode as before.
@Suite struct ColumnStatisticsTests {
    @Test func computedOverNonNullNonNaNValues() throws {
        let ints = ColumnData(values: .int64([5, -3, .max, 7]), valid: [true, true, false, true])
        #expect(ColumnStatistics(of: ints)?.minimum == .int(-3) && ColumnStatistics(of: ints)?.maximum == .int(7))
        let doubles = ColumnData(values: .float64([.nan, 0.5, -2, 9]), valid: [true, true, true, false])
        #expect(ColumnStatistics(of: doubles)?.minimum == .double(-2) && ColumnStatistics(of: doubles)?.maximum == .double(0.5))
        #expect(ColumnStatistics(of: ColumnData(values: .float64([.nan]), valid: [true])) == nil)
        #expect(ColumnStatistics(of: ColumnData(values: .int64([1]), valid: [false])) == nil)
        #expect(ColumnStatistics(of: ColumnData(values: .text(["a"]), valid: [true])) == nil)
    }

    static let entries: [ColumnChunkDescriptor] = [
        ColumnChunkDescriptor(name: "mask_id", type: .int64, hasNulls: false, offset: 64, length: 24, crc: 7,
                              statistics: try? ColumnStatistics(type: .int64, minimumBits: UInt64(bitPattern: -4), maximumBits: 9, structure: "")),
        ColumnChunkDescriptor(name: "score", type: .float64, hasNulls: true, offset: 128, length: 24, crc: 8,
                              statistics: try? ColumnStatistics(type: .float64, minimumBits: (-0.5).bitPattern, maximumBits: 2.0.bitPattern, structure: "")),
        ColumnChunkDescriptor(name: "label", type: .text, hasNulls: false, offset: 192, length: 20, crc: 9),
    ]

    @Test func directoryRoundTrip() throws {
        let v2 = ColumnChunkDescriptor.encodeDirectory(Self.entries, statistics: true)
        #expect(try v2.withUnsafeBytes { try ColumnChunkDescriptor.decodeDirectory($0, fileOffset: 0, statistics: true) } == Self.entries)
        #expect(Self.entries[0].statistics != nil && Self.entries[1].statistics != nil)
        // Version 1: no statistics written or read; 16 bytes shorter per entry.
        let v1 = ColumnChunkDescriptor.encodeDirectory(Self.entries, statistics: false)
        #expect(v1.count == v2.count - 16 * Self.entries.count)
        var plain = Self.entries
        for i in plain.indices { plain[i].statistics = nil }
        #expect(try v1.withUnsafeBytes { try ColumnChunkDescriptor.decodeDirectory($0, fileOffset: 0, statistics: false) } == plain)
        // A version-1 reader's view of the statistics flag: reserved bit set.
        #expect(throws: FormatError.self) {
            try v2.withUnsafeBytes { try ColumnChunkDescriptor.decodeDirectory($0, fileOffset: 0, statistics: false) }
        }
    }

    @Test func inconsistentStatisticsAreRefused() throws {
        let v2 = ColumnChunkDescriptor.encodeDirectory(Self.entries, statistics: true)
        // Entry 0: 4 (count) + 2 + 7 (name) + 1 + 1 + 2 + 8 + 8 + 4 = 37; its minimum at 37, maximum at 45.
        var swapped = v2
        for i in 0..<8 { swapped.swapAt(37 + i, 45 + i) }   // minimum 9 > maximum -4
        let entry1 = 37 + 16 + 2 + 5 + 24   // entry 1's minimum ("score": a 7-byte name)
        let entry2 = entry1 + 16 + 2 + 5 + 24   // entry 2's minimum ("label")
        var stray = v2
        stray[entry2] = 1   // entry 2 (TEXT, no statistics): a word set
        var nan = v2
        for i in 0..<8 { nan[entry1 + i] = 0xFF }
        for bytes in [swapped, stray, nan] {
            #expect(throws: FormatError.self) {
                try bytes.withUnsafeBytes { try ColumnChunkDescriptor.decodeDirectory($0, fileOffset: 0, statistics: true) }
            }
        }
    }
}
