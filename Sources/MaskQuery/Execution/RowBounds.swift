/// Bounds on one CP term for a list of rows, as a `CPBoundsSource` answers them: row `i` has
/// bounds `self[i]`, or none (nil) when its mask has no index entry.
///
/// The only reader of the source's flat encoding (`lower[i] == -1`: no entry), so the
/// executor never meets the sentinel.
struct RowBounds: Sendable {
    private let lower: [Int32]
    private let upper: [Int32]

    /// Wraps a source's answer (`lower[i] == -1` where row `i` has no entry).
    init(_ raw: (lower: [Int32], upper: [Int32])) {
        lower = raw.lower
        upper = raw.upper
    }

    var count: Int { lower.count }

    /// The bounds of row `i` as the source gave them (a faulty source may give lower > upper;
    /// callers ignore such bounds), nil without an entry. - Complexity: O(1).
    @inline(__always)
    subscript(i: Int) -> (lower: Int, upper: Int)? {
        let lo = lower[i]
        guard lo >= 0 else { return nil }
        return (Int(lo), Int(upper[i]))
    }
}
