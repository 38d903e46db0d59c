import MaskFormat
import MaskIndex
import MaskQuery
import MaskStorage

/// The index's bound arithmetic over an in-memory table: every row's CHI built up front with
/// `CHIBuilder`, bounds from `BoundsPlan` and refined bounds from `CellBoundsPlan`, exactly as
/// `DatabaseIndex` computes them from its files (without the files). Rows listed in
/// `missing` have no entry. Used by the randomised oracle comparison so that the executor's
/// use of real bounds — constant-ROI column passes, named-ROI batches, refinement, top-k
/// cutoffs — is checked against brute force. Named ROI sets also get ROI histogram bounds
/// (`ROIHistogramBounds` over `CHIBuilder.boxHistogram`'s counts, as `ROIHistogramFile`
/// computes them from its columns) for every row but one in three, which take the grid's.
final class CHIBoundsSource: CPBoundsSource, IndexObserver, @unchecked Sendable {
    let grid: CHIGrid
    let entries: [[UInt32]]
    let missing: Set<Int>
    let table: InMemoryMaskTable

    init(table: InMemoryMaskTable, cell: Int, bins: Int, missingEvery: Int) {
        self.table = table
        grid = CHIGrid(height: table.height, width: table.width, cell: cell, bins: bins, pixelFormat: table.pixelFormat)
        let builder = CHIBuilder(grid: grid)
        entries = table.pixels.map { px in
            px.withUnsafeBytes { builder.build(codes: $0) }
            return builder.entries
        }
        missing = missingEvery > 0 ? Set(stride(from: 0, to: table.count, by: missingEvery)) : []
    }

    func bounds(row: Int, box: PixelBox, codes: CodeInterval) -> ClosedRange<Int>? {
        guard !missing.contains(row) else { return nil }
        let e = entries[row]
        return BoundsPlan(grid: grid, box: box, codes: codes).evaluate { Int(e[$0]) }
    }

    func boundsForAllRows(box: PixelBox, codes: CodeInterval) -> (lower: [Int32], upper: [Int32])? {
        var lower = [Int32](repeating: -1, count: entries.count), upper = [Int32](repeating: 0, count: entries.count)
        for row in entries.indices {
            guard let b = bounds(row: row, box: box, codes: codes) else { continue }
            (lower[row], upper[row]) = (Int32(b.lowerBound), Int32(b.upperBound))
        }
        return (lower, upper)
    }

    func refinedBounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32])? {
        var lower = [Int32](repeating: -1, count: rows.count), upper = [Int32](repeating: 0, count: rows.count)
        for (i, row) in rows.enumerated() where !missing.contains(row) {
            let e = entries[row]
            let b = CellBoundsPlan(grid: grid, box: boxes[i], codes: codes).evaluate { Int(e[$0]) }
            (lower[i], upper[i]) = (Int32(b.lowerBound), Int32(b.upperBound))
        }
        return (lower, upper)
    }

    func roiHistogramBounds(roiSet: String, rows: [Int], codes: CodeInterval, area: (Int) -> Int) -> (lower: [Int32], upper: [Int32])? {
        guard let set = table.roiSet(named: roiSet) else { return nil }
        let builder = CHIBuilder(grid: grid), plan = ROIHistogramBounds(grid: grid, codes: codes)
        var lower = [Int32](repeating: -1, count: rows.count), upper = [Int32](repeating: 0, count: rows.count)
        var counts = [UInt32](repeating: 0, count: grid.bins)
        for (i, row) in rows.enumerated() where row % 3 != 1 {
            let box = set.box(maskID: table.maskID(row: row), imageID: table.imageID(row: row))!.clipped(width: grid.width, height: grid.height)
            table.pixels[row].withUnsafeBytes { px in counts.withUnsafeMutableBufferPointer { builder.boxHistogram(codes: px, box: box, into: $0) } }
            let b = plan.evaluate(area: area(i)) { k in Int(counts[plan.bins[k] - 1]) }
            (lower[i], upper[i]) = (Int32(b.lowerBound), Int32(b.upperBound))
        }
        return (lower, upper)
    }

    func observe(row: Int, pixels: UnsafeRawBufferPointer) -> Bool { false }
    func wantsWholeMask(row: Int) -> Bool { missing.contains(row) }
}

/// The one-mask view from the same entries (as `DatabaseIndex` gives it from its files).
extension CHIBoundsSource: BoundsExplaining {
    func explainBounds(row: Int, box: PixelBox, codes: CodeInterval) -> CHIBoundsView? {
        guard !missing.contains(row) else { return nil }
        let e = entries[row]
        return CHIBoundsView(grid: grid, box: box, codes: codes) { Int(e[$0]) }
    }
}
