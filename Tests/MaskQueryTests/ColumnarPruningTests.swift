import Foundation
import MaskFormat
@testable import MaskQuery
import MaskStorage
import MaskTestSupport
import Synchronization
import Testing

/// A `ChunkedMaskTable` that also describes its chunks (`columnChunkSummaries`, statistics
/// computed from the values as a version-2 segment writer does) and records which chunks the
/// filter fetched (`columnChunk`): the lazy, statistics-pruned path of a `Database`.
final class SummarisedMaskTable: MaskTable, @unchecked Sendable {
    let inner: ChunkedMaskTable
    let sizes: [Int]
    private let summaries: [[ColumnChunkSummary]]
    let fetched = Mutex<Set<[Int]>>([])

    init(_ base: InMemoryMaskTable, segmentSizes: [Int]) throws {
        inner = try ChunkedMaskTable(base, segmentSizes: segmentSizes)
        sizes = segmentSizes
        summaries = base.columns.indices.map { c in
            var start = 0
            return segmentSizes.map { n in
                var data = ColumnData(type: base.columns[c].type)
                for row in start..<(start + n) { data.append(base.value(row: row, column: c)) }
                start += n
                return ColumnChunkSummary(rows: n, statistics: ColumnStatistics(of: data))
            }
        }
    }

    var height: Int { inner.height }
    var width: Int { inner.width }
    var pixelFormat: PixelFormat { inner.pixelFormat }
    var count: Int { inner.count }
    var columns: [ColumnDescriptor] { inner.columns }
    var roiSetNames: [String] { inner.roiSetNames }
    func roiSet(named name: String) -> ROISet? { inner.roiSet(named: name) }
    func readPixels(row: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws {
        try inner.readPixels(row: row, rows: rows, into: buffer)
    }
    func value(row: Int, column: Int) -> ColumnValue { inner.value(row: row, column: column) }
    func columnChunks(_ column: Int) -> [ColumnChunkView?]? { inner.columnChunks(column) }
    func columnChunkSummaries(_ column: Int) -> [ColumnChunkSummary]? { summaries[column] }
    func columnChunk(_ column: Int, chunk: Int) -> ColumnChunkView? {
        fetched.withLock { _ = $0.insert([column, chunk]) }
        return inner.columnChunks(column)?[chunk] ?? nil
    }
}

/// Chunk statistics decide whole chunks of the metadata filter (`ColumnarPredicate.outcomes`):
/// the rows stay the row evaluator's on random tables and predicates, and chunks no row of
/// which can satisfy the predicate are not fetched.
@Suite struct ColumnarPruningTests {
    /// Segments of 1...3000 rows (most large enough to be skipped), the random predicates of
    /// `ColumnarFilterTests` plus range predicates that cut through the segments.
    @Test func prunedEqualsRowEvaluation() throws {
        var g = SplitMix64(seed: 0x5EED_2026)
        var compared = 0, skipped = 0
        for n in [1500, 4000, 7000, 9000] {
            let memory = ColumnarFilterTests.table(&g, rows: n)
            var sizes: [Int] = []
            var left = n
            while left > 0 { let s = min(left, Int.random(in: 1...3000, using: &g)); sizes.append(s); left -= s }
            for _ in 0..<50 {
                let table = try SummarisedMaskTable(memory, segmentSizes: sizes)
                let cut = Int.random(in: -100...(3 * n), using: &g)
                let sql = "SELECT mask_id FROM masks WHERE " + (Int.random(in: 0...1, using: &g) == 0
                    ? ColumnarFilterTests.predicate(&g, depth: 3)
                    : "(mask_id \(["<", ">=", "=", "<=", ">", "!="][Int.random(in: 0...5, using: &g)]) \(cut) OR score > 1e299)"
                        + " AND NOT (big < -4611686018427387904)")
                guard let (columnar, rows) = ColumnarFilterTests.both(sql, table) else { continue }
                #expect(columnar == rows, "\(sql) on \(n) rows in segments \(sizes)")
                compared += 1
                skipped += sizes.count - Set(table.fetched.withLock { $0 }.map { $0[1] }).count
            }
        }
        #expect(compared > 150)
        #expect(skipped > 50, "statistics decided \(skipped) segments")
    }

    /// `mask_id < 0` where every mask_id is ≥ 0: no chunk is fetched; a predicate true in one
    /// segment only fetches that one (and the small one, always read).
    @Test func decidedChunksAreNotFetched() throws {
        var g = SplitMix64(seed: 3)
        let memory = ColumnarFilterTests.table(&g, rows: 5000)   // mask_id = 3 row - 50
        let table = try SummarisedMaskTable(memory, segmentSizes: [2000, 2000, 500, 500])
        let (none, noneRows) = try #require(ColumnarFilterTests.both("SELECT mask_id FROM masks WHERE mask_id < -50", table))
        #expect(none.isEmpty && noneRows.isEmpty)
        #expect(table.fetched.withLock { $0 } == [[0, 2], [0, 3]])   // under `minimumSkippedRows`: read
        let second = try SummarisedMaskTable(memory, segmentSizes: [2000, 2000, 500, 500])
        let (some, someRows) = try #require(ColumnarFilterTests.both("SELECT mask_id FROM masks WHERE mask_id BETWEEN 6000 AND 6010", second))
        #expect(some == someRows && some.count == 4)
        #expect(second.fetched.withLock { $0 } == [[0, 1], [0, 2], [0, 3]])
    }

    /// Through a database: version-2 segments carry statistics; a damaged chunk that the
    /// statistics decide is not read (the answer is the undamaged one), and the first query
    /// that reads it reports the damage.
    @Test func databaseSkipsDecidedSegments() throws {
        let dir = NSTemporaryDirectory() + "ms-pruning-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (i, n) in [1500, 1200].enumerated() {
            try Self.npy(masks: n).write(to: URL(fileURLWithPath: dir + "/m\(i).npy"))
            _ = try Ingester.ingest(into: dir + "/db", inputs: [dir + "/m\(i).npy"], options: Ingester.Options())
        }
        let db = try Database(path: dir + "/db")
        #expect(db.segments.map(\.header.writeVersion) == [3, 3])
        #expect(db.columnChunkSummaries(0) == [
            ColumnChunkSummary(rows: 1500, statistics: try ColumnStatistics(type: .int64, minimumBits: 0, maximumBits: 1499, structure: "")),
            ColumnChunkSummary(rows: 1200, statistics: try ColumnStatistics(type: .int64, minimumBits: 1500, maximumBits: 2699, structure: "")),
        ])
        // Damage mask_id of the first segment's row 5.
        let seg = dir + "/db/" + db.manifest.segments[0].file
        let chunk = try SegmentReader(path: seg).columnDescriptors[0]
        var data = try Data(contentsOf: URL(fileURLWithPath: seg))
        data[Int(chunk.offset) + 8 + 5 * 8 + 7] ^= 0x80
        try data.write(to: URL(fileURLWithPath: seg))
        // The filter alone (printing rows reads their mask_ids, which checks every segment's chunk).
        let damaged = try Database(path: dir + "/db")
        let plan = try Binder.bind(try Parser.parse("SELECT mask_id FROM masks WHERE mask_id >= 1500 AND mask_id < 1503"), table: damaged)
        let filter = try #require(plan.metadataFilter)
        let executor = Executor(table: damaged, plan: plan, boundsSource: nil)
        #expect(ColumnarFilter(filter, table: damaged, states: executor.states, evaluator: executor.evaluator).trueRows() == [1500, 1501, 1502])
        try damaged.checkIntegrity()   // the damaged chunk was not read
        let session = try QuerySession(path: dir + "/db", useIndex: false)
        #expect(try session.run("SELECT mask_id FROM masks WHERE mask_id < -1").rows.isEmpty)
        #expect(throws: StorageError.self) { _ = try session.run("SELECT mask_id FROM masks WHERE mask_id < 3") }
    }

    /// `n` 4×4 uint8 masks as a .npy file.
    static func npy(masks n: Int) -> Data {
        var dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(n), 4, 4), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.utf8.count & 0xFF), UInt8(dict.utf8.count >> 8)]
        bytes += Array(dict.utf8) + (0..<(n * 16)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        return Data(bytes)
    }
}
