/// One lexical token of a query, with the position of its first character.
struct Token: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// A name: keyword, function, column, alias or ROI set. `quoted` for `"name"`.
        case identifier(quoted: Bool)
        /// Digits only (an INT64 literal when it fits).
        case integer
        /// A numeric literal with a point or an exponent (a Double literal).
        case decimal
        /// A single-quoted string; `text` holds the value with `''` unescaped.
        case string
        /// Punctuation or an operator: `( ) , * + - / = != <> < <= > >= ;`
        case symbol
        case end
    }

    var kind: Kind
    /// The token as written (identifiers without quotes, strings unescaped).
    var text: String
    var location: SourceLocation
    /// Character offsets of the token in the query text (`offset..<end`).
    var offset = 0
    var end = 0

    /// True for an unquoted identifier equal to `keyword`, ignoring case.
    func isKeyword(_ keyword: String) -> Bool {
        if case .identifier(quoted: false) = kind {
            return text.lowercased() == keyword.lowercased()
        }
        return false
    }

    func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }
}

