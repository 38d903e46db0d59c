import Foundation
import MaskFormat
import MaskQuery
import MaskStorage
import MaskTestSupport
import Testing

/// The verification pass's contract with the index observer: the observer sees exactly the
/// masks read whole (with their pixels), each mask is read once per pass, and a run without an
/// observer reads no mask whole and indexes nothing — for row verification and mask aggregation.
@Suite struct VerificationPassTests {
    static let table = try! TestTables.conformance()

    /// A table that records every pixel read (row and image rows) and every release of pixels
    /// (`releasePixels`); reading row `failing` throws.
    final class RecordingTable: MaskTable, @unchecked Sendable {
        let base: InMemoryMaskTable
        let failing: Int?
        private let lock = NSLock()
        private var log: [(row: Int, rows: Range<Int>)] = []
        private var releases: [Range<Int>] = []
        init(_ base: InMemoryMaskTable, failing: Int? = nil) { (self.base, self.failing) = (base, failing) }
        struct Broken: Error {}
        var height: Int { base.height }
        var width: Int { base.width }
        var pixelFormat: PixelFormat { base.pixelFormat }
        var count: Int { base.count }
        var columns: [ColumnDescriptor] { base.columns }
        func value(row: Int, column: Int) -> ColumnValue { base.value(row: row, column: column) }
        var roiSetNames: [String] { base.roiSetNames }
        func roiSet(named name: String) -> ROISet? { base.roiSet(named: name) }
        func readPixels(row: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws {
            lock.withLock { log.append((row, rows)) }
            if row == failing { throw Broken() }
            try base.readPixels(row: row, rows: rows, into: buffer)
        }
        func releasePixels(rows: Range<Int>) { lock.withLock { releases.append(rows) } }
        var reads: [(row: Int, rows: Range<Int>)] { lock.withLock { log } }
        var released: [Range<Int>] { lock.withLock { releases } }
        var wholeReads: Set<Int> { Set(reads.filter { $0.rows == 0..<height }.map(\.row)) }
    }

    /// An index writer that wants every mask it has not seen, checks the pixels it is given and
    /// records the rows; `accepts: false` declines every mask in `observe`.
    final class RecordingObserver: IndexObserver, @unchecked Sendable {
        let table: InMemoryMaskTable
        let wants: Bool
        let accepts: Bool
        /// Reported as `hasPendingEntries`: the budget then gives only its share, no floor.
        let pending: Bool
        private let lock = NSLock()
        private var seen: [Int] = []
        init(table: InMemoryMaskTable, wants: Bool = true, accepts: Bool = true, pending: Bool = false) {
            (self.table, self.wants, self.accepts, self.pending) = (table, wants, accepts, pending)
        }
        var hasPendingEntries: Bool { pending }
        var observed: [Int] { lock.withLock { seen } }
        func wantsWholeMask(row: Int) -> Bool { wants && lock.withLock { !seen.contains(row) } }
        func observe(row: Int, pixels: UnsafeRawBufferPointer) -> Bool {
            #expect(Array(pixels) == table.pixels[row], "observe got the wrong pixels of row \(row)")
            lock.withLock { seen.append(row) }
            return accepts
        }
    }

    static let rowQuery = "SELECT mask_id FROM masks WHERE CP(mask, (8, 6, 24, 18), 0.5, 1.0) > 3"
    static let groupQuery = """
        SELECT image_id, CP(INTERSECT(mask > 0.5), (8, 6, 24, 18), 0.5, 1) AS i, \
        CP(AVG(mask), (8, 6, 24, 18), 0.3, 1) AS a, CP(MAX(mask), (8, 6, 24, 18), 0.5, 1) AS m \
        FROM masks WHERE mask_type = 1 GROUP BY image_id
        """

    /// Runs `sql` on a recording table, with bounds that never decide (every targeted mask is
    /// read) and the given observer.
    static func run(_ sql: String, observer: (any IndexObserver)?, on table: InMemoryMaskTable = table) throws -> (QueryResult, RecordingTable) {
        let recording = RecordingTable(table)
        let noEntries = FakeBoundsSource(table: table, seed: 7, nilPercent: 100, exactPercent: 0)
        return (try QueryEngine(table: recording, bounds: noEntries, observer: observer).run(sql), recording)
    }

    @Test(arguments: [rowQuery, groupQuery])
    func observerSeesExactlyTheMasksReadWhole(sql: String) throws {
        let observer = RecordingObserver(table: Self.table)
        let (r, recording) = try Self.run(sql, observer: observer)
        #expect(r.stats.verified > 0)
        // A small query's budget (its floor) admits every mask it reads.
        #expect(Set(observer.observed) == recording.wholeReads)
        #expect(observer.observed.count == r.stats.verified && r.stats.newlyIndexed == r.stats.verified, "\(r.stats)")
        #expect(recording.reads.count == r.stats.verified, "each mask read once")
        #expect(r.rows == (try QueryEngine(table: Self.table).run(sql)).rows)
    }

    @Test(arguments: [rowQuery, groupQuery])
    func withoutObserverNothingIsReadWholeOrIndexed(sql: String) throws {
        let (r, recording) = try Self.run(sql, observer: nil)
        #expect(r.stats.verified > 0 && r.stats.newlyIndexed == 0, "\(r.stats)")
        #expect(recording.wholeReads.isEmpty)
        #expect(recording.reads.allSatisfy { $0.rows == 6..<18 }, "only the rows the box needs")
        #expect(r.rows == (try QueryEngine(table: Self.table).run(sql)).rows)
        // Without bounds either (--no-index).
        let plain = RecordingTable(Self.table)
        let s = try QueryEngine(table: plain).run(sql)
        #expect(s.stats.newlyIndexed == 0 && plain.wholeReads.isEmpty && s.rows == r.rows)
    }

    @Test(arguments: [rowQuery, groupQuery])
    func observerDecidesWhatIsReadWholeAndCounted(sql: String) throws {
        let uninterested = RecordingObserver(table: Self.table, wants: false)
        let (r, recording) = try Self.run(sql, observer: uninterested)
        #expect(recording.wholeReads.isEmpty && uninterested.observed.isEmpty && r.stats.newlyIndexed == 0)
        // A mask offered but declined is read whole, yet not counted as newly indexed.
        let declining = RecordingObserver(table: Self.table, accepts: false)
        let (d, declined) = try Self.run(sql, observer: declining)
        #expect(Set(declining.observed) == declined.wholeReads && !declined.wholeReads.isEmpty)
        #expect(d.stats.newlyIndexed == 0 && d.rows == r.rows)
    }

    /// 1,024 random 8×8 uint8 masks, two per image.
    static let large: InMemoryMaskTable = {
        var g = SplitMix64(seed: 10)
        let n = 1024, (h, w) = (8, 8)
        let rows: [[ColumnValue]] = (0..<n).map { i in
            let id = Int64(i)
            return [ColumnValue.int(id), ColumnValue.int(id / 2), ColumnValue.int(id % 2 + 1), ColumnValue.int(1)]
        }
        let pixels = (0..<n).map { _ in (0..<(h * w)).map { _ in UInt8(truncatingIfNeeded: g.next()) } }
        return InMemoryMaskTable(height: h, width: w, pixelFormat: .uint8, columns: ColumnDescriptor.builtins, rows: rows,
                                 pixels: pixels, roiSets: [:])
    }()

    /// Past the budget's floor (observed entries pending), only whole chunks of the pass, in
    /// order, are read whole: the observer still sees exactly those masks.
    @Test(arguments: [
        "SELECT mask_id FROM masks WHERE CP(mask, (0, 0, 8, 4), 0.5, 1.0) > 10",
        "SELECT image_id, CP(UNION(mask > 0.5), (0, 0, 8, 4), 0.5, 1) AS u FROM masks GROUP BY image_id",
    ])
    func partialAdmissionReadsWholeChunksAndObservesThem(sql: String) throws {
        let observer = RecordingObserver(table: Self.large, pending: true)
        let (r, recording) = try Self.run(sql, observer: observer, on: Self.large)
        let observed = Set(observer.observed)
        #expect(observed == recording.wholeReads && r.stats.newlyIndexed == observed.count)
        #expect(!observed.isEmpty && observed.count < r.stats.verified / 4, "\(observed.count) of \(r.stats.verified)")
        // Rows are visited in mask_id order here, so the admitted chunks are the first ones.
        #expect(observed == Set(0..<observed.count))
        #expect(r.rows == (try QueryEngine(table: Self.large).run(sql)).rows)
    }

    /// A failed read is the query's error (io, naming the mask), in either use of the pass, with
    /// or without an observer; the observer is offered no mask of the failing read.
    @Test(arguments: [rowQuery, groupQuery], [false, true])
    func failedReadsAreTheQuerysError(sql: String, observing: Bool) throws {
        // A row both queries read: mask_type 1, past the first chunk.
        let row = try #require((5..<Self.table.count).first { Self.table.value(row: $0, column: 3) == .int(1) })
        let failing = RecordingTable(Self.table, failing: row)
        let observer = observing ? RecordingObserver(table: Self.table) : nil
        let noEntries = FakeBoundsSource(table: Self.table, seed: 7, nilPercent: 100, exactPercent: 0)
        do {
            _ = try QueryEngine(table: failing, bounds: noEntries, observer: observer).run(sql)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .io && error.exitCode == 1)
            #expect(error.description.hasPrefix("error: reading mask \(Self.table.maskID(row: row)) (row \(row))"), "\(error)")
        }
        #expect(observer?.observed.contains(row) != true)
    }
}
