import MaskFormat
import MaskStorage

/// What the members' (possibly bounded) values of one scalar aggregate's argument say, in one
/// pass: "possible" members may be non-NULL, "certain" ones are never NULL.
struct AggregateBoundsSummary {
    var members = 0
    var possibleCount = 0, certainCount = 0
    /// SUM: maybe-NULL members count as min(0, lo) / max(0, hi).
    var sumLo = 0.0, sumHi = 0.0
    /// AVG when every member is certain.
    var certainLo = 0.0, certainHi = 0.0
    /// Over possible members.
    var minLo = Double.infinity, maxHi = -Double.infinity
    /// Over certain members.
    var minHiCertain = Double.infinity, maxLoCertain = -Double.infinity

    /// - Complexity: O(values).
    init(_ values: [IntervalValue]) {
        members = values.count
        for v in values {
            let b = v.bounds
            if b.isNull { continue }
            possibleCount += 1
            sumLo += b.maybeNull ? min(0, b.lo) : b.lo
            sumHi += b.maybeNull ? max(0, b.hi) : b.hi
            minLo = min(minLo, b.lo)
            maxHi = max(maxHi, b.hi)
            guard !b.maybeNull else { continue }
            certainCount += 1
            certainLo += b.lo
            certainHi += b.hi
            minHiCertain = min(minHiCertain, b.hi)
            maxLoCertain = max(maxLoCertain, b.lo)
        }
    }

    /// Double bounds widened by a relative 1e-9, so that rounding in the exact evaluation
    /// (summation order) never escapes them.
    static func widened(_ lo: Double, _ hi: Double, maybeNull: Bool) -> IntervalValue {
        let l = lo - abs(lo) * 1e-9 - 1e-300, h = hi + abs(hi) * 1e-9 + 1e-300
        return IntervalValue.normalisedDouble(lo: l, hi: h, maybeNull: maybeNull)
    }

    /// The aggregate's bounds (see `Executor.aggregateBounds`).
    func interval(_ function: AggregateFunction, isInt: Bool) -> IntervalValue {
        let noneCertain = certainCount == 0
        if function == .count {
            return IntervalValue.normalisedInt(lo: Double(certainCount), hi: Double(possibleCount), maybeNull: false)
        }
        if possibleCount == 0 { return .exact(.null) }
        switch function {
        case .count, .sum:
            return isInt ? IntervalValue.normalisedInt(lo: sumLo, hi: sumHi, maybeNull: noneCertain)
                         : Self.widened(sumLo, sumHi, maybeNull: noneCertain)
        case .avg:
            if certainCount == members {
                let n = Double(members)
                return Self.widened(certainLo / n, certainHi / n, maybeNull: false)
            }
            return Self.widened(minLo, maxHi, maybeNull: noneCertain)
        case .min, .max:
            let lo = function == .min || noneCertain ? minLo : maxLoCertain
            let hi = function == .max || noneCertain ? maxHi : minHiCertain
            return isInt ? IntervalValue.normalisedInt(lo: lo, hi: hi, maybeNull: noneCertain)
                         : .range(lo: lo, hi: hi, maybeNull: noneCertain)
        }
    }
}

/// Bounds on the count of a group's pixels above a threshold, one member at a time: each
/// member's count `c_i` lies in `lo_i...hi_i`.
struct MemberCountBounds {
    var sumLo = 0, sumHi = 0, minHi: Int, maxLo = 0, members = 0

    init(area: Int) { minHi = area }

    mutating func add(_ lo: Int, _ hi: Int) {
        sumLo += lo
        sumHi += hi
        minHi = min(minHi, hi)
        maxLo = max(maxLo, lo)
        members += 1
    }

    /// Bounds on the ones of the 0/1 aggregate: the intersection's lie in
    /// `max(0, Σ lo_i − (n − 1)·area) ... min_i hi_i`, the union's in `max_i lo_i ... min(area, Σ hi_i)`.
    func ones(intersect: Bool, area: Int) -> ClosedRange<Int> {
        intersect ? max(0, sumLo - (members - 1) * area)...max(max(0, sumLo - (members - 1) * area), minHi)
                  : maxLo...max(maxLo, min(area, sumHi))
    }
}

extension Executor {
    /// Exact value of one scalar aggregate over a group (members' CP values exact): the value of
    /// `aggregateState` (SUM of INT64 wraps on overflow; SUM/AVG of Doubles are exact sums rounded
    /// once, so independent of member order and of sharding). - Complexity: O(members × argument size).
    func aggregateValue(_ term: AggregateTerm, members: [Int]) throws(QueryError) -> ColumnValue {
        try aggregateState(term, members: members).value(term.function, argumentType: term.argumentType)
    }

    /// The aggregate's combinable state over `members` (exact values); `COUNT(*)` counts members.
    /// - Complexity: O(members × argument size).
    func aggregateState(_ term: AggregateTerm, members: [Int]) throws(QueryError) -> AggregateState {
        var state = AggregateState()
        guard let argument = term.argument else {
            state.count = Int64(members.count)
            return state
        }
        for m in members {
            state.add(try evaluator.exactValue(argument, row: m), maskID: table.maskID(row: m), function: term.function)
        }
        return state
    }

    /// Bounds on one scalar aggregate from its members' (possibly bounded) argument values.
    ///
    /// COUNT: [definitely non-NULL, possibly non-NULL]. SUM: Σ of lower / upper ends, a maybe-NULL
    /// member contributing min(0, lo) / max(0, hi). AVG: [Σlo/n, Σhi/n] when no member can be NULL,
    /// else [min lo, max hi]. MIN: [min lo, min hi over certain members] (MAX symmetric).
    /// Double bounds are widened by a relative 1e-9 (`AggregateBoundsSummary.widened`).
    /// Exact when every member's value is. - Complexity: O(members).
    func aggregateBounds(_ term: AggregateTerm, members: [Int]) throws(QueryError) -> IntervalValue {
        guard let argument = term.argument else { return .exact(.int(Int64(members.count))) }
        let values = members.map { evaluator.value(argument, row: $0) }
        if values.allSatisfy({ $0.exactValue != nil }) { return .exact(try aggregateValue(term, members: members)) }
        return AggregateBoundsSummary(values).interval(term.function, isInt: term.argumentType != .double)
    }

    /// Bounds on CP over a mask aggregate, before reading any member.
    ///
    /// For `INTERSECT(mask > t)` / `UNION(mask > t)` the aggregate is a 0/1 mask: its ones are
    /// bounded from the members' counts above the threshold in the box (`MemberCountBounds`,
    /// each member bounded by the bounds source, else `0...area`). CP then counts the ones if
    /// `1.0` is in CP's range, the zeros (`area − ones`) if `0.0` is. Other mask aggregates get
    /// `0...area`. - Complexity: O(members) bounds look-ups.
    func maskAggregateBounds(_ term: GroupCPTerm, box: PixelBox, members: [Int]) -> IntervalValue {
        let area = box.area
        let trivial = IntervalValue.range(lo: 0, hi: Double(area), maybeNull: false)
        let threshold: Double, strict: Bool, isIntersect: Bool
        switch term.source {
        case .intersect(let t, let s): (threshold, strict, isIntersect) = (t, s, true)
        case .union(let t, let s): (threshold, strict, isIntersect) = (t, s, false)
        default: return trivial
        }
        let countsOnes = MaskAggregation.inRange(1.0, lower: term.lower, upper: term.upper)
        let countsZeros = MaskAggregation.inRange(0.0, lower: term.lower, upper: term.upper)
        if countsOnes && countsZeros { return .exact(.int(Int64(area))) }
        if !countsOnes && !countsZeros { return .exact(.int(0)) }
        guard boundsSource != nil else { return trivial }
        let codes = table.pixelFormat.codeInterval(lower: strict ? threshold.nextUp : threshold, upper: 1.0)
        let counts = memberCountBounds(roi: term.roi, box: box, codes: codes, members: members)
        let ones = counts.ones(intersect: isIntersect, area: area)
        let lo = countsOnes ? ones.lowerBound : area - ones.upperBound
        let hi = countsOnes ? ones.upperBound : area - ones.lowerBound
        return lo == hi ? .exact(.int(Int64(lo))) : .range(lo: Double(lo), hi: Double(hi), maybeNull: false)
    }

    /// Each member's count of codes in `codes` within `box`, bounded by the bounds source
    /// (`0...area` without an entry). A constant ROI's bounds of every row come from one column
    /// pass, kept for the query (`constantBounds`). - Complexity: O(members) look-ups.
    func memberCountBounds(roi: Int, box: PixelBox, codes: CodeInterval, members: [Int]) -> MemberCountBounds {
        let area = box.area
        var counts = MemberCountBounds(area: area)
        guard !codes.isEmpty, let source = boundsSource else {
            for _ in members { counts.add(0, codes.isEmpty ? 0 : area) }
            return counts
        }
        var all: RowBounds?
        switch plan.rois[roi] {
        case .full, .box: all = allRowBounds(box: box, codes: codes)
        case .named: all = nil
        }
        for m in members {
            var lo = 0, hi = area
            let found: (lower: Int, upper: Int)?
            if let all {
                found = all[m]
            } else {
                found = source.bounds(row: m, box: box, codes: codes).map { ($0.lowerBound, $0.upperBound) }
            }
            if let b = found {
                (lo, hi) = (max(0, b.lower), min(area, b.upper))
                if lo > hi { (lo, hi) = (0, area) }  // inconsistent bounds: ignore them
            }
            counts.add(lo, hi)
        }
        return counts
    }

    /// Every row's bounds for a constant (box, codes), computed once per query.
    func allRowBounds(box: PixelBox, codes: CodeInterval) -> RowBounds? {
        let key = ConstantBoundsKey(box: box, codes: codes)
        if let cached = constantBounds[key] { return cached }
        let all = boundsSource?.boundsForAllRows(box: box, codes: codes).map(RowBounds.init)
        constantBounds[key] = all
        return all
    }
}
