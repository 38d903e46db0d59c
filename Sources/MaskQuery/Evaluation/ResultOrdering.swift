import MaskFormat

/// One output row with its sort keys and tie-breaker (mask_id, or the group key when grouped).
struct ResultRow: Sendable {
    var values: [ColumnValue]
    var keys: [ColumnValue]
    var tie: ColumnValue
}

/// The total order of CONTRACT.md section 3: ORDER BY keys (ASC / DESC, NULLs last in both
/// directions), then ascending mask_id (group key when grouped; a NULL group key last).
struct ResultOrdering: Sendable {
    var descending: [Bool]

    /// -1, 0, 1 for one key: NULLs after every value in both directions.
    static func compareKey(_ a: ColumnValue, _ b: ColumnValue, descending: Bool) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        default:
            let c = ValueSemantics.compare(a, b) ?? 0
            return descending ? -c : c
        }
    }

    func compare(_ a: ResultRow, _ b: ResultRow) -> Int {
        for (i, d) in descending.enumerated() {
            let c = Self.compareKey(a.keys[i], b.keys[i], descending: d)
            if c != 0 { return c }
        }
        return Self.compareKey(a.tie, b.tie, descending: false)
    }

    func sort(_ rows: inout [ResultRow]) {
        rows.sort { compare($0, $1) < 0 }
    }

    /// Leaves the first `k` rows of the order in `rows`, sorted: the same rows as `sort` then
    /// truncating (the order is total), by a bounded heap of the best `k` seen so far (its root
    /// the worst of them) when `k` is small against the rows.
    /// - Complexity: O(n log k) comparisons, instead of O(n log n).
    /// Any `k >= 0` is safe: the heap holds at most `min(k, rows.count)` rows, and `k` is compared,
    /// never multiplied.
    func firstK(_ rows: inout [ResultRow], _ k: Int) {
        guard k > 0 else { rows.removeAll(); return }
        guard k < rows.count / 8 else {
            sort(&rows)
            if rows.count > k { rows.removeLast(rows.count - k) }
            return
        }
        var heap: [ResultRow] = []
        heap.reserveCapacity(k)
        func worse(_ i: Int, _ j: Int) -> Bool { compare(heap[i], heap[j]) > 0 }
        for row in rows {
            if heap.count < k {
                heap.append(row)
                var c = heap.count - 1
                while c > 0, worse(c, (c - 1) / 2) {
                    heap.swapAt(c, (c - 1) / 2)
                    c = (c - 1) / 2
                }
            } else if compare(row, heap[0]) < 0 {
                heap[0] = row
                var p = 0
                while true {
                    let l = 2 * p + 1, r = l + 1
                    var w = p
                    if l < k, worse(l, w) { w = l }
                    if r < k, worse(r, w) { w = r }
                    if w == p { break }
                    heap.swapAt(p, w)
                    p = w
                }
            }
        }
        rows = heap
        sort(&rows)
    }
}
