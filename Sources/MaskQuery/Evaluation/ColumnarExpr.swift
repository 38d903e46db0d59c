import MaskFormat
import MaskStorage

/// A metadata expression compiled for column-at-a-time evaluation: evaluated over a block of
/// up to `ColumnarBlock.rows` rows at once into its own buffers (values as bit patterns of
/// INT64 or FLOAT64, a validity bitmap: bit clear = NULL). The values are exactly those of
/// `ValueSemantics` (what `ExpressionEvaluator.value` gives on exact inputs): INT64 `+ - *`
/// wrap, other arithmetic in Double with non-finite results and division by zero NULL, NaN read
/// from a FLOAT64 column NULL. A TEXT column is compiled for its validity only (`IS NULL`).
final class ColumnarExpr {
    enum Kind { case int, double, text }

    enum Op {
        case column(Int)
        case area(roi: Int)
        case constant
        case negate(ColumnarExpr)
        case arithmetic(BinaryOperator, ColumnarExpr, ColumnarExpr)
    }

    let op: Op
    let kind: Kind
    /// `ColumnarBlock.rows` values: `Int64` or `Double` bit patterns (unspecified where NULL).
    let values: UnsafeMutablePointer<UInt64>
    /// `ColumnarBlock.words` words: bit i set = row i of the block is not NULL.
    let valid: UnsafeMutablePointer<UInt64>

    private init(_ op: Op, kind: Kind) {
        self.op = op
        self.kind = kind
        values = .allocate(capacity: ColumnarBlock.rows)
        values.initialize(repeating: 0, count: ColumnarBlock.rows)
        valid = .allocate(capacity: ColumnarBlock.words)
        valid.initialize(repeating: 0, count: ColumnarBlock.words)
    }

    deinit {
        values.deallocate()
        valid.deallocate()
    }

    /// The compiled form of `e`, or nil when it has a part evaluated only row by row (CP terms,
    /// group-scope values, TEXT literals, TEXT in arithmetic).
    static func compile(_ e: BoundExpr, table: any MaskTable) -> ColumnarExpr? {
        switch e {
        case .literal(let v): return constant(v)
        case .column(let c):
            switch table.columns[c].type {
            case .int64: return ColumnarExpr(.column(c), kind: .int)
            case .float64: return ColumnarExpr(.column(c), kind: .double)
            case .text: return ColumnarExpr(.column(c), kind: .text)
            }
        case .area(let r): return ColumnarExpr(.area(roi: r), kind: .int)
        case .negate(let x, _):
            guard let a = compile(x, table: table), a.kind != .text else { return nil }
            return ColumnarExpr(.negate(a), kind: a.kind)
        case .arithmetic(let op, let l, let r, let isInt):
            guard let a = compile(l, table: table), let b = compile(r, table: table),
                  a.kind != .text, b.kind != .text else { return nil }
            let intResult = isInt && a.kind == .int && b.kind == .int && (op == .add || op == .subtract || op == .multiply)
            return ColumnarExpr(.arithmetic(op, a, b), kind: intResult ? .int : .double)
        case .cp, .groupKey, .groupArea, .groupCP, .aggregate: return nil
        }
    }

    /// A literal broadcast once into its buffers (never overwritten); nil for TEXT.
    private static func constant(_ v: ColumnValue) -> ColumnarExpr? {
        let e: ColumnarExpr
        switch v {
        case .int(let x):
            e = ColumnarExpr(.constant, kind: .int)
            e.values.update(repeating: UInt64(bitPattern: x), count: ColumnarBlock.rows)
        case .double(let x):
            e = ColumnarExpr(.constant, kind: .double)
            e.values.update(repeating: x.bitPattern, count: ColumnarBlock.rows)
        case .null:
            return ColumnarExpr(.constant, kind: .int)  // validity all clear: NULL
        case .text:
            return nil
        }
        e.valid.update(repeating: ~0, count: ColumnarBlock.words)
        return e
    }

    /// Evaluates the expression over `block` into `values` and `valid`. Returns false when a
    /// stored value does not have its column's type (a table not keeping its schema): the
    /// caller then evaluates the block row by row.
    /// - Complexity: O(block rows × expression size).
    func evaluate(_ block: ColumnarBlock, _ source: ColumnarSource) -> Bool {
        switch op {
        case .constant:
            return true
        case .column(let c):
            return source.fill(column: c, kind: kind, block: block, values: values, valid: valid)
        case .area(let r):
            source.fillArea(roi: r, block: block, values: values, valid: valid)
            return true
        case .negate(let a):
            guard a.evaluate(block, source) else { return false }
            ColumnarKernels.negate(a, into: self, rows: block.count)
            return true
        case .arithmetic(let op, let a, let b):
            guard a.evaluate(block, source), b.evaluate(block, source) else { return false }
            ColumnarKernels.arithmetic(op, a, b, into: self, rows: block.count)
            return true
        }
    }
}

/// A block of consecutive rows inside one storage chunk (`ColumnarSource.pieces`).
struct ColumnarBlock {
    static let rows = 1024
    static let words = rows / 64

    /// Index of the chunk (piece) holding the block.
    var piece: Int
    /// The table row of the block's first row.
    var start: Int
    /// The first row's index inside its chunk (a multiple of `rows`).
    var local: Int
    /// Rows in the block, 1...rows.
    var count: Int

    /// Number of 64-row words the block covers.
    var wordCount: Int { (count + 63) / 64 }

    /// The bits of word `w` that are rows of the block.
    @inline(__always)
    func mask(word w: Int) -> UInt64 {
        let left = count - 64 * w
        return left >= 64 ? ~0 : (left <= 0 ? 0 : (1 << UInt64(left)) - 1)
    }
}
