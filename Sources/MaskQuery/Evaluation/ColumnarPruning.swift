import MaskFormat
import MaskStorage

/// Deciding a predicate over a whole storage chunk from the chunk's statistics (the range of
/// each column's values, `ColumnStatistics`) without reading it — the "zone map" of column
/// stores. `ColumnarFilter` skips a piece where no row can make the predicate true.
///
/// For each node, a pair of possibilities: can a row of the piece make it true, can one make
/// it false (SQL three-valued logic: a row may make it neither, unknown). A comparison of a
/// column with a constant knows them from where the column's range lies against the constant
/// (the order of a value against a constant only grows with the value, for INT64, FLOAT64
/// and the exact comparisons across them); `NOT` swaps them; `AND` can be true only when both
/// sides can, false when either can; `OR` the reverse. Anything else can be both.
/// - Complexity: O(predicate size) per piece.
extension ColumnarPredicate {
    /// Whether a row of piece `p` can make the node true, and whether one can make it false.
    func outcomes(piece p: Int, _ source: ColumnarSource) -> (canBeTrue: Bool, canBeFalse: Bool) {
        switch op {
        case .compare(let o, let a, let b):
            return ColumnarPredicate.compareOutcomes(o, a, b, piece: p, source)
        case .and(let l, let r):
            let x = l.outcomes(piece: p, source), y = r.outcomes(piece: p, source)
            return (x.canBeTrue && y.canBeTrue, x.canBeFalse || y.canBeFalse)
        case .or(let l, let r):
            let x = l.outcomes(piece: p, source), y = r.outcomes(piece: p, source)
            return (x.canBeTrue || y.canBeTrue, x.canBeFalse && y.canBeFalse)
        case .not(let x):
            let y = x.outcomes(piece: p, source)
            return (y.canBeFalse, y.canBeTrue)
        case .isNull, .rows:
            return (true, true)
        }
    }

    /// `column op constant` (either side): the orders the column's range allows against the
    /// constant, intersected with those `op` accepts and rejects (`ColumnarKernels.accepted`).
    private static func compareOutcomes(_ op: BinaryOperator, _ a: ColumnarExpr, _ b: ColumnarExpr,
                                        piece p: Int, _ source: ColumnarSource) -> (canBeTrue: Bool, canBeFalse: Bool) {
        let columnLeft: Bool
        let column: Int
        switch (a.op, b.op) {
        case (.column(let c), .constant): (columnLeft, column) = (true, c)
        case (.constant, .column(let c)): (columnLeft, column) = (false, c)
        default: return (true, true)
        }
        let constant = columnLeft ? b : a
        guard constant.valid[0] & 1 != 0 else { return (false, false) }   // NULL: unknown everywhere
        guard let range = source.statistics(column: column, piece: p),
              let low = order(range.minimum, constant), let high = order(range.maximum, constant) else {
            return (true, true)
        }
        // Orders a value of [minimum, maximum] can have against the constant: bit 0 less,
        // bit 1 equal, bit 2 greater.
        var possible: UInt64 = (low == 0 ? 0b001 : 0) | (low <= 1 && high >= 1 ? 0b010 : 0) | (high == 2 ? 0b100 : 0)
        if !columnLeft { possible = (possible & 0b010) | (possible & 1) << 2 | (possible >> 2) & 1 }
        let yes = ColumnarKernels.accepted(op), no = ~yes & 0b111
        return (possible & yes != 0, possible & no != 0)
    }

    /// The order of a statistics bound against a compiled constant (0 less, 1 equal, 2
    /// greater), as `ColumnarKernels.compare` orders values; nil when incomparable (NaN).
    private static func order(_ v: ColumnValue, _ k: ColumnarExpr) -> UInt64? {
        let bits = k.values[0]
        let o: UInt64
        switch (v, k.kind) {
        case (.int(let x), .int):
            o = ColumnarKernels.order(x, Int64(bitPattern: bits))
        case (.double(let x), .double):
            let y = Double(bitPattern: bits)
            guard !x.isNaN, !y.isNaN else { return nil }
            o = ColumnarKernels.order(x, y)
        case (.int(let x), .double):
            o = ColumnarKernels.order(int: x, double: Double(bitPattern: bits))
        case (.double(let x), .int):
            let r = ColumnarKernels.order(int: Int64(bitPattern: bits), double: x)
            o = r == 3 ? 3 : 2 - r
        default:
            return nil
        }
        return o == 3 ? nil : o
    }
}
