import MaskFormat
import MaskStorage

/// Reads masks and computes their exact CP values: the "verification" half of
/// filter-verification, for row queries.
///
/// For each requested row, the CP terms whose state is not yet exact are computed from one read
/// of the mask (one `VerificationPass` over the rows, in chunks of at least 4 rows): the image
/// rows covering the terms' boxes, or the whole mask when the index observer wants it and the
/// `IndexingBudget` admits it (the observer then indexes it). Results land in per-row slots, so
/// the outcome does not depend on scheduling.
/// - Complexity: O(Σ box areas) counting plus the reads, per row.
struct PixelVerifier {
    let table: any MaskTable
    let terms: [CPTerm]
    let observer: (any IndexObserver)?

    struct Outcome {
        /// Rows whose pixels were read.
        var readRows: [Int]
        var newlyIndexed: Int
    }

    /// Makes every CP state of `rows` exact (reading pixels where needed), updating `states`.
    func verify(rows: [Int], states: RowStates) throws(QueryError) -> Outcome {
        guard !terms.isEmpty, !rows.isEmpty else { return Outcome(readRows: [], newlyIndexed: 0) }
        let counts = UnsafeMutableBufferPointer<Int?>.allocate(capacity: rows.count * terms.count)
        counts.initialize(repeating: nil)
        defer { counts.deallocate() }
        let counting = TermCounting(table: table, terms: terms, rows: rows, states: states, counts: counts)
        let pass = VerificationPass(table: table, observer: observer, minimumChunk: 4, readAheadWindow: 32)
        let newlyIndexed = try pass.run(reads(of: rows, states: states), counting)
        return Outcome(readRows: settle(rows: rows, counts: counts, states: states), newlyIndexed: newlyIndexed)
    }

    /// One read per row with a CP term not yet exact: the image rows spanned by those terms'
    /// non-empty boxes (empty when none is). Rows with every term exact read nothing.
    /// - Complexity: O(rows × terms).
    func reads(of rows: [Int], states: RowStates) -> MaskReadList {
        var list = MaskReadList()
        for row in rows {
            var y0 = Int.max, y1 = Int.min
            var pending = false
            for (t, term) in terms.enumerated() where states.cpState(row: row, term: t).exactValue == nil {
                pending = true
                if let b = states.box(row: row, roi: term.roi), !b.isEmpty {
                    y0 = min(y0, b.y0)
                    y1 = max(y1, b.y1)
                }
            }
            if pending { list.append(MaskRead(row: row, rows: y0 < y1 ? y0..<y1 : 0..<0, mayIndex: true)) }
            list.endItem()
        }
        return list
    }

    /// Writes the counts into `states` (a term without a count, NULL box, becomes NULL) and
    /// returns the rows that got a count.
    /// - Complexity: O(rows × terms).
    func settle(rows: [Int], counts: UnsafeMutableBufferPointer<Int?>, states: RowStates) -> [Int] {
        let termCount = terms.count
        var readRows: [Int] = []
        for (i, row) in rows.enumerated() {
            var touched = false
            for t in 0..<termCount {
                if let n = counts[i * termCount + t] {
                    states[cp: row, term: t] = .exact(.int(Int64(n)))
                    touched = true
                } else if states[cp: row, term: t].exactValue == nil {
                    // The box is NULL (missing in a named set): CP is NULL without reading.
                    states[cp: row, term: t] = .exact(.null)
                }
            }
            if touched { readRows.append(row) }
        }
        return readRows
    }
}

/// Row verification's use of the pixels: each pending CP term of the row counted over its box.
private struct TermCounting: PixelConsumer {
    let table: any MaskTable
    let terms: [CPTerm]
    /// The pass's items: item `i` is row `rows[i]`.
    let rows: [Int]
    let states: RowStates
    /// Per item and term: the count, nil when not computed (a NULL box or an exact state).
    let counts: UnsafeMutableBufferPointer<Int?>

    func makeWorker() {}

    func consume(item: Int, pixels: MaskPixels, worker: inout Void) {
        let row = rows[item], termCount = terms.count
        let format = table.pixelFormat, width = table.width
        for (t, term) in terms.enumerated() where states.cpState(row: row, term: t).exactValue == nil {
            guard let b = states.box(row: row, roi: term.roi) else { continue }
            var n = 0
            if !b.isEmpty {
                let offset = ((b.y0 - pixels.rows.lowerBound) * width + b.x0) * format.bytesPerPixel
                n = countCodes(pixels.base + offset, format: format, cols: b.width, rows: b.height,
                               stride: width, interval: term.codes)
            }
            counts[item * termCount + t] = n
        }
    }
}
