import MaskFormat

/// The state of one scalar aggregate (SUM, AVG, MIN, MAX, COUNT) over some members of a group:
/// what the final value needs and nothing more, combinable exactly with the state of other
/// members (`merge`), in any order. The executor folds a group's members into one state and
/// takes its `value`; a sharded query folds each shard's members, merges the shards' states and
/// takes the value of the merge — the same bits (`ShardMerge`).
///
/// - COUNT: the non-NULL values. SUM of INT64: a wrapping Int64 sum (wrapping addition is
///   associative and commutative, so overflow wraps the same in any order). SUM/AVG of FLOAT64
///   (or AVG of anything): an `ExactSum`, rounded once; AVG = that sum / count.
/// - MIN/MAX: the best value and the mask_id it came from; on equal values (1 and 1.0, 0.0 and
///   -0.0) the lower mask_id wins, as the member-order scan keeps the first.
public struct AggregateState: Sendable, Hashable {
    public var count: Int64 = 0
    public var intSum: Int64 = 0
    public var doubleSum = ExactSum()
    public var best: ColumnValue?
    public var bestMaskID: Int64 = 0

    public init() {}

    /// Adds one member's value (NULL is skipped). - Complexity: O(1), O(partials) for doubles.
    mutating func add(_ v: ColumnValue, maskID: Int64, function: AggregateFunction) {
        guard v != .null else { return }
        count += 1
        switch function {
        case .count: break
        case .sum, .avg:
            if case .int(let x) = v { intSum = intSum &+ x }
            doubleSum.add(ValueSemantics.double(v) ?? 0)
        case .min, .max: offerBest(v, maskID: maskID, function: function)
        }
    }

    private mutating func offerBest(_ v: ColumnValue, maskID: Int64, function: AggregateFunction) {
        guard let current = best else { (best, bestMaskID) = (v, maskID); return }
        let c = ValueSemantics.compare(v, current) ?? 0
        let better = function == .min ? c < 0 : c > 0
        if better || (c == 0 && maskID < bestMaskID) { (best, bestMaskID) = (v, maskID) }
    }

    /// Combines the state of other members of the same group. - Complexity: O(partials).
    mutating func merge(_ other: AggregateState, function: AggregateFunction) {
        count += other.count
        intSum = intSum &+ other.intSum
        doubleSum.merge(other.doubleSum)
        if let b = other.best { offerBest(b, maskID: other.bestMaskID, function: function) }
    }

    /// The aggregate's value: NULL over no non-NULL value (COUNT: 0); a non-finite Double is NULL.
    func value(_ function: AggregateFunction, argumentType: ValueType) -> ColumnValue {
        if function == .count { return .int(count) }
        guard count > 0 else { return .null }
        switch function {
        case .sum where argumentType != .double: return .int(intSum)
        case .sum: return ValueSemantics.finite(doubleSum.value)
        case .avg: return ValueSemantics.finite(doubleSum.value / Double(count))
        case .min, .max: return best ?? .null
        case .count: return .int(count)
        }
    }
}
