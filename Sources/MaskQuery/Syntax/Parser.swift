/// Hand-written recursive-descent parser for the SQL subset of CONTRACT.md section 3.
///
/// Grammar (keywords case-insensitive):
///
///     statement  := SELECT item {"," item} FROM name [WHERE expr] [GROUP BY expr] [HAVING expr]
///                   [ORDER BY expr [ASC|DESC] {"," ...}] [LIMIT integer] [";"]
///     item       := "*" | expr [[AS] alias]
///     expr       := and {OR and}
///     and        := not {AND not}
///     not        := NOT not | comparison
///     comparison := additive [cmp additive | [NOT] IN "(" additive {"," additive} ")"
///                   | [NOT] BETWEEN additive AND additive | IS [NOT] NULL]
///     additive   := term {("+"|"-") term};   term := unary {("*"|"/") unary}
///     unary      := ("-"|"+") unary | primary
///     primary    := number | string | NULL | "(" expr ")" | CP(...) | AREA(roi)
///                   | SUM|AVG|MIN|MAX|COUNT "(" expr | "*" ")" | name ["(" args ")"] | name
///     CP(...)    := CP "(" source "," roi "," num "," num ")" | CP "(" source "," roi "," "(" num "," num ")" ")"
///     source     := mask | (INTERSECT|UNION) "(" mask (">"|">=") num ")" | (AVG|MIN|MAX) "(" mask ")"
///     roi        := full | name | "(" int "," int "," int "," int ")"
///
/// A minus sign directly before a number literal is folded into the literal (so
/// `-9223372036854775808` is a valid INT64 literal). One token of lookahead; O(n).
/// An expression deeper than `maxDepth` (operators, calls and parentheses counted) is a syntax
/// error at the token where the limit is passed, so no later pass can exhaust the stack.
struct Parser {
    private let tokens: [Token]
    private let source: [Character]
    private var position = 0
    /// How many constructs (parentheses, NOT, signs, call arguments) enclose the current token.
    private var nesting = 0

    /// Words that end an expression and cannot be used as a bare alias.
    static let reservedWords: Set<String> = [
        "select", "from", "where", "group", "by", "having", "order", "asc", "desc", "limit", "as",
        "and", "or", "not", "in", "between", "is", "null",
    ]

    init(tokens: [Token], source: String) {
        self.tokens = tokens
        self.source = Array(source)
    }

    static func parse(_ sql: String) throws(QueryError) -> SelectStatement {
        var parser = Parser(tokens: try Lexer.tokenize(sql), source: sql)
        return try parser.parseStatement()
    }

    private var current: Token { tokens[position] }
    private func peek(_ offset: Int = 1) -> Token { tokens[min(position + offset, tokens.count - 1)] }
    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private mutating func accept(keyword: String) -> Bool {
        if current.isKeyword(keyword) { advance(); return true }
        return false
    }
    private mutating func accept(symbol: String) -> Bool {
        if current.isSymbol(symbol) { advance(); return true }
        return false
    }
    private mutating func expect(keyword: String) throws(QueryError) {
        guard accept(keyword: keyword) else { throw unexpected("expected \(keyword)") }
    }
    private mutating func expect(symbol: String, _ what: String? = nil) throws(QueryError) {
        guard accept(symbol: symbol) else { throw unexpected(what ?? "expected '\(symbol)'") }
    }
    private func unexpected(_ message: String) -> QueryError {
        QueryError.syntax(current, current.kind == .end ? "\(message), found end of input" : message)
    }

    mutating func parseStatement() throws(QueryError) -> SelectStatement {
        try expect(keyword: "SELECT")
        var items: [SelectItem] = []
        repeat {
            items.append(try parseSelectItem())
        } while accept(symbol: ",")
        try expect(keyword: "FROM")
        guard case .identifier = current.kind else { throw unexpected("expected a table name") }
        let table = current
        advance()
        var statement = SelectStatement(items: items, fromTable: table, whereClause: nil, groupBy: nil,
                                        having: nil, orderBy: [], limit: nil)
        if accept(keyword: "WHERE") { statement.whereClause = try parseExpression() }
        if accept(keyword: "GROUP") {
            try expect(keyword: "BY")
            statement.groupBy = try parseExpression()
        }
        if accept(keyword: "HAVING") { statement.having = try parseExpression() }
        if accept(keyword: "ORDER") {
            try expect(keyword: "BY")
            repeat {
                let e = try parseExpression()
                var descending = false
                if accept(keyword: "DESC") { descending = true } else { _ = accept(keyword: "ASC") }
                statement.orderBy.append(OrderItem(expression: e, descending: descending))
            } while accept(symbol: ",")
        }
        if accept(keyword: "LIMIT") {
            let token = current
            guard token.kind == .integer else { throw unexpected("LIMIT takes a non-negative integer") }
            guard let k = Int(token.text) else { throw QueryError.syntax(token, "LIMIT value out of range") }
            advance()
            statement.limit = (k, token)
        }
        _ = accept(symbol: ";")
        guard current.kind == .end else {
            throw unexpected(statement.limit == nil ? "unexpected token (expected a clause or end of query)"
                                                    : "unexpected token after LIMIT")
        }
        return statement
    }

    private mutating func parseSelectItem() throws(QueryError) -> SelectItem {
        if current.isSymbol("*") {
            let t = current
            advance()
            return .star(t)
        }
        let start = current.offset
        let e = try parseExpression()
        let end = tokens[max(position - 1, 0)].end
        let text = start < end && end <= source.count ? String(source[start..<end]) : e.description
        if accept(keyword: "AS") {
            guard case .identifier = current.kind else { throw unexpected("expected an alias after AS") }
            let alias = current
            advance()
            return .expression(e, alias: alias, text: text)
        }
        if case .identifier(let quoted) = current.kind, quoted || !Self.reservedWords.contains(current.text.lowercased()) {
            let alias = current
            advance()
            return .expression(e, alias: alias, text: text)
        }
        return .expression(e, alias: nil, text: text)
    }

    // MARK: Expressions

    /// The deepest expression a query may hold (README, "Decisions"): every pass over an expression
    /// (parser, binder, evaluator, EXPLAIN text) recurses once per level, so the depth is bounded
    /// to keep those passes far inside a thread's stack; SQLite bounds its expression trees the same way.
    static let maxDepth = 256

    /// An expression with the depth of its tree as written: a literal, name, `CP(...)` or `AREA(...)`
    /// is 1 deep; an operator, `NOT`, a sign, an aggregate or function call, or a pair of parentheses
    /// is one level deeper than its deepest operand.
    private struct Parsed {
        var expr: SyntaxExpr
        var depth: Int
    }

    static func tooDeep(_ token: Token) -> QueryError {
        .syntax(token, "expression nested too deeply (at most \(maxDepth) levels of operators, calls and parentheses)")
    }

    /// `expr`, one level deeper than the deepest of `operands`; past `maxDepth` an error at `token`
    /// (the operator, or the parenthesis, where the limit is passed).
    private func node(_ expr: SyntaxExpr, over operands: [Parsed], at token: Token) throws(QueryError) -> Parsed {
        let depth = 1 + (operands.map(\.depth).max() ?? 0)
        guard depth <= Self.maxDepth else { throw Self.tooDeep(token) }
        return Parsed(expr: expr, depth: depth)
    }

    /// Enters an operand nested one level inside the construct starting at `token`; the caller
    /// leaves with `nesting -= 1` (a `defer`). The parser recurses once per nested construct, so
    /// the nesting is checked before recursing: inside `nesting` constructs an operand makes the
    /// whole tree at least `nesting + 2` deep, and such a tree past `maxDepth` is refused here,
    /// where `node` would refuse it only after the recursion.
    private mutating func enterNested(at token: Token) throws(QueryError) {
        guard nesting + 2 <= Self.maxDepth else { throw Self.tooDeep(token) }
        nesting += 1
    }

    mutating func parseExpression() throws(QueryError) -> SyntaxExpr { try parseOr().expr }

    private mutating func parseOr() throws(QueryError) -> Parsed {
        try parseLeftAssociative({ $0.isKeyword("OR") ? .or : nil }) { (p: inout Parser) throws(QueryError) in try p.parseAnd() }
    }

    private mutating func parseAnd() throws(QueryError) -> Parsed {
        try parseLeftAssociative({ $0.isKeyword("AND") ? .and : nil }) { (p: inout Parser) throws(QueryError) in try p.parseNot() }
    }

    private mutating func parseNot() throws(QueryError) -> Parsed {
        guard current.isKeyword("NOT") else { return try parseComparison() }
        let t = current
        advance()
        try enterNested(at: t)
        defer { nesting -= 1 }
        let operand = try parseNot()
        return try node(.not(operand.expr, token: t), over: [operand], at: t)
    }

    private static func comparisonOperator(_ t: Token) -> BinaryOperator? {
        guard t.kind == .symbol else { return nil }
        switch t.text {
        case "=": return .equal
        case "!=", "<>": return .notEqual
        case "<": return .less
        case "<=": return .lessEqual
        case ">": return .greater
        case ">=": return .greaterEqual
        default: return nil
        }
    }

    private mutating func parseComparison() throws(QueryError) -> Parsed {
        let left = try parseAdditive()
        let t = current
        if let op = Self.comparisonOperator(t) {
            advance()
            let right = try parseAdditive()
            return try node(.binary(op, left.expr, right.expr, token: t), over: [left, right], at: t)
        }
        var negated = false
        if t.isKeyword("NOT") && (peek().isKeyword("IN") || peek().isKeyword("BETWEEN")) {
            negated = true
            advance()
        }
        if accept(keyword: "IN") { return try parseInList(left, negated: negated, token: t) }
        if accept(keyword: "BETWEEN") {
            let low = try parseAdditive()
            try expect(keyword: "AND")
            let high = try parseAdditive()
            return try node(.between(left.expr, low.expr, high.expr, negated: negated, token: t),
                            over: [left, low, high], at: t)
        }
        if accept(keyword: "IS") {
            let isNegated = accept(keyword: "NOT")
            try expect(keyword: "NULL")
            return try node(.isNull(left.expr, negated: isNegated, token: t), over: [left], at: t)
        }
        return left
    }

    /// `IN (a, b, ...)` after `left`; the list is flat (the binder turns it into a balanced OR).
    private mutating func parseInList(_ left: Parsed, negated: Bool, token t: Token) throws(QueryError) -> Parsed {
        try expect(symbol: "(", "expected '(' after IN")
        var list: [Parsed] = []
        repeat {
            list.append(try parseAdditive())
        } while accept(symbol: ",")
        try expect(symbol: ")", "expected ',' or ')' in IN list")
        return try node(.inList(left.expr, list.map(\.expr), negated: negated, token: t), over: [left] + list, at: t)
    }

    private mutating func parseAdditive() throws(QueryError) -> Parsed {
        try parseLeftAssociative({ $0.isSymbol("+") ? .add : $0.isSymbol("-") ? .subtract : nil }) {
            (p: inout Parser) throws(QueryError) in try p.parseTerm()
        }
    }

    private mutating func parseTerm() throws(QueryError) -> Parsed {
        try parseLeftAssociative({ $0.isSymbol("*") ? .multiply : $0.isSymbol("/") ? .divide : nil }) {
            (p: inout Parser) throws(QueryError) in try p.parseUnary()
        }
    }

    /// `a op b op c …` read left-associatively (OR, AND, `+ -`, `* /`): `operatorOf` gives the
    /// operator a token stands for at this level (nil ends the chain), `operand` reads one operand.
    private mutating func parseLeftAssociative(
        _ operatorOf: (Token) -> BinaryOperator?, operand: (inout Parser) throws(QueryError) -> Parsed
    ) throws(QueryError) -> Parsed {
        var left = try operand(&self)
        while let op = operatorOf(current) {
            let t = current
            advance()
            let right = try operand(&self)
            left = try node(.binary(op, left.expr, right.expr, token: t), over: [left, right], at: t)
        }
        return left
    }

    /// A signed operand. `-` before a number is folded into the literal; `+x` is `x`, one level deeper.
    private mutating func parseUnary() throws(QueryError) -> Parsed {
        let t = current
        guard t.isSymbol("-") || t.isSymbol("+") else { return try parsePrimary() }
        if t.text == "-" && (peek().kind == .integer || peek().kind == .decimal) {
            advance()
            return Parsed(expr: try parseNumber(negative: true, signToken: t), depth: 1)
        }
        advance()
        try enterNested(at: t)
        defer { nesting -= 1 }
        let operand = try parseUnary()
        let expr: SyntaxExpr = t.text == "-" ? .negate(operand.expr, token: t) : operand.expr
        return try node(expr, over: [operand], at: t)
    }

    /// A number literal at `current`, negated when a minus sign preceded it.
    private mutating func parseNumber(negative: Bool, signToken: Token? = nil) throws(QueryError) -> SyntaxExpr {
        let t = current
        let first = signToken ?? t
        let text = (negative ? "-" : "") + t.text
        let literalToken = Token(kind: t.kind, text: text, location: first.location)
        advance()
        if t.kind == .integer {
            guard let v = Int64(text) else { throw QueryError.syntax(literalToken, "integer literal out of range") }
            return .integer(v, literalToken)
        }
        guard let v = Double(text), v.isFinite else {
            throw QueryError.syntax(literalToken, "bad numeric literal '\(text)'")
        }
        return .decimal(v, literalToken)
    }

    private mutating func parsePrimary() throws(QueryError) -> Parsed {
        let t = current
        switch t.kind {
        case .integer, .decimal:
            return Parsed(expr: try parseNumber(negative: false), depth: 1)
        case .string:
            advance()
            return Parsed(expr: .string(t.text, t), depth: 1)
        case .symbol where t.text == "(":
            return try parseParenthesised(t)
        case .identifier(let quoted):
            if !quoted && t.isKeyword("NULL") {
                advance()
                return Parsed(expr: .null(t), depth: 1)
            }
            if !quoted && Self.reservedWords.contains(t.text.lowercased()) {
                throw unexpected("expected an expression")
            }
            guard peek().isSymbol("("), !quoted else {
                advance()
                return Parsed(expr: .identifier(t.text, t), depth: 1)
            }
            return try parseCall()
        default:
            throw unexpected("expected an expression")
        }
    }

    /// `( expr )` after `(` at `t`: one level deeper than `expr`.
    private mutating func parseParenthesised(_ t: Token) throws(QueryError) -> Parsed {
        advance()
        try enterNested(at: t)
        defer { nesting -= 1 }
        let inner = try parseOr()
        try expect(symbol: ")", "expected ')'")
        return try node(inner.expr, over: [inner], at: t)
    }

    /// `name(` at `current`: CP, AREA, a scalar aggregate, or another name (an unknown function,
    /// kept with its arguments for the binder's error).
    private mutating func parseCall() throws(QueryError) -> Parsed {
        let name = current
        advance()  // name
        advance()  // "("
        let upper = name.text.uppercased()
        if upper == "CP" { return Parsed(expr: try parseCP(name), depth: 1) }
        if upper == "AREA" { return Parsed(expr: try parseArea(name), depth: 1) }
        if let function = AggregateFunction(rawValue: upper) { return try parseAggregate(function, name) }
        var arguments: [Parsed] = []
        if !accept(symbol: ")") {
            try enterNested(at: name)
            defer { nesting -= 1 }
            repeat {
                arguments.append(try parseOr())
            } while accept(symbol: ",")
            try expect(symbol: ")", "expected ',' or ')'")
        }
        return try node(.call(name: name.text, arguments: arguments.map(\.expr), token: name), over: arguments, at: name)
    }

    /// `AREA(roi)`, after `AREA(`.
    private mutating func parseArea(_ name: Token) throws(QueryError) -> SyntaxExpr {
        let (roi, roiToken) = try parseROI()
        if current.isSymbol(",") {
            throw QueryError(kind: .semantic, location: name.location, token: name.text,
                             message: "wrong number of arguments: AREA takes one argument (roi)")
        }
        try expect(symbol: ")", "expected ')' after the ROI of AREA")
        return .area(roi: roi, roiToken: roiToken, token: name)
    }

    /// `SUM|AVG|MIN|MAX|COUNT(expr)` or `COUNT(*)`, after the `(`.
    private mutating func parseAggregate(_ function: AggregateFunction, _ name: Token) throws(QueryError) -> Parsed {
        let upper = function.rawValue
        if current.isSymbol("*") {
            guard function == .count else { throw QueryError.syntax(current, "only COUNT accepts '*'") }
            advance()
            try expect(symbol: ")", "expected ')' after COUNT(*")
            return Parsed(expr: .aggregate(.count, argument: nil, token: name), depth: 1)
        }
        let arity = QueryError(kind: .semantic, location: name.location, token: name.text,
                               message: "wrong number of arguments: \(upper) takes one argument")
        if current.isSymbol(")") { throw arity }
        try enterNested(at: name)
        defer { nesting -= 1 }
        let argument = try parseOr()
        if current.isSymbol(",") { throw arity }
        try expect(symbol: ")", "expected ')' after the argument of \(upper)")
        return try node(.aggregate(function, argument: argument.expr, token: name), over: [argument], at: name)
    }

    private func arityError(_ name: Token) -> QueryError {
        QueryError(kind: .semantic, location: name.location, token: name.text,
                   message: "wrong number of arguments: CP takes (mask, roi, lv, uv) or (mask, roi, (lv, uv))")
    }

    private mutating func parseCP(_ name: Token) throws(QueryError) -> SyntaxExpr {
        if current.isSymbol(")") { throw arityError(name) }
        let source = try parseMaskSource()
        guard accept(symbol: ",") else {
            if current.isSymbol(")") { throw arityError(name) }
            throw unexpected("expected ',' after the mask argument of CP")
        }
        let (roi, roiToken) = try parseROI()
        guard accept(symbol: ",") else {
            if current.isSymbol(")") { throw arityError(name) }
            throw unexpected("expected ',' after the ROI of CP")
        }
        let lower: Double, upper: Double
        if accept(symbol: "(") {
            lower = try parseRangeLiteral()
            try expect(symbol: ",", "expected ',' between lv and uv")
            upper = try parseRangeLiteral()
            try expect(symbol: ")", "expected ')' after (lv, uv)")
        } else {
            lower = try parseRangeLiteral()
            guard accept(symbol: ",") else {
                if current.isSymbol(")") { throw arityError(name) }
                throw unexpected("expected ',' between lv and uv")
            }
            upper = try parseRangeLiteral()
        }
        if current.isSymbol(",") { throw arityError(name) }
        try expect(symbol: ")", "expected ')' to close CP")
        return .cp(source: source, roi: roi, roiToken: roiToken, lower: lower, upper: upper, token: name)
    }

    /// A numeric literal (optionally signed) as a Double: CP's lv, uv and thresholds.
    private mutating func parseRangeLiteral() throws(QueryError) -> Double {
        var negative = false
        var sign: Token? = nil
        if current.isSymbol("-") || current.isSymbol("+") {
            negative = current.text == "-"
            sign = current
            advance()
        }
        guard current.kind == .integer || current.kind == .decimal else {
            throw unexpected("expected a numeric literal")
        }
        let t = current
        let text = (negative ? "-" : "") + t.text
        advance()
        guard let v = Double(text), v.isFinite else {
            throw QueryError.syntax(Token(kind: t.kind, text: text, location: (sign ?? t).location),
                                    "bad numeric literal '\(text)'")
        }
        return v
    }

    /// An integer literal (optionally negative): ROI box coordinates. Any INT64 is accepted: the
    /// binder clips the box to the mask before any width or area is computed.
    private mutating func parseCoordinate() throws(QueryError) -> Int {
        var negative = false
        var sign: Token? = nil
        if current.isSymbol("-") || current.isSymbol("+") {
            negative = current.text == "-"
            sign = current
            advance()
        }
        guard current.kind == .integer else { throw unexpected("expected an integer box coordinate") }
        let t = current
        let text = (negative ? "-" : "") + t.text
        advance()
        guard let v = Int(text) else {
            throw QueryError.syntax(Token(kind: .integer, text: text, location: (sign ?? t).location),
                                    "box coordinate out of range")
        }
        return v
    }

    private mutating func parseROI() throws(QueryError) -> (SyntaxROI, Token) {
        let t = current
        if accept(symbol: "(") {
            let x0 = try parseCoordinate()
            try expect(symbol: ",", "expected ',' in ROI box (x0, y0, x1, y1)")
            let y0 = try parseCoordinate()
            try expect(symbol: ",", "expected ',' in ROI box (x0, y0, x1, y1)")
            let x1 = try parseCoordinate()
            try expect(symbol: ",", "expected ',' in ROI box (x0, y0, x1, y1)")
            let y1 = try parseCoordinate()
            try expect(symbol: ")", "expected ')' after ROI box (x0, y0, x1, y1)")
            return (.box(x0: x0, y0: y0, x1: x1, y1: y1), t)
        }
        guard case .identifier(let quoted) = t.kind else {
            throw unexpected("expected a ROI: full, a ROI set name, or (x0, y0, x1, y1)")
        }
        advance()
        if !quoted && t.text.lowercased() == "full" { return (.full, t) }
        return (.named(t.text), t)
    }

    private mutating func parseMaskSource() throws(QueryError) -> SyntaxMaskSource {
        let t = current
        guard case .identifier(let quoted) = t.kind else {
            throw unexpected("expected mask or a mask aggregate as the first argument of CP")
        }
        if t.text == "mask" && !peek().isSymbol("(") {
            advance()
            return .mask
        }
        let upper = quoted ? "" : t.text.uppercased()
        guard peek().isSymbol("("), ["INTERSECT", "UNION", "AVG", "MIN", "MAX"].contains(upper) else {
            throw QueryError(kind: .semantic, location: t.location, token: t.text,
                             message: "the first argument of CP must be mask or INTERSECT/UNION/AVG/MIN/MAX(mask...)")
        }
        advance()
        advance()
        let maskToken = current
        guard maskToken.kind == .identifier(quoted: false) || maskToken.kind == .identifier(quoted: true),
              maskToken.text == "mask" else {
            throw QueryError(kind: .semantic, location: maskToken.location, token: maskToken.text,
                             message: "mask aggregates take the mask column: \(upper)(mask\(upper == "INTERSECT" || upper == "UNION" ? " > t" : ""))")
        }
        advance()
        let source: SyntaxMaskSource
        switch upper {
        case "INTERSECT", "UNION":
            let strict: Bool
            if accept(symbol: ">") {
                strict = true
            } else if accept(symbol: ">=") {
                strict = false
            } else {
                throw unexpected("expected '>' or '>=' in \(upper)(mask > t)")
            }
            let threshold = try parseRangeLiteral()
            source = upper == "INTERSECT" ? .intersect(threshold: threshold, strict: strict)
                                          : .union(threshold: threshold, strict: strict)
        case "AVG": source = .average
        case "MIN": source = .minimum
        default: source = .maximum
        }
        try expect(symbol: ")", "expected ')' to close \(upper)(...)")
        return source
    }
}
