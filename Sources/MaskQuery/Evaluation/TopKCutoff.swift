import MaskFormat

/// Top-k pruning before any pixel is read (MaskSearch, VLDB 2024, section 3.5).
///
/// Among the candidates that certainly pass WHERE and whose first sort key is certainly a
/// number, at least k have a key no worse than the k-th best of their *worst* values (the lower
/// bound for DESC, the upper bound for ASC). So the k-th result's first key is at least that
/// good, and a candidate whose *best* value is strictly worse can never enter the top k — ties
/// are kept, since the mask_id tie-break or a second key may still let them in.
///
/// Only numeric keys below 2^53 in magnitude are used (where Double comparison is exact); with
/// anything else no cutoff is made. - Complexity: O(n log k) with a binary heap of size k.
struct TopKCutoff {
    let descending: Bool
    let value: Double

    /// The cutoff of `keys` (each candidate's first-key interval and whether it certainly passes
    /// WHERE), or nil when fewer than k candidates give a certain value.
    static func compute<S: Sequence>(k: Int, descending: Bool, _ keys: S) -> TopKCutoff?
    where S.Element == (IntervalValue, Bool) {
        guard k > 0 else { return nil }
        // A heap of the k best worst-values, worst of them at the root.
        // Grown as candidates come (never reserved by k: k may exceed the candidates by far).
        var heap: [Double] = []
        // `a` ranks after `b` in result order.
        func after(_ a: Double, _ b: Double) -> Bool { descending ? a < b : a > b }
        for (interval, certain) in keys {
            guard certain, let worst = worstValue(interval, descending: descending) else { continue }
            if heap.count < k {
                heap.append(worst)
                var i = heap.count - 1
                while i > 0 {
                    let p = (i - 1) / 2
                    guard after(heap[i], heap[p]) else { break }
                    heap.swapAt(i, p)
                    i = p
                }
            } else if after(heap[0], worst) {
                heap[0] = worst
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < heap.count && after(heap[l], heap[m]) { m = l }
                    if r < heap.count && after(heap[r], heap[m]) { m = r }
                    if m == i { break }
                    heap.swapAt(i, m)
                    i = m
                }
            }
        }
        guard heap.count == k else { return nil }
        return TopKCutoff(descending: descending, value: heap[0])
    }

    /// The worst value the key can take, when it is certainly a number.
    static func worstValue(_ v: IntervalValue, descending: Bool) -> Double? {
        switch v {
        case .exact(.int(let x)):
            let d = Double(x)
            return abs(d) < IntervalValue.safeInteger ? d : nil
        case .exact(.double(let d)):
            return d.isFinite ? d : nil
        case .exact:
            return nil
        case .range(let lo, let hi, let maybeNull):
            if maybeNull { return nil }
            let w = descending ? lo : hi
            return w.isFinite && abs(w) < IntervalValue.safeInteger ? w : nil
        }
    }

    /// True when a candidate whose first key is at best `best` cannot enter the top k.
    func excludes(_ best: ColumnValue) -> Bool {
        switch best {
        case .null: return true  // NULLs sort after every number
        case .int(let x):
            let d = Double(x)
            guard abs(d) < IntervalValue.safeInteger else { return false }
            return descending ? d < value : d > value
        case .double(let d):
            if d.isNaN { return false }
            return descending ? d < value : d > value
        case .text:
            return false
        }
    }
}
