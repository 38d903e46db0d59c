import MaskFormat
import MaskStorage

/// Where a columnar filter reads its columns: each column's chunks in place from the table's
/// mappings (a `Database`'s segments), or, for a table keeping no chunks, `value(row:column:)`
/// row by row. The rows are split into pieces (the chunks, or one piece of every row) and
/// blocks never cross a piece.
///
/// A table describing its chunks (`MaskTable.columnChunkSummaries`) has each chunk fetched,
/// and so checked, only when a block of it is evaluated: a piece the filter decides from the
/// chunks' statistics (`ColumnarPredicate.outcomes`) is never read. A table that only lists its
/// chunks (`columnChunks`) has them all fetched here.
struct ColumnarSource {
    let table: any MaskTable
    let states: RowStates
    /// Row ranges of the pieces, in order, covering every row.
    let pieces: [Range<Int>]
    /// Per column read in place chunk by chunk (`MaskTable.columnChunk`): each piece's
    /// statistics (nil: unknown).
    private let statistics: [Int: [ColumnStatistics?]]
    /// Per column read in place from views fetched up front: its view of each piece (nil: a
    /// damaged chunk, all NULL).
    private let chunks: [Int: [ColumnChunkView?]]

    /// The source of `columns` of `table`. Columns are read in place only when every one
    /// has chunks splitting the rows the same way; else all are read row by row.
    /// - Complexity: O(columns × chunks); with summaries nothing is read, else the first-read
    ///   checks of every chunk of `columns`.
    init(table: any MaskTable, states: RowStates, columns: Set<Int>) {
        self.table = table
        self.states = states
        let sorted = columns.sorted()
        if let (pieces, stats) = ColumnarSource.summarised(table, sorted) {
            (self.pieces, statistics, chunks) = (pieces, stats, [:])
        } else if let (pieces, views) = ColumnarSource.listed(table, sorted) {
            (self.pieces, statistics, chunks) = (pieces, [:], views)
        } else {
            (pieces, statistics, chunks) = ([0..<table.count], [:], [:])
        }
    }

    /// Pieces and statistics from the chunk summaries, when every column has them with the
    /// same row counts summing to the table's.
    private static func summarised(_ table: any MaskTable, _ columns: [Int]) -> ([Range<Int>], [Int: [ColumnStatistics?]])? {
        var rows: [Int]?
        var stats: [Int: [ColumnStatistics?]] = [:]
        for c in columns {
            guard let summaries = table.columnChunkSummaries(c) else { return nil }
            let counts = summaries.map(\.rows)
            guard rows == nil || rows == counts else { return nil }
            rows = counts
            stats[c] = summaries.map(\.statistics)
        }
        guard let counts = rows, counts.reduce(0, +) == table.count else { return nil }
        return (ranges(counts), stats)
    }

    /// Pieces and views from `columnChunks`, when every column has them splitting the rows
    /// the same way (a damaged chunk has no view: its size is the one the others give).
    private static func listed(_ table: any MaskTable, _ columns: [Int]) -> ([Range<Int>], [Int: [ColumnChunkView?]])? {
        var chunks: [Int: [ColumnChunkView?]] = [:]
        var counts: [Int]?
        for c in columns {
            guard let views = table.columnChunks(c) else { return nil }
            let sizes = views.map { $0?.count ?? -1 }
            if let known = counts {
                guard known.count == sizes.count else { return nil }
                counts = zip(known, sizes).map { max($0, $1) }
            } else {
                counts = sizes
            }
            chunks[c] = views
        }
        guard let sizes = counts, !sizes.contains(-1), sizes.reduce(0, +) == table.count else { return nil }
        return (ranges(sizes), chunks)
    }

    private static func ranges(_ sizes: [Int]) -> [Range<Int>] {
        var start = 0
        return sizes.map { n in defer { start += n }; return start..<(start + n) }
    }

    /// The statistics of column `c`'s chunk holding piece `p`; nil when unknown.
    func statistics(column c: Int, piece p: Int) -> ColumnStatistics? {
        statistics[c]?[p] ?? nil
    }

    /// The blocks of piece `p`, in row order.
    func blocks(piece p: Int) -> [ColumnarBlock] {
        let range = pieces[p]
        return stride(from: 0, to: range.count, by: ColumnarBlock.rows).map { local in
            ColumnarBlock(piece: p, start: range.lowerBound + local, local: local,
                          count: min(ColumnarBlock.rows, range.count - local))
        }
    }

    /// Column `c`'s values (as `kind`) and validity over `block`. False when a value read
    /// row by row does not have the column's type.
    func fill(column c: Int, kind: ColumnarExpr.Kind, block: ColumnarBlock,
              values: UnsafeMutablePointer<UInt64>, valid: UnsafeMutablePointer<UInt64>) -> Bool {
        if statistics[c] != nil || chunks[c] != nil {
            if let view = statistics[c] != nil ? table.columnChunk(c, chunk: block.piece) : chunks[c]?[block.piece] {
                ColumnarSource.fill(view, kind: kind, block: block, values: values, valid: valid)
            } else {
                valid.update(repeating: 0, count: ColumnarBlock.words)  // damaged: NULL, as `value` reads it
            }
            return true
        }
        return fillByRow(column: c, kind: kind, block: block, values: values, valid: valid)
    }

    /// In place: the chunk's words and validity bits. FLOAT64 NaN is NULL.
    /// - Complexity: O(block rows), no allocation.
    private static func fill(_ view: ColumnChunkView, kind: ColumnarExpr.Kind, block: ColumnarBlock,
                             values: UnsafeMutablePointer<UInt64>, valid: UnsafeMutablePointer<UInt64>) {
        let base = block.local  // a multiple of 64
        for w in 0..<block.wordCount { valid[w] = view.validityWord(from: base + 64 * w) }
        guard kind != .text else { return }
        for i in 0..<block.count { values[i] = view.word(base + i) }
        if kind == .double {
            ColumnarKernels.withBits(rows: block.count, { i in Double(bitPattern: values[i]).isNaN }) { nan in
                for w in 0..<block.wordCount { valid[w] &= ~nan[w] }
            }
        }
    }

    /// Row by row through `value(row:column:)` (normalised: NaN is NULL).
    private func fillByRow(column c: Int, kind: ColumnarExpr.Kind, block: ColumnarBlock,
                           values: UnsafeMutablePointer<UInt64>, valid: UnsafeMutablePointer<UInt64>) -> Bool {
        valid.update(repeating: 0, count: ColumnarBlock.words)
        for i in 0..<block.count {
            let v = ValueSemantics.normalised(table.value(row: block.start + i, column: c))
            switch (v, kind) {
            case (.null, _): continue
            case (.int(let x), .int): values[i] = UInt64(bitPattern: x)
            case (.double(let x), .double): values[i] = x.bitPattern
            case (.text, .text): break
            default: return false
            }
            valid[i / 64] |= 1 << UInt64(i % 64)
        }
        return true
    }

    /// AREA of bound ROI `r` over `block`: the box area, NULL without a box.
    func fillArea(roi r: Int, block: ColumnarBlock, values: UnsafeMutablePointer<UInt64>, valid: UnsafeMutablePointer<UInt64>) {
        valid.update(repeating: 0, count: ColumnarBlock.words)
        for i in 0..<block.count {
            guard let box = states.box(row: block.start + i, roi: r) else { continue }
            values[i] = UInt64(bitPattern: Int64(box.area))
            valid[i / 64] |= 1 << UInt64(i % 64)
        }
    }
}
