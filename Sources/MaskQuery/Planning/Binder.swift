import MaskFormat
import MaskStorage

/// Resolves a parsed `SelectStatement` against a table into a `QueryPlan`: column and ROI-set
/// names, function arity, static types (INT64 / FLOAT64 / TEXT), aliases, grouping rules.
///
/// Decisions where CONTRACT.md is silent (documented here, tested in MaskQueryTests):
/// - Aggregates without GROUP BY aggregate the whole table into one row (standard SQL), even
///   when no row matches (COUNT gives 0, the others NULL). Mask aggregates still need GROUP BY.
/// - `ORDER BY <integer literal>` is the 1-based position of a select item (standard SQL).
/// - `LIMIT k` larger than the table's mask count is that count (the same rows; see `effectiveLimit`).
/// - Aliases may be used anywhere inside ORDER BY and HAVING expressions; an alias wins over a
///   column of the same name; when two items share an alias the first one is used.
/// - `NULL` literals and `IS [NOT] NULL` are accepted.
/// - A ROI set named `full` is shadowed by the keyword `full`.
/// - In a grouped query, `AREA(roi)` outside an aggregate is the area of the group's box (see
///   `GroupBox`), like a named ROI of a mask aggregate.
/// - Text compares with text only (byte-wise UTF-8 order); text in arithmetic, SUM or AVG is an error;
///   MIN/MAX of text are allowed.
struct Binder {
    let table: any MaskTable
    private(set) var rois: [BoundROI] = []
    private(set) var roiTexts: [String] = []
    private(set) var cpTerms: [CPTerm] = []
    private(set) var groupCPTerms: [GroupCPTerm] = []
    private(set) var aggregates: [AggregateTerm] = []
    private var aggregateKeys: [String: Int] = [:]
    private var groupColumn: Int? = nil

    enum Scope {
        /// A row of the table (WHERE, or any clause of a non-grouped query).
        case row
        /// A group (select, HAVING, ORDER BY of a grouped query).
        case group
        /// The argument of a scalar aggregate: a row, inside a group.
        case aggregateArgument
    }

    init(table: any MaskTable) { self.table = table }

    static func bind(_ statement: SelectStatement, table: any MaskTable) throws(QueryError) -> QueryPlan {
        var binder = Binder(table: table)
        return try binder.bindStatement(statement)
    }

    private var columnList: String { table.columns.map(\.name).joined(separator: ", ") }

    /// The select list after binding: one entry per output column.
    private struct SelectList {
        var names: [String] = []
        var projections: [BoundExpr] = []
        var texts: [String] = []
        var types: [ValueType] = []
        /// Alias → the aliased expression as written (the first item of a repeated alias).
        var aliases: [String: SyntaxExpr] = [:]
    }

    /// The conjuncts of WHERE split by whether they read pixels, each with its text.
    private struct WherePredicates {
        var metadata: [BoundPredicate] = [], metadataTexts: [String] = []
        var residual: [BoundPredicate] = [], residualTexts: [String] = []
    }

    /// Binds the clauses in the order a reader meets their errors (FROM, GROUP BY, WHERE, the
    /// select list, HAVING, ORDER BY) and assembles the plan. O(size of the statement).
    mutating func bindStatement(_ s: SelectStatement) throws(QueryError) -> QueryPlan {
        if s.fromTable.text != "masks" {
            throw .semantic(s.fromTable.location, s.fromTable.text, "unknown table '\(s.fromTable.text)' (known: masks)")
        }
        let isGrouped = Self.isGrouped(s)
        if let g = s.groupBy { groupColumn = try bindGroupColumn(g) }
        let itemScope: Scope = isGrouped ? .group : .row
        let filter = try bindWhere(s.whereClause)
        let select = try bindSelectList(s.items, scope: itemScope, isGrouped: isGrouped)
        var having: BoundPredicate? = nil
        if let h = s.having {
            having = try bindPredicate(h, scope: .group, aliases: select.aliases, clause: "HAVING")
        }
        let keys = try bindOrderBy(s.orderBy, select: select, scope: itemScope)
        if !isGrouped && !groupCPTerms.isEmpty {
            // Unreachable: mask aggregates make the query grouped; kept as a guard.
            throw QueryError(kind: .internal, location: nil, token: "", message: "mask aggregate outside a group")
        }
        return QueryPlan(
            columnNames: select.names, projections: select.projections, projectionTexts: select.texts,
            projectionTypes: select.types, rois: rois, roiTexts: roiTexts, cpTerms: cpTerms,
            metadataFilter: BoundPredicate.conjunction(filter.metadata),
            metadataFilterText: filter.metadataTexts.isEmpty ? nil : filter.metadataTexts.joined(separator: " AND "),
            residualFilter: BoundPredicate.conjunction(filter.residual),
            residualFilterText: filter.residualTexts.isEmpty ? nil : filter.residualTexts.joined(separator: " AND "),
            isGrouped: isGrouped, groupColumn: groupColumn, aggregates: aggregates,
            groupCPTerms: groupCPTerms, having: having, havingText: s.having?.description,
            sortKeys: keys, limit: s.limit.map { effectiveLimit($0.value) })
    }

    /// A query is grouped when it has GROUP BY or HAVING, or an aggregate in its select list or ORDER BY.
    private static func isGrouped(_ s: SelectStatement) -> Bool {
        if s.groupBy != nil || s.having != nil { return true }
        for item in s.items {
            if case .expression(let e, _, _) = item, containsAggregate(e) { return true }
        }
        return s.orderBy.contains { containsAggregate($0.expression) }
    }

    /// The column index of `GROUP BY g`: one column of the table, not the mask.
    private func bindGroupColumn(_ g: SyntaxExpr) throws(QueryError) -> Int {
        guard case .identifier(let name, let token) = g else {
            throw .semantic(g.token.location, g.token.text, "GROUP BY takes one column")
        }
        if name == "mask" {
            throw .semantic(token.location, name, "cannot group by the mask itself")
        }
        guard let index = table.columns.firstIndex(where: { $0.name == name }) else {
            throw .semantic(token.location, name, "unknown column '\(name)' (known: \(columnList))")
        }
        return index
    }

    /// LIMIT `k` as the executor runs it: no query returns more rows than the table has masks
    /// (or one row, for an aggregate over all rows), so `k` is capped there. The answer is the
    /// same, and no buffer or heap is ever sized by a `k` of 10^11 or Int.max.
    private func effectiveLimit(_ k: Int) -> Int {
        min(k, max(table.count, 1))
    }

    private mutating func bindWhere(_ w: SyntaxExpr?) throws(QueryError) -> WherePredicates {
        var out = WherePredicates()
        guard let w else { return out }
        for conjunct in Self.conjuncts(w) {
            let p = try bindPredicate(conjunct, scope: .row, aliases: [:], clause: "WHERE")
            var terms = Set<Int>()
            p.collectCPTerms(into: &terms)
            if terms.isEmpty {
                out.metadata.append(p)
                out.metadataTexts.append(conjunct.description)
            } else {
                out.residual.append(p)
                out.residualTexts.append(conjunct.description)
            }
        }
        return out
    }

    private mutating func bindSelectList(_ items: [SelectItem], scope: Scope,
                                         isGrouped: Bool) throws(QueryError) -> SelectList {
        var out = SelectList()
        for item in items {
            switch item {
            case .star(let t):
                if isGrouped {
                    throw .semantic(t.location, "*", "SELECT * cannot be used in a grouped query")
                }
                for (i, c) in table.columns.enumerated() {
                    out.names.append(c.name)
                    out.projections.append(.column(i))
                    out.texts.append(c.name)
                    out.types.append(Self.valueType(c.type))
                }
            case .expression(let e, let alias, let written):
                let (b, type) = try bindScalar(e, scope: scope, aliases: [:])
                let name: String
                if let alias {
                    name = alias.text
                    if out.aliases[alias.text] == nil { out.aliases[alias.text] = e }
                } else if case .identifier(let n, _) = e {
                    name = n
                } else {
                    name = written
                }
                out.names.append(name)
                out.projections.append(b)
                out.texts.append(written)
                out.types.append(type)
            }
        }
        return out
    }

    /// ORDER BY keys: an integer literal is a 1-based select-item position, anything else an
    /// expression in which the select list's aliases are visible.
    private mutating func bindOrderBy(_ items: [OrderItem], select: SelectList,
                                      scope: Scope) throws(QueryError) -> [SortKey] {
        var keys: [SortKey] = []
        for o in items {
            if case .integer(let position, let token) = o.expression {
                guard position >= 1, position <= select.projections.count else {
                    throw .semantic(token.location, token.text,
                                    "ORDER BY position \(position) is out of range (1...\(select.projections.count))")
                }
                let i = Int(position) - 1
                keys.append(SortKey(expression: select.projections[i], descending: o.descending, text: select.names[i]))
                continue
            }
            let (b, _) = try bindScalar(o.expression, scope: scope, aliases: select.aliases)
            keys.append(SortKey(expression: b, descending: o.descending, text: o.expression.description))
        }
        return keys
    }

    static func valueType(_ t: ColumnType) -> ValueType {
        switch t {
        case .int64: return .int
        case .float64: return .double
        case .text: return .text
        }
    }

    /// The operands of a chain of ANDs, left to right. Iterative, O(size of the chain).
    static func conjuncts(_ e: SyntaxExpr) -> [SyntaxExpr] {
        var out: [SyntaxExpr] = []
        var pending = [e]
        while let x = pending.popLast() {
            if case .binary(.and, let l, let r, _) = x {
                pending.append(r)
                pending.append(l)
            } else {
                out.append(x)
            }
        }
        return out
    }

    /// True when `e` has a scalar aggregate or a mask aggregate anywhere.
    static func containsAggregate(_ e: SyntaxExpr) -> Bool {
        switch e {
        case .aggregate: return true
        case .cp(let source, _, _, _, _, _): return source.isAggregate
        case .negate(let x, _), .not(let x, _), .isNull(let x, _, _): return containsAggregate(x)
        case .binary(_, let l, let r, _): return containsAggregate(l) || containsAggregate(r)
        case .inList(let x, let list, _, _): return containsAggregate(x) || list.contains(where: containsAggregate)
        case .between(let x, let a, let b, _, _):
            return containsAggregate(x) || containsAggregate(a) || containsAggregate(b)
        case .call(_, let args, _): return args.contains(where: containsAggregate)
        default: return false
        }
    }

    private func isPredicateSyntax(_ e: SyntaxExpr) -> Bool {
        switch e {
        case .not, .inList, .between, .isNull: return true
        case .binary(let op, _, _, _): return !op.isArithmetic
        default: return false
        }
    }

    // MARK: Predicates

    mutating func bindPredicate(_ e: SyntaxExpr, scope: Scope, aliases: [String: SyntaxExpr],
                                clause: String) throws(QueryError) -> BoundPredicate {
        switch e {
        case .binary(.and, let l, let r, _):
            return .and(try bindPredicate(l, scope: scope, aliases: aliases, clause: clause),
                        try bindPredicate(r, scope: scope, aliases: aliases, clause: clause))
        case .binary(.or, let l, let r, _):
            return .or(try bindPredicate(l, scope: scope, aliases: aliases, clause: clause),
                       try bindPredicate(r, scope: scope, aliases: aliases, clause: clause))
        case .not(let x, _):
            return .not(try bindPredicate(x, scope: scope, aliases: aliases, clause: clause))
        case .binary(let op, let l, let r, let token) where op.isComparison:
            let (bl, tl) = try bindScalar(l, scope: scope, aliases: aliases)
            let (br, tr) = try bindScalar(r, scope: scope, aliases: aliases)
            try checkComparable(tl, tr, token)
            return .compare(op, bl, br)
        case .inList(let x, let list, let negated, let token):
            let (bx, tx) = try bindScalar(x, scope: scope, aliases: aliases)
            var equalities: [BoundPredicate] = []
            for item in list {
                let (bi, ti) = try bindScalar(item, scope: scope, aliases: aliases)
                try checkComparable(tx, ti, item.token)
                equalities.append(.compare(.equal, bx, bi))
            }
            // A balanced OR: a list of any length adds only log2(n) levels to the predicate.
            guard let result = BoundPredicate.balanced(equalities, BoundPredicate.or) else {
                throw .syntax(token, "empty IN list")
            }
            return negated ? .not(result) : result
        case .between(let x, let a, let b, let negated, let token):
            let (bx, tx) = try bindScalar(x, scope: scope, aliases: aliases)
            let (ba, ta) = try bindScalar(a, scope: scope, aliases: aliases)
            let (bb, tb) = try bindScalar(b, scope: scope, aliases: aliases)
            try checkComparable(tx, ta, token)
            try checkComparable(tx, tb, token)
            let p = BoundPredicate.and(.compare(.lessEqual, ba, bx), .compare(.lessEqual, bx, bb))
            return negated ? .not(p) : p
        case .isNull(let x, let negated, _):
            let (bx, _) = try bindScalar(x, scope: scope, aliases: aliases)
            return .isNull(bx, negated: negated)
        default:
            let t = e.token
            throw .semantic(t.location, t.text, "\(clause) needs a condition (a comparison, IN, BETWEEN, ...), not a value")
        }
    }

    private func checkComparable(_ a: ValueType, _ b: ValueType, _ token: Token) throws(QueryError) {
        if a == .null || b == .null { return }
        if (a == .text) != (b == .text) {
            throw .semantic(token.location, token.text, "cannot compare \(a) with \(b)")
        }
    }

    // MARK: Scalars

    /// Binds a value expression in `scope` and gives its static type. Recurses once per level of
    /// `e` (bounded by `Parser.maxDepth`; an alias adds the aliased item's depth once).
    mutating func bindScalar(_ e: SyntaxExpr, scope: Scope,
                             aliases: [String: SyntaxExpr]) throws(QueryError) -> (BoundExpr, ValueType) {
        switch e {
        case .integer(let v, _): return (.literal(.int(v)), .int)
        case .decimal(let v, _): return (.literal(.double(v)), .double)
        case .string(let s, _): return (.literal(.text(s)), .text)
        case .null: return (.literal(.null), .null)
        case .identifier(let name, let token):
            if let aliased = aliases[name] {
                // Aliases are not visible inside the aliased expression itself.
                return try bindScalar(aliased, scope: scope, aliases: [:])
            }
            return try bindColumn(name, token: token, scope: scope)
        case .cp(let source, let roi, let roiToken, let lower, let upper, let token):
            let roiIndex = try bindROI(roi, token: roiToken)
            if source.isAggregate {
                let term = GroupCPTerm(source: source, roi: roiIndex, lower: lower, upper: upper)
                return try bindGroupCP(term, token: token, scope: scope)
            }
            return try bindCP(roi: roiIndex, lower: lower, upper: upper, token: token, scope: scope)
        case .area(let roi, let roiToken, _):
            return try bindArea(roi, token: roiToken, scope: scope)
        case .aggregate(let function, let argument, let token):
            return try bindAggregate(function, argument, token: token, scope: scope)
        case .call(let name, _, let token):
            throw Self.unknownFunction(name, token: token)
        case .negate(let x, let token):
            let (b, t) = try bindScalar(x, scope: scope, aliases: aliases)
            if t == .text { throw .semantic(token.location, token.text, "TEXT value in arithmetic") }
            return (.negate(b, isInt: t != .double), t == .null ? .int : t)
        case .binary(let op, let l, let r, let token) where op.isArithmetic:
            let (bl, tl) = try bindScalar(l, scope: scope, aliases: aliases)
            let (br, tr) = try bindScalar(r, scope: scope, aliases: aliases)
            if tl == .text || tr == .text {
                throw .semantic(token.location, token.text, "TEXT value in arithmetic")
            }
            let isInt = op != .divide && tl != .double && tr != .double
            return (.arithmetic(op, bl, br, isInt: isInt), isInt ? .int : .double)
        default:
            let t = e.token
            if isPredicateSyntax(e) {
                throw .semantic(t.location, t.text, "a condition cannot be used as a value here")
            }
            throw .semantic(t.location, t.text, "unexpected expression")
        }
    }

    /// A column name: the row's value, or in a grouped scope the group key (the only column a
    /// group has outside an aggregate).
    private func bindColumn(_ name: String, token: Token, scope: Scope) throws(QueryError) -> (BoundExpr, ValueType) {
        if name == "mask" {
            throw .semantic(token.location, name, "the mask can only be used as the first argument of CP")
        }
        guard let index = table.columns.firstIndex(where: { $0.name == name }) else {
            throw .semantic(token.location, name, "unknown column '\(name)' (known: \(columnList))")
        }
        let type = Self.valueType(table.columns[index].type)
        switch scope {
        case .row, .aggregateArgument:
            return (.column(index), type)
        case .group:
            guard index == groupColumn else {
                let why = groupColumn.map { "the query is grouped by \(table.columns[$0].name)" }
                    ?? "the query aggregates all rows"
                throw .semantic(token.location, name,
                                "column '\(name)' must be the GROUP BY column or be used inside an aggregate (\(why))")
            }
            return (.groupKey, type)
        }
    }

    /// `CP(<mask aggregate>, ...)`: only in the group scope of a query with GROUP BY.
    private mutating func bindGroupCP(_ term: GroupCPTerm, token: Token,
                                      scope: Scope) throws(QueryError) -> (BoundExpr, ValueType) {
        switch scope {
        case .group where groupColumn != nil: break
        case .group, .row:
            throw .semantic(token.location, token.text, "mask aggregate \(term.source) requires GROUP BY")
        case .aggregateArgument:
            throw .semantic(token.location, token.text, "a mask aggregate cannot be used inside a scalar aggregate")
        }
        if let i = groupCPTerms.firstIndex(of: term) { return (.groupCP(i), .int) }
        groupCPTerms.append(term)
        return (.groupCP(groupCPTerms.count - 1), .int)
    }

    /// `CP(mask, ...)` of the row's own mask; terms with the same ROI and stored-code interval are shared.
    private mutating func bindCP(roi: Int, lower: Double, upper: Double, token: Token,
                                 scope: Scope) throws(QueryError) -> (BoundExpr, ValueType) {
        if scope == .group {
            throw .semantic(token.location, token.text,
                            "CP(mask, ...) in a grouped query must be inside an aggregate (or use a mask aggregate)")
        }
        let codes = table.pixelFormat.codeInterval(lower: lower, upper: upper)
        let term = CPTerm(roi: roi, codes: codes, lower: lower, upper: upper)
        if let i = cpTerms.firstIndex(where: { $0.roi == term.roi && $0.codes == term.codes }) {
            return (.cp(i), .int)
        }
        cpTerms.append(term)
        return (.cp(cpTerms.count - 1), .int)
    }

    /// `AREA(roi)`: a constant for `full` and boxes (clipped, so at most the mask's area), per
    /// row or per group for a named set.
    private mutating func bindArea(_ roi: SyntaxROI, token: Token, scope: Scope) throws(QueryError) -> (BoundExpr, ValueType) {
        let roiIndex = try bindROI(roi, token: token)
        switch rois[roiIndex] {
        case .full:
            return (.literal(.int(Int64(table.width * table.height))), .int)
        case .box(let b):
            return (.literal(.int(Int64(b.area))), .int)
        case .named:
            return (scope == .group ? .groupArea(roiIndex) : .area(roiIndex), .int)
        }
    }

    /// A scalar aggregate, only in a group scope; equal aggregates (same text) share one term.
    private mutating func bindAggregate(_ function: AggregateFunction, _ argument: SyntaxExpr?, token: Token,
                                        scope: Scope) throws(QueryError) -> (BoundExpr, ValueType) {
        switch scope {
        case .row:
            throw .semantic(token.location, token.text, "aggregate \(function.rawValue) is not allowed in WHERE")
        case .aggregateArgument:
            throw .semantic(token.location, token.text, "aggregates cannot be nested")
        case .group:
            break
        }
        var boundArgument: BoundExpr? = nil
        var argumentType = ValueType.int
        if let argument {
            let (b, t) = try bindScalar(argument, scope: .aggregateArgument, aliases: [:])
            if t == .text && (function == .sum || function == .avg) {
                throw .semantic(token.location, token.text, "\(function.rawValue) of a TEXT value")
            }
            boundArgument = b
            argumentType = t
        }
        let key = "\(function.rawValue)(\(argument?.description ?? "*"))"
        let index: Int
        if let i = aggregateKeys[key] {
            index = i
        } else {
            aggregates.append(AggregateTerm(function: function, argument: boundArgument, argumentType: argumentType, text: key))
            index = aggregates.count - 1
            aggregateKeys[key] = index
        }
        return (.aggregate(index), Self.aggregateType(function, argumentType))
    }

    /// COUNT is INT64, AVG FLOAT64, SUM follows its argument (INT64 unless FLOAT64), MIN/MAX keep it.
    private static func aggregateType(_ function: AggregateFunction, _ argumentType: ValueType) -> ValueType {
        switch function {
        case .count: return .int
        case .avg: return .double
        case .sum: return argumentType == .double ? .double : .int
        case .min, .max: return argumentType == .null ? .int : argumentType
        }
    }

    private static func unknownFunction(_ name: String, token: Token) -> QueryError {
        let known = "CP, AREA, SUM, AVG, MIN, MAX, COUNT"
        let upper = name.uppercased()
        if ["INTERSECT", "UNION"].contains(upper) {
            return .semantic(token.location, name, "\(upper)(mask > t) can only be the first argument of CP")
        }
        return .semantic(token.location, name, "unknown function '\(name)' (known: \(known))")
    }

    private mutating func bindROI(_ roi: SyntaxROI, token: Token) throws(QueryError) -> Int {
        let bound: BoundROI
        switch roi {
        case .full:
            bound = .full
        case .box(let x0, let y0, let x1, let y1):
            bound = .box(PixelBox(x0: x0, y0: y0, x1: x1, y1: y1).clipped(width: table.width, height: table.height))
        case .named(let name):
            guard let set = table.roiSet(named: name) else {
                let known = table.roiSetNames.isEmpty ? "none" : table.roiSetNames.joined(separator: ", ")
                throw .semantic(token.location, name, "unknown ROI set '\(name)' (known: \(known))")
            }
            bound = .named(set)
        }
        if let i = rois.firstIndex(of: bound) { return i }
        rois.append(bound)
        roiTexts.append(roi.description)
        return rois.count - 1
    }
}
