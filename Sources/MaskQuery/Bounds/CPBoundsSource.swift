import MaskFormat

/// Bounds on CP from an index (MaskIndex implements it), read-only. The executor asks for bounds
/// before it reads any pixels, and reads a mask only when bounds cannot decide the query for it.
/// Writing the index (entries of the masks a query reads) is `IndexObserver`'s part.
public protocol CPBoundsSource: Sendable {
    /// Bounds lo...hi on CP(mask at `row`, `box`, codes in `codes`), where `box` is clipped and
    /// non-empty, or nil when this mask has no index entry.
    func bounds(row: Int, box: PixelBox, codes: CodeInterval) -> ClosedRange<Int>?
    /// Bounds of every row for one constant (box, codes), in one vectorised pass; `lower[row]`
    /// is -1 where the row has no entry. nil when the source only answers row by row.
    func boundsForAllRows(box: PixelBox, codes: CodeInterval) -> (lower: [Int32], upper: [Int32])?
    /// Bounds of `rows[i]` with its own box `boxes[i]` (clipped, non-empty) — a named ROI — for
    /// one code interval; `lower[i]` is -1 where the row has no entry.
    func bounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32])
    /// Tighter (and costlier) bounds of the same kind, asked for the rows the first bounds
    /// left undecided; nil when the source has none.
    func refinedBounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32])?
    /// Bounds of `rows[i]` (ascending) over its box of the named ROI set `roiSet` (clipped,
    /// area `area(i)` > 0, asked only when the source has histograms) from histograms of the boxes themselves — exact when `codes` starts
    /// and ends on bin edges; `lower[i]` is -1 where the row has none. nil when the source has
    /// none for the set. Asked before `bounds(rows:boxes:codes:)`, which serves the rows without
    /// them and is intersected with them where they are not exact (`Executor.applyHistogramBounds`).
    func roiHistogramBounds(roiSet: String, rows: [Int], codes: CodeInterval, area: (Int) -> Int) -> (lower: [Int32], upper: [Int32])?
    /// Starts reading (asynchronously) what `boundsForAllRows(box:codes:)` and the refined
    /// bounds of every row would read for one constant (box, codes), so that the reads
    /// overlap the executor's work before it asks for them.
    func prefetchAllRows(box: PixelBox, codes: CodeInterval)
}

extension CPBoundsSource {
    /// Row by row, by default.
    public func bounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32]) {
        var lower = [Int32](repeating: -1, count: rows.count), upper = [Int32](repeating: 0, count: rows.count)
        for (i, row) in rows.enumerated() {
            guard let b = bounds(row: row, box: boxes[i], codes: codes) else { continue }
            lower[i] = Int32(clamping: max(0, b.lowerBound))  // -1 only marks a missing entry
            upper[i] = Int32(clamping: b.upperBound)
        }
        return (lower, upper)
    }

    /// No refinement, by default.
    public func refinedBounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32])? { nil }

    /// No ROI histograms, by default.
    public func roiHistogramBounds(roiSet: String, rows: [Int], codes: CodeInterval, area: (Int) -> Int) -> (lower: [Int32], upper: [Int32])? { nil }

    /// Row by row only, by default.
    public func boundsForAllRows(box: PixelBox, codes: CodeInterval) -> (lower: [Int32], upper: [Int32])? { nil }

    /// Nothing to read ahead, by default.
    public func prefetchAllRows(box: PixelBox, codes: CodeInterval) {}
}
