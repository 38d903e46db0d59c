/// The syntax tree of a query, as written (names unresolved). Produced by `Parser`,
/// consumed by `Binder`. Every node keeps the location and text of its first token for errors.

/// `SELECT ... FROM masks [WHERE] [GROUP BY] [HAVING] [ORDER BY] [LIMIT]`.
struct SelectStatement: Sendable {
    var items: [SelectItem]
    var fromTable: Token
    var whereClause: SyntaxExpr?
    var groupBy: SyntaxExpr?
    var having: SyntaxExpr?
    var orderBy: [OrderItem]
    var limit: (value: Int, token: Token)?
}

enum SelectItem: Sendable {
    /// `*`
    case star(Token)
    /// An expression with an optional `AS alias` (the alias token is kept for errors) and the
    /// expression's text as written (the column name when there is no alias).
    case expression(SyntaxExpr, alias: Token?, text: String)
}

struct OrderItem: Sendable {
    var expression: SyntaxExpr
    var descending: Bool
}

/// A ROI argument of `CP` or `AREA`.
enum SyntaxROI: Sendable, Hashable {
    /// `full` (any case).
    case full
    /// `(x0, y0, x1, y1)`, integers.
    case box(x0: Int, y0: Int, x1: Int, y1: Int)
    /// A ROI set name, matched exactly.
    case named(String)
}

/// The mask argument of `CP`.
enum SyntaxMaskSource: Sendable, Hashable {
    /// `mask`: the row's own mask.
    case mask
    /// `INTERSECT(mask > t)` / `INTERSECT(mask >= t)`.
    case intersect(threshold: Double, strict: Bool)
    /// `UNION(mask > t)` / `UNION(mask >= t)`.
    case union(threshold: Double, strict: Bool)
    /// `AVG(mask)`, `MIN(mask)`, `MAX(mask)`.
    case average
    case minimum
    case maximum

    var isAggregate: Bool { self != .mask }
}

/// Binary operators, arithmetic and comparison.
enum BinaryOperator: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case equal = "=", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case and = "AND", or = "OR"

    var isArithmetic: Bool { self == .add || self == .subtract || self == .multiply || self == .divide }
    var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return true
        default: return false
        }
    }
}

/// An expression or predicate as written.
indirect enum SyntaxExpr: Sendable {
    case integer(Int64, Token)
    case decimal(Double, Token)
    case string(String, Token)
    case null(Token)
    /// A column or alias name.
    case identifier(String, Token)
    /// `CP(source, roi, lv, uv)`; `token` is the function name.
    case cp(source: SyntaxMaskSource, roi: SyntaxROI, roiToken: Token, lower: Double, upper: Double, token: Token)
    case area(roi: SyntaxROI, roiToken: Token, token: Token)
    /// `SUM/AVG/MIN/MAX/COUNT(expr)`; `argument == nil` for `COUNT(*)`.
    case aggregate(AggregateFunction, argument: SyntaxExpr?, token: Token)
    /// Any other call: rejected by the binder as an unknown function (kept to report the name).
    case call(name: String, arguments: [SyntaxExpr], token: Token)
    case negate(SyntaxExpr, token: Token)
    case binary(BinaryOperator, SyntaxExpr, SyntaxExpr, token: Token)
    case not(SyntaxExpr, token: Token)
    case inList(SyntaxExpr, [SyntaxExpr], negated: Bool, token: Token)
    case between(SyntaxExpr, SyntaxExpr, SyntaxExpr, negated: Bool, token: Token)
    case isNull(SyntaxExpr, negated: Bool, token: Token)

    /// The first token of the expression, for error positions.
    var token: Token {
        switch self {
        case .integer(_, let t), .decimal(_, let t), .string(_, let t), .null(let t), .identifier(_, let t):
            return t
        case .cp(_, _, _, _, _, let t), .area(_, _, let t), .aggregate(_, _, let t), .call(_, _, let t):
            return t
        case .negate(_, let t), .not(_, let t):
            return t
        case .binary(_, let l, _, _), .inList(let l, _, _, _), .between(let l, _, _, _, _), .isNull(let l, _, _):
            return l.token
        }
    }
}

/// Scalar aggregate functions.
enum AggregateFunction: String, Sendable, Hashable, CaseIterable {
    case sum = "SUM", avg = "AVG", min = "MIN", max = "MAX", count = "COUNT"
}

extension SyntaxROI: CustomStringConvertible {
    var description: String {
        switch self {
        case .full: return "full"
        case .box(let x0, let y0, let x1, let y1): return "(\(x0), \(y0), \(x1), \(y1))"
        case .named(let n): return n
        }
    }
}

extension SyntaxMaskSource: CustomStringConvertible {
    var description: String {
        switch self {
        case .mask: return "mask"
        case .intersect(let t, let s): return "INTERSECT(mask \(s ? ">" : ">=") \(t))"
        case .union(let t, let s): return "UNION(mask \(s ? ">" : ">=") \(t))"
        case .average: return "AVG(mask)"
        case .minimum: return "MIN(mask)"
        case .maximum: return "MAX(mask)"
        }
    }
}

extension SyntaxExpr: CustomStringConvertible {
    /// SQL-like text of the expression (fully parenthesised binary operations), for EXPLAIN.
    var description: String {
        switch self {
        case .integer(let v, _): return String(v)
        case .decimal(let v, _): return String(v)
        case .string(let s, _): return "'" + s.replacingAll("'", with: "''") + "'"
        case .null: return "NULL"
        case .identifier(let n, _): return n
        case .cp(let s, let r, _, let lv, let uv, _): return "CP(\(s), \(r), \(lv), \(uv))"
        case .area(let r, _, _): return "AREA(\(r))"
        case .aggregate(let f, let a, _): return "\(f.rawValue)(\(a.map { $0.description } ?? "*"))"
        case .call(let n, let args, _): return "\(n)(\(args.map { $0.description }.joined(separator: ", ")))"
        case .negate(let e, _): return "-\(e)"
        case .binary(let op, let l, let r, _): return "(\(l) \(op.rawValue) \(r))"
        case .not(let e, _): return "NOT \(e)"
        case .inList(let e, let list, let n, _):
            return "\(e) \(n ? "NOT IN" : "IN") (\(list.map { $0.description }.joined(separator: ", ")))"
        case .between(let e, let a, let b, let n, _): return "\(e) \(n ? "NOT BETWEEN" : "BETWEEN") \(a) AND \(b)"
        case .isNull(let e, let n, _): return "\(e) IS \(n ? "NOT NULL" : "NULL")"
        }
    }
}

extension String {
    /// Replaces every occurrence of `target` (no Foundation needed).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
