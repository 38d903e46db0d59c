import MaskStorage

/// The other end of `ReadAhead` for long passes: after every `span` items of a chunk, the
/// mapped pages of the masks those items read are released (`MaskTable.releasePixels`), so that
/// a scan over more masks than memory (1.33 M masks of 224×224: 15 GB of blocks) keeps a
/// resident set of O(span) masks per core instead of every block it read. Only when those
/// masks are in ascending row order (a scan's or a filter's candidates, each read once), so
/// that the range released holds their blocks alone; a chunk's last items are released when it
/// ends. The pages stay in the page cache: a later read maps them again (a minor fault).
///
/// Masks `kept` says are read again soon — noted for indexing after the answer, which reads
/// them whole right after it — keep their pages: the ranges released end before them. Releasing
/// them cost a TLB shootdown per chunk and the faults of mapping them again (Figure 11 at
/// p = 1.0: 41 releases a query; Benchmarks/results/issue-10/session10.md).
/// - Complexity: one `releasePixels` call per `span` items and one at the chunk's end, plus one
///   per run of kept masks.
struct ReleaseBehind {
    let table: any MaskTable
    /// The chunk's items.
    let range: Range<Int>
    let span: Int
    /// The masks (rows) the items `items` read, in order.
    let rows: (Range<Int>) -> [Int]
    /// True for a mask (row) whose pages stay mapped.
    let kept: (Int) -> Bool

    /// Called after item `i` of `range`.
    func after(_ i: Int) {
        let done = i + 1 - range.lowerBound
        guard done % span == 0 || i + 1 == range.upperBound else { return }
        let read = rows((i + 1 - (done % span == 0 ? span : done % span))..<(i + 1))
        guard let last = read.last, zip(read, read.dropFirst()).allSatisfy({ $0 < $1 }) else { return }
        var start: Int?
        for row in read {
            if kept(row) {
                if let s = start { table.releasePixels(rows: s..<row) }
                start = nil
            } else if start == nil {
                start = row
            }
        }
        if let s = start { table.releasePixels(rows: s..<(last + 1)) }
    }
}
