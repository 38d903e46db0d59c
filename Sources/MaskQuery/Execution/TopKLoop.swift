import MaskFormat

/// One thing a top-k may visit — a mask or a group — placed by the best value its first sort
/// key can take (`best`: the upper bound for DESC, the lower bound for ASC, or the exact value)
/// and its tie-breaker (`tie`: mask_id, or the group key).
struct TopKItem {
    var best: ColumnValue
    var tie: ColumnValue
    /// The caller's index of the mask or group.
    var index: Int
}

/// The best-first top-k with exact stopping (MaskSearch, VLDB 2024, section 3.5), the one loop
/// of ranked rows and ranked groups.
///
/// Sequential algorithm: visit items in order of `(best, tie)`; evaluate each exactly (reading
/// its pixels only when its bounds leave it undecided); stop before the first item whose best
/// value ranks after the current k-th row. Every item the sequential algorithm visits has a best
/// value ranking before the answer's k-th row, and every such item is visited; so with bounds
/// never looser than another source's, it visits a subset of what the other source makes it visit.
///
/// Parallel batches that visit exactly the sequential algorithm's items: a batch grows only with
/// items that the sequential algorithm certainly visits — while results and batch hold fewer
/// than k items, or when the item's best ranks before the *optimistic* k-th: the k-th best among
/// the exact results so far and the best values of the items already in the batch (each batch
/// item's exact value ranks at or after its best, so the sequential k-th when it reaches the item
/// ranks at or after the optimistic one). The first item of a batch is tested against the exact
/// results alone — the sequential stop. Ties: with one sort key the tie-breaker decides; with
/// several, an item whose best equals the k-th first key is visited (a later key may let it in).
///
/// - Complexity: O(visited × log k) for the optimistic k-th, plus O(k log k) per batch to sort
///   the results and seed the optimistic k-th with them; batches hold at most `maxBatch` items.
struct TopKLoop {
    let k: Int
    /// Direction of the first sort key.
    let descending: Bool
    /// True with at most one sort key (ties between equal bests are then decided by `tie`).
    let singleKey: Bool
    /// The full result order.
    let ordering: ResultOrdering
    var maxBatch = 4096

    init(k: Int, sortKeys: [SortKey]) {
        self.k = k
        descending = sortKeys.first?.descending ?? false
        singleKey = sortKeys.count <= 1
        ordering = ResultOrdering(descending: sortKeys.map(\.descending))
    }

    /// Where an item or row stands on the first key (and the tie-breaker with one key).
    struct Rank {
        var first: ColumnValue
        var tie: ColumnValue
    }

    /// The rank of a result row; without sort keys the first key is the tie-breaker itself.
    func rank(_ row: ResultRow) -> Rank { Rank(first: row.keys.first ?? row.tie, tie: row.tie) }

    /// -1, 0, 1: `a` before, level with, after `b` in the order the loop visits.
    func compare(_ a: Rank, _ b: Rank) -> Int {
        let c = ResultOrdering.compareKey(a.first, b.first, descending: descending)
        if c != 0 || !singleKey { return c }
        return ResultOrdering.compareKey(a.tie, b.tie, descending: false)
    }

    /// Sorts items into visiting order: best first, then ascending tie (whatever the number of
    /// sort keys). - Complexity: O(n log n).
    func sort(_ items: inout [TopKItem]) {
        let descending = self.descending
        items.sort {
            let c = ResultOrdering.compareKey($0.best, $1.best, descending: descending)
            return c != 0 ? c < 0 : ResultOrdering.compareKey($0.tie, $1.tie, descending: false) < 0
        }
    }

    /// Runs the loop over `items` in visiting order (see `sort`). `visit` evaluates a batch
    /// (reading what it must) and returns the rows of its items that qualify.
    /// Returns the k best rows, sorted, and how many leading items were visited.
    func run(_ items: [TopKItem], visit: ([TopKItem]) throws(QueryError) -> [ResultRow]) throws(QueryError) -> (rows: [ResultRow], visited: Int) {
        guard k > 0 else { return ([], 0) }
        var results: [ResultRow] = []
        var next = 0
        while next < items.count {
            let batch = nextBatch(items, from: next, results: results)
            if batch.isEmpty { break }
            next = batch.upperBound
            results += try visit(Array(items[batch]))
            ordering.sort(&results)
            if results.count > k { results.removeLast(results.count - k) }
        }
        return (results, next)
    }

    /// The items from `start` that the sequential algorithm certainly visits, given `results`
    /// (sorted, at most k): empty when it stops at `start`.
    func nextBatch(_ items: [TopKItem], from start: Int, results: [ResultRow]) -> Range<Int> {
        var optimistic = KthRank(k: k, loop: self)
        for r in results { optimistic.insert(rank(r)) }
        var end = start
        while end < items.count && end - start < maxBatch {
            let r = Rank(first: items[end].best, tie: items[end].tie)
            if let kth = optimistic.kth, compare(r, kth) > 0 { break }
            optimistic.insert(r)
            end += 1
        }
        return start..<end
    }
}

/// The k-th best of the ranks inserted so far: a binary max-heap of at most k ranks, the
/// worst at the root. - Complexity: O(log k) per insert, O(1) for `kth`.
struct KthRank {
    let k: Int
    let loop: TopKLoop
    var heap: [TopKLoop.Rank] = []

    init(k: Int, loop: TopKLoop) {
        self.k = k
        self.loop = loop
    }

    /// nil while fewer than k ranks were inserted.
    var kth: TopKLoop.Rank? { heap.count == k ? heap[0] : nil }

    mutating func insert(_ r: TopKLoop.Rank) {
        if heap.count < k {
            heap.append(r)
            siftUp(heap.count - 1)
        } else if loop.compare(r, heap[0]) < 0 {
            heap[0] = r
            siftDown(0)
        }
    }

    private func worse(_ i: Int, _ j: Int) -> Bool { loop.compare(heap[i], heap[j]) > 0 }

    private mutating func siftUp(_ i: Int) {
        var c = i
        while c > 0, worse(c, (c - 1) / 2) {
            heap.swapAt(c, (c - 1) / 2)
            c = (c - 1) / 2
        }
    }

    private mutating func siftDown(_ i: Int) {
        var p = i
        while true {
            let l = 2 * p + 1, r = l + 1
            var w = p
            if l < heap.count, worse(l, w) { w = l }
            if r < heap.count, worse(r, w) { w = r }
            if w == p { return }
            heap.swapAt(p, w)
            p = w
        }
    }
}

extension IntervalValue {
    /// The best value this key can take in result order: the exact value, or the upper bound
    /// (DESC) or lower bound (ASC) of a range.
    func best(descending: Bool) -> ColumnValue {
        switch self {
        case .exact(let v): return v
        case .range(let lo, let hi, _): return .double(descending ? hi : lo)
        }
    }
}
