import MaskFormat

/// Bounds on CP from an index (MaskIndex implements it). The executor asks for bounds before it
/// reads any pixels, and reads a mask only when bounds cannot decide the query for it.
public protocol CPBoundsSource: Sendable {
    /// Bounds lo...hi on CP(mask at `row`, `box`, codes in `codes`), where `box` is clipped and
    /// non-empty, or nil when this mask has no index entry.
    func bounds(row: Int, box: PixelBox, codes: CodeInterval) -> ClosedRange<Int>?
    /// Called with the full mask's codes (height*width*bytesPerPixel bytes) whenever the executor
    /// read a whole mask (so the index can build the mask's entry incrementally). Return true if a
    /// new entry was created. May be called from several threads at once (different rows).
    func observe(row: Int, pixels: UnsafeRawBufferPointer) -> Bool
    /// See the default implementation below.
    func wantsWholeMask(row: Int) -> Bool
    /// True when masks observed earlier (in this query) wait to be stored; the indexing budget
    /// then gives no more credit (`IndexingBudget.admitted`). Default: false.
    var hasPendingEntries: Bool { get }
    /// Where a new entry of mask `row` would be stored: its page `group` (masks of one group
    /// share their page of every key column) and the number of `pages` (key columns) that the
    /// group's first stored mask touches. nil: storing has no such cost. Default: nil.
    func storePages(row: Int) -> (group: Int, pages: Int)?
    /// Bounds of every row for one constant (box, codes), in one vectorised pass; `lower[row]`
    /// is -1 where the row has no entry. nil when the source only answers row by row.
    func boundsForAllRows(box: PixelBox, codes: CodeInterval) -> (lower: [Int32], upper: [Int32])?
    /// Bounds of `rows[i]` with its own box `boxes[i]` (clipped, non-empty) — a named ROI — for
    /// one code interval; `lower[i]` is -1 where the row has no entry.
    func bounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32])
    /// Tighter (and costlier) bounds of the same kind, asked for the rows the first bounds
    /// left undecided; nil when the source has none.
    func refinedBounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32])?
}

extension CPBoundsSource {
    /// True when the executor should read the whole mask at `row` (not only the rows its boxes
    /// cover) so that `observe` can index it. Defaults to true; the database index answers
    /// false for masks that are already indexed or cannot be indexed.
    public func wantsWholeMask(row: Int) -> Bool { true }

    public var hasPendingEntries: Bool { false }

    public func storePages(row: Int) -> (group: Int, pages: Int)? { nil }

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

    /// Row by row only, by default.
    public func boundsForAllRows(box: PixelBox, codes: CodeInterval) -> (lower: [Int32], upper: [Int32])? { nil }
}
