import MaskFormat
import MaskStorage

/// The metadata part of WHERE evaluated column-at-a-time (the row pass's `targetRows`).
///
/// The predicate is compiled once into a tree of nodes, each with buffers for one block of
/// `ColumnarBlock.rows` rows; then, block by block, each node runs one tight loop: columns are
/// read in place from the table's chunks (`ColumnarSource`), comparisons, `AND`/`OR`/`NOT`
/// (SQL three-valued logic on pairs of bitmaps: true bits, false bits, unknown where neither)
/// and `IS NULL` work on 64 rows a word. A subtree the compiler does not take (CP terms,
/// comparisons of TEXT) is a leaf evaluated row by row by `ExpressionEvaluator`, and a block
/// whose stored values do not have their column's type is evaluated row by row whole: the
/// result is always the row evaluator's.
/// - Complexity: O(rows × predicate size); no allocation per row (but the output's, and the
///   row-by-row leaves'); memory O(predicate size × block rows).
final class ColumnarFilter {
    private let root: ColumnarPredicate
    private let source: ColumnarSource
    private let evaluator: ExpressionEvaluator
    private let predicate: BoundPredicate

    init(_ predicate: BoundPredicate, table: any MaskTable, states: RowStates, evaluator: ExpressionEvaluator) {
        var columns = Set<Int>()
        root = ColumnarPredicate.compile(predicate, table: table, columns: &columns)
        source = ColumnarSource(table: table, states: states, columns: columns)
        self.evaluator = evaluator
        self.predicate = predicate
    }

    /// Pieces of fewer rows are always read, even when their statistics decide them: reading
    /// (and checking) one costs less than a microsecond, and a query then reports damage in it.
    static let minimumSkippedRows = ColumnarBlock.rows

    /// The rows where the predicate is true, ascending. A piece where the chunks' statistics
    /// show that no row can make it true is skipped unread (`ColumnarPredicate.outcomes`).
    func trueRows() -> [Int] {
        var out: [Int] = []
        for p in source.pieces.indices {
            if source.pieces[p].count >= ColumnarFilter.minimumSkippedRows, !root.outcomes(piece: p, source).canBeTrue {
                continue
            }
            for block in source.blocks(piece: p) { collect(block, into: &out) }
        }
        return out
    }

    /// The rows of `block` where the predicate is true, appended to `out`.
    private func collect(_ block: ColumnarBlock, into out: inout [Int]) {
        if root.evaluate(block, source, evaluator) {
            for w in 0..<block.wordCount {
                var bits = root.t[w] & block.mask(word: w)
                while bits != 0 {
                    out.append(block.start + 64 * w + bits.trailingZeroBitCount)
                    bits &= bits - 1
                }
            }
        } else {
            for row in block.start..<(block.start + block.count) where evaluator.truth(predicate, row: row) == .true {
                out.append(row)
            }
        }
    }
}

/// A compiled predicate node: after `evaluate`, `t` and `f` hold its true and false rows of
/// the block (unknown: neither).
final class ColumnarPredicate {
    enum Op {
        case compare(BinaryOperator, ColumnarExpr, ColumnarExpr)
        case and(ColumnarPredicate, ColumnarPredicate)
        case or(ColumnarPredicate, ColumnarPredicate)
        case not(ColumnarPredicate)
        case isNull(ColumnarExpr, negated: Bool)
        /// Evaluated row by row by `ExpressionEvaluator.truth`.
        case rows(BoundPredicate)
    }

    let op: Op
    let t: UnsafeMutablePointer<UInt64>
    let f: UnsafeMutablePointer<UInt64>

    private init(_ op: Op) {
        self.op = op
        t = .allocate(capacity: ColumnarBlock.words)
        t.initialize(repeating: 0, count: ColumnarBlock.words)
        f = .allocate(capacity: ColumnarBlock.words)
        f.initialize(repeating: 0, count: ColumnarBlock.words)
    }

    deinit {
        t.deallocate()
        f.deallocate()
    }

    /// The compiled form of `p`; adds the columns it reads to `columns`. Recursive over the
    /// tree, whose depth the parser bounds (`Parser.maxDepth`; the binder balances AND / OR lists).
    static func compile(_ p: BoundPredicate, table: any MaskTable, columns: inout Set<Int>) -> ColumnarPredicate {
        switch p {
        case .compare(let op, let l, let r):
            guard let a = ColumnarExpr.compile(l, table: table), let b = ColumnarExpr.compile(r, table: table),
                  a.kind != .text, b.kind != .text else { return ColumnarPredicate(.rows(p)) }
            l.collectColumns(into: &columns)
            r.collectColumns(into: &columns)
            return ColumnarPredicate(.compare(op, a, b))
        case .and(let l, let r):
            return ColumnarPredicate(.and(compile(l, table: table, columns: &columns), compile(r, table: table, columns: &columns)))
        case .or(let l, let r):
            return ColumnarPredicate(.or(compile(l, table: table, columns: &columns), compile(r, table: table, columns: &columns)))
        case .not(let x):
            return ColumnarPredicate(.not(compile(x, table: table, columns: &columns)))
        case .isNull(let e, let negated):
            guard let a = ColumnarExpr.compile(e, table: table) else { return ColumnarPredicate(.rows(p)) }
            e.collectColumns(into: &columns)
            return ColumnarPredicate(.isNull(a, negated: negated))
        }
    }

    /// Evaluates the node over `block` into `t` and `f`; false when a column's stored values
    /// do not have its type (the caller evaluates the block row by row).
    func evaluate(_ block: ColumnarBlock, _ source: ColumnarSource, _ evaluator: ExpressionEvaluator) -> Bool {
        let words = block.wordCount
        switch op {
        case .compare(let o, let a, let b):
            guard a.evaluate(block, source), b.evaluate(block, source) else { return false }
            ColumnarKernels.compare(o, a, b, rows: block.count, t: t, f: f)
        case .and(let l, let r):
            guard l.evaluate(block, source, evaluator), r.evaluate(block, source, evaluator) else { return false }
            for w in 0..<words { (t[w], f[w]) = (l.t[w] & r.t[w], l.f[w] | r.f[w]) }
        case .or(let l, let r):
            guard l.evaluate(block, source, evaluator), r.evaluate(block, source, evaluator) else { return false }
            for w in 0..<words { (t[w], f[w]) = (l.t[w] | r.t[w], l.f[w] & r.f[w]) }
        case .not(let x):
            guard x.evaluate(block, source, evaluator) else { return false }
            for w in 0..<words { (t[w], f[w]) = (x.f[w], x.t[w]) }
        case .isNull(let a, let negated):
            guard a.evaluate(block, source) else { return false }
            for w in 0..<words {
                let present = a.valid[w] & block.mask(word: w), absent = ~a.valid[w] & block.mask(word: w)
                (t[w], f[w]) = negated ? (present, absent) : (absent, present)
            }
        case .rows(let p):
            evaluateRows(p, block, evaluator)
        }
        return true
    }

    /// A leaf row by row: each row's truth set (exact here: metadata only) as bits.
    private func evaluateRows(_ p: BoundPredicate, _ block: ColumnarBlock, _ evaluator: ExpressionEvaluator) {
        t.update(repeating: 0, count: ColumnarBlock.words)
        f.update(repeating: 0, count: ColumnarBlock.words)
        for i in 0..<block.count {
            let truth = evaluator.truth(p, row: block.start + i)
            let bit: UInt64 = 1 << UInt64(i % 64)
            if truth == .true { t[i / 64] |= bit } else if truth == .false { f[i / 64] |= bit }
        }
    }
}

extension BoundExpr {
    /// The table columns the expression reads.
    func collectColumns(into set: inout Set<Int>) {
        switch self {
        case .column(let c): set.insert(c)
        case .negate(let e, _): e.collectColumns(into: &set)
        case .arithmetic(_, let l, let r, _):
            l.collectColumns(into: &set)
            r.collectColumns(into: &set)
        default: break
        }
    }
}
