import MaskFormat
import MaskStorage

/// Where a columnar filter reads its columns: each column's chunks in place from the table's
/// mappings (`MaskTable.columnChunks`: a `Database`'s segments), or, for a table keeping no
/// chunks, `value(row:column:)` row by row. The rows are split into pieces (the chunks, or one
/// piece of every row) and blocks never cross a piece.
struct ColumnarSource {
    let table: any MaskTable
    let states: RowStates
    /// Row ranges of the pieces, in order, covering every row.
    let pieces: [Range<Int>]
    /// Per column read in place: its view of each piece (nil: a damaged chunk, all NULL).
    private let chunks: [Int: [ColumnChunkView?]]

    /// The source of `columns` of `table`. Columns are read in place only when every one
    /// has chunks splitting the rows the same way; else all are read row by row.
    /// - Complexity: O(columns × chunks), plus the first-read checks of those chunks.
    init(table: any MaskTable, states: RowStates, columns: Set<Int>) {
        self.table = table
        self.states = states
        var chunks: [Int: [ColumnChunkView?]] = [:]
        var counts: [Int]?
        var inPlace = true
        for c in columns.sorted() {
            guard let views = table.columnChunks(c) else { inPlace = false; break }
            // A damaged chunk has no view: its segment's size is the one the others give.
            let sizes = views.map { $0?.count ?? -1 }
            if let known = counts {
                guard known.count == sizes.count else { inPlace = false; break }
                counts = zip(known, sizes).map { max($0, $1) }
            } else {
                counts = sizes
            }
            chunks[c] = views
        }
        if inPlace, let sizes = counts, !sizes.contains(-1), sizes.reduce(0, +) == table.count {
            var start = 0
            pieces = sizes.map { n in defer { start += n }; return start..<(start + n) }
            self.chunks = chunks
        } else {
            pieces = [0..<table.count]
            self.chunks = [:]
        }
    }

    /// Every block of every piece, in row order.
    var blocks: [ColumnarBlock] {
        var out: [ColumnarBlock] = []
        for (p, range) in pieces.enumerated() {
            for local in stride(from: 0, to: range.count, by: ColumnarBlock.rows) {
                out.append(ColumnarBlock(piece: p, start: range.lowerBound + local, local: local,
                                         count: min(ColumnarBlock.rows, range.count - local)))
            }
        }
        return out
    }

    /// Column `c`'s values (as `kind`) and validity over `block`. False when a value read
    /// row by row does not have the column's type.
    func fill(column c: Int, kind: ColumnarExpr.Kind, block: ColumnarBlock,
              values: UnsafeMutablePointer<UInt64>, valid: UnsafeMutablePointer<UInt64>) -> Bool {
        if let views = chunks[c] {
            if let view = views[block.piece] {
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
