import MaskFormat
import MaskStorage

/// Static type of a bound expression. `null` is the type of the `NULL` literal (it fits any type).
enum ValueType: Sendable, Hashable, CustomStringConvertible {
    case int, double, text, null

    var isNumeric: Bool { self == .int || self == .double || self == .null }
    var description: String {
        switch self {
        case .int: return "INT64"
        case .double: return "FLOAT64"
        case .text: return "TEXT"
        case .null: return "NULL"
        }
    }
}

/// A ROI after binding: the box source, not yet looked up for a mask.
/// Equality and hashing take a named set by its name and key, not its boxes: one table gives
/// one set per name, and comparing the boxes of ImageNet's 1.33 M-box set cost a sort of both
/// (~30 ms) each time the binder met the name.
enum BoundROI: Sendable, Hashable {
    case full
    /// A constant box, already clipped to the mask.
    case box(PixelBox)
    /// A named ROI set (looked up per mask by its image_id or mask_id, then clipped).
    case named(ROISet)

    static func == (a: BoundROI, b: BoundROI) -> Bool {
        switch (a, b) {
        case (.full, .full): true
        case (.box(let x), .box(let y)): x == y
        case (.named(let x), .named(let y)): x.name == y.name && x.key == y.key
        default: false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .full: hasher.combine(0)
        case .box(let b): hasher.combine(1); hasher.combine(b)
        case .named(let set): hasher.combine(2); hasher.combine(set.name); hasher.combine(set.key)
        }
    }
}

/// `CP(mask, roi, lv, uv)` of a row's own mask, with `[lv, uv)` turned into stored codes.
struct CPTerm: Sendable, Hashable {
    var roi: Int
    var codes: CodeInterval
    var lower: Double
    var upper: Double
}

/// `CP(<mask aggregate>, roi, lv, uv)`: CP over a group's pixel-wise aggregated mask.
struct GroupCPTerm: Sendable, Hashable {
    var source: SyntaxMaskSource
    var roi: Int
    var lower: Double
    var upper: Double
}

/// A scalar aggregate; `argument == nil` for `COUNT(*)`.
struct AggregateTerm: Sendable {
    var function: AggregateFunction
    var argument: BoundExpr?
    var argumentType: ValueType
    /// As written, e.g. `AVG(CP(mask, object, 0.8, 1.0))`, for EXPLAIN.
    var text: String
}

/// A bound scalar expression. Row-scope nodes (`column`, `cp`, `area`) read one mask's row;
/// group-scope nodes (`groupKey`, `groupArea`, `groupCP`, `aggregate`) read a group.
indirect enum BoundExpr: Sendable {
    case literal(ColumnValue)
    case column(Int)
    case cp(Int)
    case area(Int)
    case groupKey
    case groupArea(Int)
    case groupCP(Int)
    case aggregate(Int)
    case negate(BoundExpr, isInt: Bool)
    case arithmetic(BinaryOperator, BoundExpr, BoundExpr, isInt: Bool)

    /// Calls `body` with every node of the expression, parents before their operands.
    func forEachNode(_ body: (BoundExpr) -> Void) {
        body(self)
        switch self {
        case .negate(let e, _): e.forEachNode(body)
        case .arithmetic(_, let l, let r, _):
            l.forEachNode(body)
            r.forEachNode(body)
        default: break
        }
    }

    /// Indices of the scalar CP terms the expression reads.
    func collectCPTerms(into set: inout Set<Int>) {
        forEachNode { if case .cp(let i) = $0 { set.insert(i) } }
    }

    /// True when the expression reads a row's box (`AREA(roi)`).
    var readsBoxes: Bool {
        var found = false
        forEachNode { if case .area = $0 { found = true } }
        return found
    }
}

/// A bound predicate (three-valued). `IN` and `BETWEEN` are rewritten by the binder into
/// `OR`s of `=` and an `AND` of `<=` (their SQL definitions), `NOT IN` / `NOT BETWEEN` into `NOT`.
indirect enum BoundPredicate: Sendable {
    case compare(BinaryOperator, BoundExpr, BoundExpr)
    case and(BoundPredicate, BoundPredicate)
    case or(BoundPredicate, BoundPredicate)
    case not(BoundPredicate)
    case isNull(BoundExpr, negated: Bool)

    /// Calls `body` with every expression the predicate compares or tests.
    func forEachExpression(_ body: (BoundExpr) -> Void) {
        switch self {
        case .compare(_, let l, let r):
            body(l)
            body(r)
        case .and(let l, let r), .or(let l, let r):
            l.forEachExpression(body)
            r.forEachExpression(body)
        case .not(let p): p.forEachExpression(body)
        case .isNull(let e, _): body(e)
        }
    }

    func collectCPTerms(into set: inout Set<Int>) {
        forEachExpression { $0.collectCPTerms(into: &set) }
    }

    /// True when the predicate reads a row's box (`AREA(roi)`).
    var readsBoxes: Bool {
        var found = false
        forEachExpression { found = found || $0.readsBoxes }
        return found
    }

    /// The conjuncts of a tree of ANDs, left to right. Iterative, O(size of the tree).
    var conjuncts: [BoundPredicate] {
        var out: [BoundPredicate] = []
        var pending = [self]
        while let p = pending.popLast() {
            if case .and(let l, let r) = p {
                pending.append(r)
                pending.append(l)
            } else {
                out.append(p)
            }
        }
        return out
    }

    /// The AND of `parts` (nil when empty), as a balanced tree (see `balanced`).
    static func conjunction(_ parts: [BoundPredicate]) -> BoundPredicate? {
        balanced(parts, BoundPredicate.and)
    }

    /// `parts` combined by an associative `combine` (AND or OR, associative in three-valued logic)
    /// into a balanced tree that keeps their left-to-right order: ceil(log2(n)) levels instead of
    /// n - 1, so evaluating a long IN list or conjunction recurses only that deep. nil when empty.
    static func balanced(_ parts: [BoundPredicate],
                         _ combine: (BoundPredicate, BoundPredicate) -> BoundPredicate) -> BoundPredicate? {
        func build(_ range: Range<Int>) -> BoundPredicate {
            if range.count == 1 { return parts[range.lowerBound] }
            let middle = range.lowerBound + range.count / 2
            return combine(build(range.lowerBound..<middle), build(middle..<range.upperBound))
        }
        return parts.isEmpty ? nil : build(parts.indices)
    }
}

/// One ORDER BY key.
struct SortKey: Sendable {
    var expression: BoundExpr
    var descending: Bool
    var text: String
}

/// The logical plan of one query: what the executor runs.
///
/// Non-grouped: scan → metadata filter (exact, no pixels) → residual filter (interval bounds, then
/// verification) → projection → sort (or top-k by bounds when LIMIT is given) → limit.
/// Grouped: the same row filter, then grouping by `groupColumn` (one group of all rows when nil),
/// aggregates and mask aggregates per group, HAVING, projection, sort, limit.
struct QueryPlan: Sendable {
    var columnNames: [String]
    var projections: [BoundExpr]
    var projectionTexts: [String]
    var projectionTypes: [ValueType]
    var rois: [BoundROI]
    var roiTexts: [String]
    var cpTerms: [CPTerm]
    /// WHERE conjuncts that read no pixels.
    var metadataFilter: BoundPredicate?
    var metadataFilterText: String?
    /// WHERE conjuncts with a CP term.
    var residualFilter: BoundPredicate?
    var residualFilterText: String?
    var isGrouped: Bool
    /// The GROUP BY column (an index into the table's columns), nil for a single group.
    var groupColumn: Int?
    var aggregates: [AggregateTerm]
    var groupCPTerms: [GroupCPTerm]
    var having: BoundPredicate?
    var havingText: String?
    var sortKeys: [SortKey]
    /// LIMIT k, at most the table's mask count (or 1): never more than the rows a query can return.
    var limit: Int?

    /// True when the query reads any mask pixels (some CP term is used).
    var usesPixels: Bool { !cpTerms.isEmpty || !groupCPTerms.isEmpty }
}
