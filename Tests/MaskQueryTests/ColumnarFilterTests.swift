import Foundation
import MaskFormat
@testable import MaskQuery
import MaskStorage
import MaskTestSupport
import Testing

/// A table that keeps its metadata as encoded column chunks (the segment format's), split into
/// segments of random sizes, and reads them in place like a `Database`: the columnar filter's
/// in-place path, with chunk and block boundaries anywhere.
final class ChunkedMaskTable: MaskTable, @unchecked Sendable {
    let base: InMemoryMaskTable
    /// Per column, per segment: the chunk bytes (owned) and their view.
    private var buffers: [UnsafeMutableRawBufferPointer] = []
    private var views: [[ColumnChunkView?]] = []

    init(_ base: InMemoryMaskTable, segmentSizes: [Int], damaged: Set<Int> = []) throws {
        self.base = base
        for (c, descriptor) in base.columns.enumerated() {
            var start = 0
            var perSegment: [ColumnChunkView?] = []
            for n in segmentSizes {
                var data = ColumnData(type: descriptor.type)
                for row in start..<(start + n) { data.append(base.value(row: row, column: c)) }
                let bytes = data.encoded()
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
                bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
                buffers.append(buffer)
                let view = try ColumnChunkView(UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count]), type: descriptor.type,
                                               count: n, structure: "test chunk")
                perSegment.append(damaged.contains(c) && perSegment.isEmpty ? nil : view)
                start += n
            }
            views.append(perSegment)
        }
    }

    deinit { for b in buffers { b.deallocate() } }

    var height: Int { base.height }
    var width: Int { base.width }
    var pixelFormat: PixelFormat { base.pixelFormat }
    var count: Int { base.count }
    var columns: [ColumnDescriptor] { base.columns }
    var roiSetNames: [String] { base.roiSetNames }
    func roiSet(named name: String) -> ROISet? { base.roiSet(named: name) }
    func readPixels(row: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws {
        try base.readPixels(row: row, rows: rows, into: buffer)
    }

    /// As a `Database`: a damaged chunk's rows read NULL.
    func value(row: Int, column: Int) -> ColumnValue {
        var local = row
        for view in views[column] {
            let n = view?.count ?? views[0][0]!.count  // only a first segment is ever damaged here
            if local < n { return view?.value(at: local) ?? .null }
            local -= n
        }
        return .null
    }

    func columnChunks(_ column: Int) -> [ColumnChunkView?]? { views[column] }
}

/// Columnar evaluation of the metadata filter against the row evaluator: random tables (NULLs,
/// NaN, extreme integers, several blocks), random metadata predicates (comparisons across INT64
/// and FLOAT64, arithmetic with wrap-around and division by zero, IN, BETWEEN, IS NULL, NOT,
/// AND, OR, TEXT, AREA of a named set): the same rows, every time, in memory and in place.
@Suite struct ColumnarFilterTests {
    static func table(_ g: inout SplitMix64, rows n: Int) -> InMemoryMaskTable {
        func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &g) }
        let columns = ColumnDescriptor.builtins + [
            ColumnDescriptor(name: "label", type: .int64),
            ColumnDescriptor(name: "big", type: .int64),
            ColumnDescriptor(name: "score", type: .float64),
            ColumnDescriptor(name: "kind", type: .text),
        ]
        let extremes: [Int64] = [.max, .min, .max - 1, 1 << 53, (1 << 53) + 1, -(1 << 62), 0, -1, 3]
        let doubles: [Double] = [.nan, 0.5, -0.0, 0, 2, 1e300, -1e300, 9.223372036854775807e18, 3, 0.25]
        var rows: [[ColumnValue]] = []
        for i in 0..<n {
            let label: ColumnValue = int(0...9) == 0 ? .null : .int(Int64(int(-3...5)))
            let big: ColumnValue = int(0...9) == 0 ? .null : .int(extremes[int(0...(extremes.count - 1))])
            let score: ColumnValue = int(0...9) == 0 ? .null : .double(doubles[int(0...(doubles.count - 1))])
            let kind: ColumnValue = int(0...5) == 0 ? .null : .text(["human", "focused", "é", "e\u{301}", ""][int(0...4)])
            rows.append([.int(Int64(i * 3 - 50)), .int(Int64(int(0...20))), .int(Int64(int(0...2))), .int(Int64(int(1...2))),
                         label, big, score, kind])
        }
        var boxes: [Int64: PixelBox] = [:]
        for img in 0...20 where int(0...3) != 0 { boxes[Int64(img)] = PixelBox(x0: int(0...3), y0: int(0...3), x1: int(0...4), y1: 4) }
        return InMemoryMaskTable(height: 4, width: 4, pixelFormat: .uint8, columns: columns, rows: rows,
                                 pixels: Array(repeating: [UInt8](repeating: 0, count: 16), count: n),
                                 roiSets: ["object": ROISet(name: "object", key: .imageID, boxes: boxes)])
    }

    static func operand(_ g: inout SplitMix64, depth: Int) -> String {
        func pick(_ xs: [String]) -> String { xs[Int.random(in: 0...(xs.count - 1), using: &g)] }
        if depth <= 0 || Int.random(in: 0...2, using: &g) == 0 {
            return pick(["mask_id", "image_id", "label", "big", "score", "AREA(object)", "model_id", "3", "-7", "0", "0.5",
                         "1e300", "9223372036854775807", "-9223372036854775807", "2.0", "NULL", "9007199254740993", "0.0"])
        }
        if Int.random(in: 0...5, using: &g) == 0 { return "-(" + operand(&g, depth: depth - 1) + ")" }
        return "(" + operand(&g, depth: depth - 1) + " " + pick(["+", "-", "*", "/"]) + " " + operand(&g, depth: depth - 1) + ")"
    }

    static func predicate(_ g: inout SplitMix64, depth: Int) -> String {
        func pick(_ xs: [String]) -> String { xs[Int.random(in: 0...(xs.count - 1), using: &g)] }
        if depth <= 0 || Int.random(in: 0...2, using: &g) == 0 {
            switch Int.random(in: 0...6, using: &g) {
            case 0: return "kind " + pick(["=", "!=", "<", ">="]) + " " + pick(["'human'", "'é'", "''", "NULL"])
            case 1: return "kind IS " + pick(["", "NOT "]) + "NULL"
            case 2: return operand(&g, depth: 1) + pick([" IN ", " NOT IN "]) + "(" + operand(&g, depth: 0) + ", " + operand(&g, depth: 0) + ")"
            case 3: return operand(&g, depth: 1) + pick([" BETWEEN ", " NOT BETWEEN "]) + operand(&g, depth: 0) + " AND " + operand(&g, depth: 0)
            case 4: return operand(&g, depth: 2) + " IS " + pick(["", "NOT "]) + "NULL"
            default: return operand(&g, depth: 2) + " " + pick(["=", "!=", "<>", "<", "<=", ">", ">="]) + " " + operand(&g, depth: 2)
            }
        }
        switch Int.random(in: 0...3, using: &g) {
        case 0: return "NOT (" + predicate(&g, depth: depth - 1) + ")"
        case 1: return "(" + predicate(&g, depth: depth - 1) + " OR " + predicate(&g, depth: depth - 1) + ")"
        default: return "(" + predicate(&g, depth: depth - 1) + " AND " + predicate(&g, depth: depth - 1) + ")"
        }
    }

    /// (columnar rows, row-evaluator rows) of the metadata filter of `sql` on `table`; nil when
    /// the query does not bind or has no metadata filter.
    static func both(_ sql: String, _ table: any MaskTable) -> ([Int], [Int])? {
        guard let plan = try? Binder.bind(try Parser.parse(sql), table: table), let m = plan.metadataFilter else { return nil }
        let executor = Executor(table: table, plan: plan, boundsSource: nil)
        executor.assignBoxes(rows: 0..<table.count)
        let columnar = ColumnarFilter(m, table: table, states: executor.states, evaluator: executor.evaluator).trueRows()
        let rows = (0..<table.count).filter { executor.evaluator.truth(m, row: $0) == .true }
        return (columnar, rows)
    }

    @Test func columnarEqualsRowEvaluation() throws {
        var g = SplitMix64(seed: 0xC011_F117)
        var compared = 0, nonEmpty = 0
        for t in 0..<12 {
            let n = [1, 63, 64, 65, 1023, 1024, 1025, 2500, 3000, 700, 4100, 130][t]
            let memory = Self.table(&g, rows: n)
            var sizes: [Int] = []
            var left = n
            while left > 0 { let s = min(left, Int.random(in: 1...1500, using: &g)); sizes.append(s); left -= s }
            let chunked = try ChunkedMaskTable(memory, segmentSizes: sizes)
            for _ in 0..<60 {
                let sql = "SELECT mask_id FROM masks WHERE " + Self.predicate(&g, depth: 3)
                for table in [memory, chunked] as [any MaskTable] {
                    guard let (columnar, rows) = Self.both(sql, table) else { continue }
                    #expect(columnar == rows, "\(sql) on \(n) rows in \(sizes.count) segments (\(type(of: table)))")
                    compared += 1
                    if !rows.isEmpty { nonEmpty += 1 }
                }
            }
        }
        #expect(compared > 800)
        #expect(nonEmpty > 200)
    }

    /// A damaged chunk (no view) reads NULL, as `Database.value` reads it.
    @Test func damagedChunkReadsNull() throws {
        var g = SplitMix64(seed: 7)
        let memory = Self.table(&g, rows: 2000)
        let chunked = try ChunkedMaskTable(memory, segmentSizes: [900, 1100], damaged: [4])
        for sql in ["SELECT mask_id FROM masks WHERE label IS NULL", "SELECT mask_id FROM masks WHERE label >= 0 OR mask_id < 0"] {
            let (columnar, rows) = try #require(Self.both(sql, chunked))
            #expect(columnar == rows)
        }
    }

    /// `IS [NOT] NULL` of a TEXT column decides every row (it left non-NULL rows undecided, so
    /// `kind IS NOT NULL` selected nothing).
    @Test func textIsNullIsDecided() throws {
        var g = SplitMix64(seed: 11)
        let memory = Self.table(&g, rows: 300)
        let present = (0..<memory.count).filter { memory.value(row: $0, column: 7) != .null }
        #expect(!present.isEmpty && present.count < memory.count)
        for table in [memory, try ChunkedMaskTable(memory, segmentSizes: [100, 200])] as [any MaskTable] {
            let rows = try QueryEngine(table: table).run("SELECT mask_id FROM masks WHERE kind IS NOT NULL").rows
            #expect(rows.map { $0[0] } == present.map { memory.value(row: $0, column: 0) })
            let nulls = try QueryEngine(table: table).run("SELECT COUNT(*) AS n FROM masks WHERE NOT (kind IS NOT NULL)").rows
            #expect(nulls == [[.int(Int64(memory.count - present.count))]])
        }
    }
}
