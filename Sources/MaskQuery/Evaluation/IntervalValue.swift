import MaskFormat

/// A value known exactly, or only bounded: the domain of filter-verification.
///
/// `range(lo, hi, maybeNull)` says: the value is NULL (only if `maybeNull`), or a number in
/// `lo...hi` (real-number bounds; infinite endpoints mean unbounded). Arithmetic on ranges is
/// interval arithmetic, sound for the exact semantics of `ValueSemantics`:
/// - IEEE-754 `+ - * /` are monotone in each operand, so evaluating the endpoint combinations in
///   Double bounds the exactly rounded result of any operands inside the ranges;
/// - INT64 ranges are exact below 2^53 in magnitude; beyond that (where Double conversion rounds
///   and INT64 arithmetic may wrap) a range is widened to (-inf, +inf);
/// - a FLOAT64 range with an infinite or NaN endpoint may hold a non-finite result, which is NULL
///   (`maybeNull` is set);
/// - division by a range containing 0 is unbounded and may be NULL.
enum IntervalValue: Sendable {
    case exact(ColumnValue)
    case range(lo: Double, hi: Double, maybeNull: Bool)

    static let unbounded = IntervalValue.range(lo: -.infinity, hi: .infinity, maybeNull: true)
    static let safeInteger: Double = 9_007_199_254_740_992  // 2^53

    var exactValue: ColumnValue? {
        if case .exact(let v) = self { return v }
        return nil
    }

    /// (lo, hi, maybeNull, definitelyNull) of a numeric value.
    var bounds: (lo: Double, hi: Double, maybeNull: Bool, isNull: Bool) {
        switch self {
        case .exact(.null): return (0, 0, true, true)
        case .exact(.int(let v)):
            let d = Double(v)
            if abs(d) >= Self.safeInteger { return (-.infinity, .infinity, false, false) }
            return (d, d, false, false)
        case .exact(.double(let d)): return (d, d, false, false)
        case .exact(.text): return (-.infinity, .infinity, true, false)
        case .range(let lo, let hi, let n): return (lo, hi, n, false)
        }
    }

    static func normalisedInt(lo: Double, hi: Double, maybeNull: Bool) -> IntervalValue {
        if lo.isNaN || hi.isNaN || !(abs(lo) < safeInteger) || !(abs(hi) < safeInteger) {
            return .range(lo: -.infinity, hi: .infinity, maybeNull: maybeNull)
        }
        if lo == hi && !maybeNull { return .exact(.int(Int64(lo))) }
        return .range(lo: lo, hi: hi, maybeNull: maybeNull)
    }

    static func normalisedDouble(lo: Double, hi: Double, maybeNull: Bool) -> IntervalValue {
        if lo.isNaN || hi.isNaN { return .unbounded }
        return .range(lo: lo, hi: hi, maybeNull: maybeNull || !lo.isFinite || !hi.isFinite)
    }

    static func arithmetic(_ op: BinaryOperator, _ a: IntervalValue, _ b: IntervalValue, isInt: Bool) -> IntervalValue {
        if case .exact(let x) = a, case .exact(let y) = b {
            return .exact(ValueSemantics.arithmetic(op, x, y, isInt: isInt))
        }
        let x = a.bounds, y = b.bounds
        if x.isNull || y.isNull { return .exact(.null) }
        let maybeNull = x.maybeNull || y.maybeNull
        let lo: Double, hi: Double
        switch op {
        case .add:
            lo = x.lo + y.lo
            hi = x.hi + y.hi
        case .subtract:
            lo = x.lo - y.hi
            hi = x.hi - y.lo
        case .multiply:
            let (a, b, c, d) = (x.lo * y.lo, x.lo * y.hi, x.hi * y.lo, x.hi * y.hi)
            if a.isNaN || b.isNaN || c.isNaN || d.isNaN {
                return isInt ? normalisedInt(lo: .nan, hi: .nan, maybeNull: maybeNull) : .unbounded
            }
            lo = min(min(a, b), min(c, d))
            hi = max(max(a, b), max(c, d))
        case .divide:
            if y.lo <= 0 && y.hi >= 0 { return .unbounded }
            let (a, b, c, d) = (x.lo / y.lo, x.lo / y.hi, x.hi / y.lo, x.hi / y.hi)
            if a.isNaN || b.isNaN || c.isNaN || d.isNaN { return .unbounded }
            lo = min(min(a, b), min(c, d))
            hi = max(max(a, b), max(c, d))
        default:
            return .unbounded
        }
        return isInt ? normalisedInt(lo: lo, hi: hi, maybeNull: maybeNull)
                     : normalisedDouble(lo: lo, hi: hi, maybeNull: maybeNull)
    }

    static func negate(_ a: IntervalValue, isInt: Bool) -> IntervalValue {
        if case .exact(let v) = a { return .exact(ValueSemantics.negate(v)) }
        let x = a.bounds
        return isInt ? normalisedInt(lo: -x.hi, hi: -x.lo, maybeNull: x.maybeNull)
                     : normalisedDouble(lo: -x.hi, hi: -x.lo, maybeNull: x.maybeNull)
    }

    /// The truth values `a op b` may take. O(1).
    static func compare(_ op: BinaryOperator, _ a: IntervalValue, _ b: IntervalValue) -> TruthSet {
        if case .exact(let x) = a, case .exact(let y) = b {
            return TruthSet(ValueSemantics.compare(op, x, y))
        }
        let x = a.bounds, y = b.bounds
        if x.isNull || y.isNull { return .unknown }
        var canTrue: Bool, canFalse: Bool
        switch op {
        case .less: canTrue = x.lo < y.hi; canFalse = x.hi >= y.lo
        case .lessEqual: canTrue = x.lo <= y.hi; canFalse = x.hi > y.lo
        case .greater: canTrue = x.hi > y.lo; canFalse = x.lo <= y.hi
        case .greaterEqual: canTrue = x.hi >= y.lo; canFalse = x.lo < y.hi
        case .equal, .notEqual:
            let overlap = x.lo <= y.hi && y.lo <= x.hi
            let allEqual = x.lo == x.hi && y.lo == y.hi && x.lo == y.lo && x.lo.isFinite
            canTrue = overlap
            canFalse = !allEqual
            if op == .notEqual { swap(&canTrue, &canFalse) }
        default:
            return [.true, .false, .unknown]
        }
        var r: TruthSet = []
        if canTrue { r.insert(.true) }
        if canFalse { r.insert(.false) }
        if x.maybeNull || y.maybeNull { r.insert(.unknown) }
        return r
    }
}
