import Foundation
import MaskFormat
import MaskQuery
import MaskStorage
import MaskTestSupport
import Testing

/// A scan's verification pass releases the pages of the masks it read (`ReleaseBehind`) —
/// every mask once, in ranges that never overlap — and answers as before.
@Suite struct ReleaseBehindTests {
    @Test func aScanReleasesEveryMaskItReadOnce() throws {
        var rng = SplitMix64(seed: 12)
        let n = 9_000
        let rows: [[ColumnValue]] = (0..<n).map { [.int(Int64($0)), .int(Int64($0 / 3)), .int(0), .int(1)] }
        let pixels: [[UInt8]] = (0..<n).map { _ in (0..<12).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        let table = VerificationPassTests.RecordingTable(InMemoryMaskTable(height: 3, width: 4, pixelFormat: .uint8, columns: ColumnDescriptor.builtins,
                                                     rows: rows, pixels: pixels, roiSets: [:]))
        let sql = "SELECT mask_id FROM masks WHERE CP(mask, full, 0.5, 1.0) > 6"
        let result = try QueryEngine(table: table).run(sql)
        #expect(result.rows == (try QueryEngine(table: table.base).run(sql)).rows)
        let released = table.released.sorted { $0.lowerBound < $1.lowerBound }
        #expect(released.first?.lowerBound == 0 && released.last?.upperBound == n)
        #expect(zip(released, released.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "\(released)")
    }
}
