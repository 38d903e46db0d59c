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
///     comparison := additive [cmp additive | [NOT] IN "(" expr {"," expr} ")"
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
struct Parser {
    private let tokens: [Token]
    private let source: [Character]
    private var position = 0

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

    mutating func parseExpression() throws(QueryError) -> SyntaxExpr {
        var left = try parseAnd()
        while current.isKeyword("OR") {
            let t = current
            advance()
            left = .binary(.or, left, try parseAnd(), token: t)
        }
        return left
    }

    private mutating func parseAnd() throws(QueryError) -> SyntaxExpr {
        var left = try parseNot()
        while current.isKeyword("AND") {
            let t = current
            advance()
            left = .binary(.and, left, try parseNot(), token: t)
        }
        return left
    }

    private mutating func parseNot() throws(QueryError) -> SyntaxExpr {
        if current.isKeyword("NOT") {
            let t = current
            advance()
            return .not(try parseNot(), token: t)
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(QueryError) -> SyntaxExpr {
        let left = try parseAdditive()
        let t = current
        if t.kind == .symbol {
            let op: BinaryOperator?
            switch t.text {
            case "=": op = .equal
            case "!=", "<>": op = .notEqual
            case "<": op = .less
            case "<=": op = .lessEqual
            case ">": op = .greater
            case ">=": op = .greaterEqual
            default: op = nil
            }
            if let op {
                advance()
                return .binary(op, left, try parseAdditive(), token: t)
            }
        }
        var negated = false
        if t.isKeyword("NOT") && (peek().isKeyword("IN") || peek().isKeyword("BETWEEN")) {
            negated = true
            advance()
        }
        if accept(keyword: "IN") {
            try expect(symbol: "(", "expected '(' after IN")
            var list: [SyntaxExpr] = []
            repeat {
                list.append(try parseAdditive())
            } while accept(symbol: ",")
            try expect(symbol: ")", "expected ',' or ')' in IN list")
            return .inList(left, list, negated: negated, token: t)
        }
        if accept(keyword: "BETWEEN") {
            let low = try parseAdditive()
            try expect(keyword: "AND")
            let high = try parseAdditive()
            return .between(left, low, high, negated: negated, token: t)
        }
        if accept(keyword: "IS") {
            let isNegated = accept(keyword: "NOT")
            try expect(keyword: "NULL")
            return .isNull(left, negated: isNegated, token: t)
        }
        return left
    }

    private mutating func parseAdditive() throws(QueryError) -> SyntaxExpr {
        var left = try parseTerm()
        while current.isSymbol("+") || current.isSymbol("-") {
            let t = current
            advance()
            left = .binary(t.text == "+" ? .add : .subtract, left, try parseTerm(), token: t)
        }
        return left
    }

    private mutating func parseTerm() throws(QueryError) -> SyntaxExpr {
        var left = try parseUnary()
        while current.isSymbol("*") || current.isSymbol("/") {
            let t = current
            advance()
            left = .binary(t.text == "*" ? .multiply : .divide, left, try parseUnary(), token: t)
        }
        return left
    }

    private mutating func parseUnary() throws(QueryError) -> SyntaxExpr {
        let t = current
        if t.isSymbol("-") {
            let next = peek()
            if next.kind == .integer || next.kind == .decimal {
                advance()
                return try parseNumber(negative: true, signToken: t)
            }
            advance()
            return .negate(try parseUnary(), token: t)
        }
        if t.isSymbol("+") {
            advance()
            return try parseUnary()
        }
        return try parsePrimary()
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

    private mutating func parsePrimary() throws(QueryError) -> SyntaxExpr {
        let t = current
        switch t.kind {
        case .integer, .decimal:
            return try parseNumber(negative: false)
        case .string:
            advance()
            return .string(t.text, t)
        case .symbol where t.text == "(":
            advance()
            let e = try parseExpression()
            try expect(symbol: ")", "expected ')'")
            return e
        case .identifier(let quoted):
            if !quoted && t.isKeyword("NULL") {
                advance()
                return .null(t)
            }
            if !quoted && Self.reservedWords.contains(t.text.lowercased()) {
                throw unexpected("expected an expression")
            }
            guard peek().isSymbol("("), !quoted else {
                advance()
                return .identifier(t.text, t)
            }
            return try parseCall()
        default:
            throw unexpected("expected an expression")
        }
    }

    private mutating func parseCall() throws(QueryError) -> SyntaxExpr {
        let name = current
        advance()  // name
        advance()  // "("
        let upper = name.text.uppercased()
        if upper == "CP" { return try parseCP(name) }
        if upper == "AREA" {
            let (roi, roiToken) = try parseROI()
            if current.isSymbol(",") {
                throw QueryError(kind: .semantic, location: name.location, token: name.text,
                                 message: "wrong number of arguments: AREA takes one argument (roi)")
            }
            try expect(symbol: ")", "expected ')' after the ROI of AREA")
            return .area(roi: roi, roiToken: roiToken, token: name)
        }
        if let function = AggregateFunction(rawValue: upper) {
            if current.isSymbol("*") {
                let star = current
                guard function == .count else {
                    throw QueryError.syntax(star, "only COUNT accepts '*'")
                }
                advance()
                try expect(symbol: ")", "expected ')' after COUNT(*")
                return .aggregate(.count, argument: nil, token: name)
            }
            if current.isSymbol(")") {
                throw QueryError(kind: .semantic, location: name.location, token: name.text,
                                 message: "wrong number of arguments: \(upper) takes one argument")
            }
            let argument = try parseExpression()
            if current.isSymbol(",") {
                throw QueryError(kind: .semantic, location: name.location, token: name.text,
                                 message: "wrong number of arguments: \(upper) takes one argument")
            }
            try expect(symbol: ")", "expected ')' after the argument of \(upper)")
            return .aggregate(function, argument: argument, token: name)
        }
        var arguments: [SyntaxExpr] = []
        if !accept(symbol: ")") {
            repeat {
                arguments.append(try parseExpression())
            } while accept(symbol: ",")
            try expect(symbol: ")", "expected ',' or ')'")
        }
        return .call(name: name.text, arguments: arguments, token: name)
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

    /// An integer literal (optionally negative): ROI box coordinates.
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
        guard let v = Int(text), v.magnitude < (1 << 40) else {
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
