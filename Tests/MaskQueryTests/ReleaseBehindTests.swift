import Foundation
import MaskFormat
import MaskQuery
import MaskStorage
import MaskTestSupport
import Synchronization
import Testing

/// A scan's verification pass releases the pages of the masks it read (`ReleaseBehind`) —
/// every mask once, in ranges that never overlap — and answers as before.
@Suite struct ReleaseBehindTests {
    /// An in-memory table that records `releasePixels` calls.
    final class RecordingTable: MaskTable, @unchecked Sendable {
        let base: InMemoryMaskTable
        let released = Mutex<[Range<Int>]>([])
        init(_ base: InMemoryMaskTable) { self.base = base }
        var height: Int { base.height }
        var width: Int { base.width }
        var pixelFormat: PixelFormat { base.pixelFormat }
        var count: Int { base.count }
        var columns: [ColumnDescriptor] { base.columns }
        func value(row: Int, column: Int) -> ColumnValue { base.value(row: row, column: column) }
        var roiSetNames: [String] { base.roiSetNames }
        func roiSet(named name: String) -> ROISet? { base.roiSet(named: name) }
        func readPixels(row: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws {
            try base.readPixels(row: row, rows: rows, into: buffer)
        }
        func builtinColumn(_ i: Int) -> [Int64] { base.builtinColumn(i) }
        func releasePixels(rows: Range<Int>) { released.withLock { $0.append(rows) } }
    }

    @Test func aScanReleasesEveryMaskItReadOnce() throws {
        var rng = SplitMix64(seed: 12)
        let n = 9_000
        let rows: [[ColumnValue]] = (0..<n).map { [.int(Int64($0)), .int(Int64($0 / 3)), .int(0), .int(1)] }
        let pixels: [[UInt8]] = (0..<n).map { _ in (0..<12).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        let table = RecordingTable(InMemoryMaskTable(height: 3, width: 4, pixelFormat: .uint8, columns: ColumnDescriptor.builtins,
                                                     rows: rows, pixels: pixels, roiSets: [:]))
        let sql = "SELECT mask_id FROM masks WHERE CP(mask, full, 0.5, 1.0) > 6"
        let result = try QueryEngine(table: table).run(sql)
        #expect(result.rows == (try QueryEngine(table: table.base).run(sql)).rows)
        let released = table.released.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
        #expect(released.first?.lowerBound == 0 && released.last?.upperBound == n)
        #expect(zip(released, released.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "\(released)")
    }
}
