import MaskStorage

/// Read-ahead for one chunk of a parallel pass over items that read pixels: before item
/// `i` is processed, `before(i)` asks storage (`MaskTable.prefetchPixels`) for the reads of the
/// items `window` to `2·window` ahead (at the chunk's start, of its first `2·window`), so that
/// cold blocks load while earlier ones decode. Query mappings are advised random
/// (`Database.adviseRandomAccess`), so nothing else reads ahead.
/// - Complexity: one `prefetchPixels` call per `window` items.
struct ReadAhead {
    let table: any MaskTable
    /// The chunk's items.
    let range: Range<Int>
    let window: Int
    /// The reads of items `items` (a sub-range of `range`), in the order they will be made.
    let reads: (Range<Int>) -> [(row: Int, rows: Range<Int>)]

    func before(_ i: Int) {
        let k = i - range.lowerBound
        let ahead: Range<Int>
        if k == 0 {
            ahead = i..<(i + 2 * window)
        } else if k % window == 0 {
            ahead = (i + window)..<(i + 2 * window)
        } else {
            return
        }
        let requests = reads(ahead.clamped(to: range))
        if !requests.isEmpty { table.prefetchPixels(requests) }
    }
}
