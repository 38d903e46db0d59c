/// Splits query text into `Token`s.
///
/// Single pass over the characters, O(n). Recognises identifiers (`[A-Za-z_][A-Za-z0-9_]*`, or
/// `"double quoted"` with `""` as an escaped quote), numbers (`12`, `0.5`, `.5`, `1e-3`), single-quoted
/// strings with `''` escapes, the operators of the SQL subset, and `--` line comments.
struct Lexer {
    private let chars: [Character]
    private var index = 0
    private var line = 1
    private var column = 1

    init(_ text: String) { chars = Array(text) }

    /// All tokens, ending with one `.end` token.
    static func tokenize(_ text: String) throws(QueryError) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var current: Character? { index < chars.count ? chars[index] : nil }
    private func peek(_ offset: Int) -> Character? {
        index + offset < chars.count ? chars[index + offset] : nil
    }

    /// Moves past the current character. A line break (`\n`, `\r\n`, which Swift reads as one
    /// character, or any other newline character) starts a new line.
    private mutating func advance() {
        if chars[index].isNewline {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private static func isIdentifierStart(_ c: Character) -> Bool {
        c == "_" || (c.isASCII && c.isLetter)
    }
    private static func isIdentifierPart(_ c: Character) -> Bool {
        isIdentifierStart(c) || (c.isASCII && c.isNumber)
    }
    private static func isDigit(_ c: Character?) -> Bool {
        guard let c else { return false }
        return c.isASCII && c.isNumber
    }

    mutating func next() throws(QueryError) -> Token {
        skipSpaceAndComments()
        let start = index
        var token = try scanToken()
        token.offset = start
        token.end = index
        return token
    }

    /// Skips whitespace and `--` comments (to the end of the line).
    private mutating func skipSpaceAndComments() {
        while let c = current {
            if c.isWhitespace {
                advance()
            } else if c == "-" && peek(1) == "-" {
                while let d = current, !d.isNewline { advance() }
            } else {
                return
            }
        }
    }

    /// The token starting at `index` (whitespace already skipped).
    private mutating func scanToken() throws(QueryError) -> Token {
        let location = SourceLocation(line: line, column: column, offset: index + 1)
        guard let c = current else { return Token(kind: .end, text: "", location: location) }
        if Self.isIdentifierStart(c) {
            let start = index
            while let d = current, Self.isIdentifierPart(d) { advance() }
            return Token(kind: .identifier(quoted: false), text: String(chars[start..<index]), location: location)
        }
        if Self.isDigit(c) || (c == "." && Self.isDigit(peek(1))) { return try scanNumber(location) }
        if c == "'" || c == "\"" { return try scanQuoted(location) }
        return try scanSymbol(location)
    }

    /// `12`, `0.5`, `.5`, `1e-3`: an integer when digits only. A number running into letters
    /// (`12abc`, `1.2.3`) is malformed.
    private mutating func scanNumber(_ location: SourceLocation) throws(QueryError) -> Token {
        let start = index
        var isDecimal = false
        while Self.isDigit(current) { advance() }
        if current == "." {
            isDecimal = true
            advance()
            while Self.isDigit(current) { advance() }
        }
        if current == "e" || current == "E" {
            let save = (index, line, column)
            advance()
            if current == "+" || current == "-" { advance() }
            if Self.isDigit(current) {
                isDecimal = true
                while Self.isDigit(current) { advance() }
            } else {
                (index, line, column) = save
            }
        }
        if let d = current, Self.isIdentifierPart(d) {
            while let e = current, Self.isIdentifierPart(e) || e == "." { advance() }
            let text = String(chars[start..<index])
            throw QueryError(kind: .syntax, location: location, token: text, message: "malformed number '\(text)'")
        }
        return Token(kind: isDecimal ? .decimal : .integer, text: String(chars[start..<index]), location: location)
    }

    /// A `'string'` or a `"quoted name"`, its quote doubled inside to escape it.
    private mutating func scanQuoted(_ location: SourceLocation) throws(QueryError) -> Token {
        let start = index
        let quote = chars[index]
        advance()
        var value = ""
        while true {
            guard let d = current else {
                let what = quote == "'" ? "string literal" : "quoted identifier"
                throw QueryError(kind: .syntax, location: location, token: String(chars[start..<index]),
                                 message: "unterminated \(what)")
            }
            advance()
            if d != quote {
                value.append(d)
            } else if current == quote {
                value.append(quote)
                advance()
            } else {
                return Token(kind: quote == "'" ? .string : .identifier(quoted: true), text: value, location: location)
            }
        }
    }

    /// An operator or punctuation: the two-character ones first.
    private mutating func scanSymbol(_ location: SourceLocation) throws(QueryError) -> Token {
        let c = chars[index]
        let two = peek(1).map { String([c, $0]) } ?? ""
        if ["!=", "<>", "<=", ">="].contains(two) {
            advance()
            advance()
            return Token(kind: .symbol, text: two, location: location)
        }
        if "(),*+-/=<>;".contains(c) {
            advance()
            return Token(kind: .symbol, text: String(c), location: location)
        }
        throw QueryError(kind: .syntax, location: location, token: String(c), message: "unexpected character '\(c)'")
    }
}
