/// An exact, order-independent sum of Doubles: Shewchuk's non-overlapping partials ("Adaptive
/// Precision Floating-Point Arithmetic", 1997), rounded once at the end as Python's `math.fsum`
/// does (round-half-even of the exact sum). So the SUM/AVG of a group is the same bits whatever
/// order its values arrive in, and whatever shards they are split over: `merge` adds another
/// accumulator's partials exactly.
///
/// The partials are kept in increasing magnitude and never overlap; for values of one binade
/// there are at most a few (≤ 40 for any finite Doubles). An intermediate that overflows makes the
/// sum non-finite (`overflowed`), which the engine turns into NULL — only sums beyond ±1.8e308
/// (where even the order of the values matters) reach it.
public struct ExactSum: Sendable, Hashable {
    public private(set) var partials: [Double] = []
    public private(set) var overflowed = false

    public init() {}

    /// An accumulator from serialised partials (`ShardPartial`); nil when they are not finite.
    public init?(partials: [Double], overflowed: Bool) {
        guard partials.allSatisfy(\.isFinite) else { return nil }
        self.overflowed = overflowed
        for p in partials { add(p) }
    }

    /// Adds `value` exactly. - Complexity: O(partials).
    public mutating func add(_ value: Double) {
        guard !overflowed else { return }
        guard value.isFinite else { overflowed = true; return }
        // Zeros change nothing (and a sum of zeros is +0.0, as 0.0 + -0.0 is).
        guard value != 0 else { return }
        var x = value
        var i = 0
        for j in partials.indices {
            var y = partials[j]
            if abs(x) < abs(y) { swap(&x, &y) }
            let hi = x + y
            guard hi.isFinite else { overflowed = true; return }
            let lo = y - (hi - x)
            if lo != 0 {
                partials[i] = lo
                i += 1
            }
            x = hi
        }
        partials.removeSubrange(i...)
        partials.append(x)
    }

    /// Adds every partial of `other`: the accumulator of the union of both value sets.
    public mutating func merge(_ other: ExactSum) {
        if other.overflowed { overflowed = true }
        for p in other.partials { add(p) }
    }

    /// The exact sum rounded to the nearest Double (ties to even); +inf when an intermediate
    /// overflowed. - Complexity: O(partials).
    public var value: Double {
        if overflowed { return .infinity }
        var n = partials.count
        guard n > 0 else { return 0 }
        n -= 1
        var hi = partials[n]
        var lo = 0.0
        while n > 0 {
            let x = hi
            n -= 1
            let y = partials[n]
            hi = x + y
            lo = y - (hi - x)
            if lo != 0 { break }
        }
        // Round half to even across the remaining partials: when the rest has lo's sign, the
        // sum is past the halfway point that `hi + lo` rounded to even.
        if n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0)) {
            let y = lo * 2
            let x = hi + y
            if y == x - hi { hi = x }
        }
        return hi
    }
}
