import Foundation
import MaskFormat
import MaskQuery
import MaskStorage
import MaskTestSupport
import Testing

/// A scan's verification pass releases the pages of the masks it read (`ReleaseBehind`) —
/// every mask once, in ranges that never overlap — and answers as before.
@Suite struct ReleaseBehindTests {
    static let n = 9_000
    static let sql = "SELECT mask_id FROM masks WHERE CP(mask, full, 0.5, 1.0) > 6"

    /// `n` random 3×4 masks, three per image.
    static let masks: InMemoryMaskTable = {
        var rng = SplitMix64(seed: 12)
        let rows: [[ColumnValue]] = (0..<n).map { [.int(Int64($0)), .int(Int64($0 / 3)), .int(0), .int(1)] }
        let pixels: [[UInt8]] = (0..<n).map { _ in (0..<12).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        return InMemoryMaskTable(height: 3, width: 4, pixelFormat: .uint8, columns: ColumnDescriptor.builtins,
                                 rows: rows, pixels: pixels, roiSets: [:])
    }()

    /// An index writer that indexes after the answer and notes the masks `notes` accepts.
    final class NotingObserver: IndexObserver, @unchecked Sendable {
        let notes: (Int) -> Bool
        private let lock = NSLock()
        private var rows: Set<Int> = []
        init(notes: @escaping (Int) -> Bool) { self.notes = notes }
        var noted: Set<Int> { lock.withLock { rows } }
        var defersIndexing: Bool { true }
        func observe(row: Int, pixels: UnsafeRawBufferPointer) -> Bool { false }
        func deferIndexing(row: Int) -> Bool {
            guard notes(row) else { return false }
            return lock.withLock { rows.insert(row).inserted }
        }
    }

    @Test func aScanReleasesEveryMaskItReadOnce() throws {
        let (n, sql) = (Self.n, Self.sql)
        let table = VerificationPassTests.RecordingTable(Self.masks)
        let result = try QueryEngine(table: table).run(sql)
        #expect(result.rows == (try QueryEngine(table: table.base).run(sql)).rows)
        let released = table.released.sorted { $0.lowerBound < $1.lowerBound }
        #expect(released.first?.lowerBound == 0 && released.last?.upperBound == n)
        #expect(zip(released, released.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "\(released)")
    }

    /// Masks noted for indexing after the answer are read whole right after it: their pages are
    /// not released. Every other mask read is released once, in ranges that end before a noted
    /// one (the observer notes one mask in three).
    @Test func masksNotedForIndexingAfterTheAnswerKeepTheirPages() throws {
        let table = VerificationPassTests.RecordingTable(Self.masks)
        let observer = NotingObserver { $0 % 3 == 0 }
        let noEntries = FakeBoundsSource(table: Self.masks, seed: 7, nilPercent: 100, exactPercent: 0)
        let result = try QueryEngine(table: table, bounds: noEntries, observer: observer).run(Self.sql)
        #expect(result.rows == (try QueryEngine(table: Self.masks).run(Self.sql)).rows)
        #expect(result.stats.verified == Self.n && !observer.noted.isEmpty, "\(result.stats)")
        let released = table.released.flatMap { Array($0) }, noted = observer.noted
        #expect(released.count == Set(released).count, "no mask released twice")
        #expect(Set(released).intersection(noted).count == 0, "noted masks released")
        #expect(Set(released).union(noted).count == Self.n && released.allSatisfy { (0..<Self.n).contains($0) })
    }
}
