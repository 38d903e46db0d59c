import MaskTestSupport

/// Seeded hostile variations of valid queries, for `SQLRobustnessTests`: tokens inserted,
/// deleted, swapped, duplicated or replaced (from the queries themselves and a pool of keywords,
/// extreme literals and odd characters), random characters (control, NUL, U+FFFD from invalid
/// UTF-8, combining marks, emoji, CR LF), truncation, deep nesting (parentheses, NOT, signs,
/// operator chains, up to 20,000 levels) and extreme LIMIT values.
struct SQLMutator {
    var rng: SplitMix64
    /// Every token of the base queries, so insertions are mostly plausible SQL.
    let corpus: [String]

    init(seed: UInt64, queries: [String]) {
        rng = SplitMix64(seed: seed)
        corpus = queries.flatMap(Self.tokens)
    }

    static let keywords = [
        "SELECT", "FROM", "masks", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "AND", "OR", "NOT",
        "IN", "BETWEEN", "IS", "NULL", "AS", "ASC", "DESC", "CP", "AREA", "COUNT", "SUM", "AVG", "MIN", "MAX",
        "INTERSECT", "UNION", "mask", "full", "object", "mask_id", "image_id", "kind", "label", "*", ";",
    ]
    static let extremeNumbers = [
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
        "99999999999999999999999", "1e400", "-1e400", "1e-400", "1e308", "-0", "0.0", "1e18", "100000000000",
        "0", "1", ".5", "1e", "1.2.3", "0x10", "1e+", "00000000000000000000001",
    ]
    static let oddTokens = [
        "'x'", "''", "'it''s'", "'unterminated", "\"mask_id\"", "\"\"", "\"unterminated", "@", "#", "$", "?",
        "`", "[", "]", "{", "}", "\\", "/*", "*/", "--", "!", "!=", "<>", "<=", ">=", "==", "||", "é", "🙂",
        "\u{0}", "\u{7F}", "\u{FFFD}", "\u{301}", "\u{2028}", "\r\n", "\t", "\u{200B}",
        String(repeating: "a", count: 5_000), "'" + String(repeating: "b", count: 5_000) + "'",
    ]
    /// Prefixes repeated to nest deeply (each adds one level, or one link of a chain).
    static let nestingUnits = ["(", "NOT ", "- ", "+ ", "1 + ", "2 * ", "NOT (", "-(", "COUNT(", "f(", "mask_id = 1 OR "]
    static let depths = [2, 100, 254, 255, 256, 257, 300, 1_000, 5_000]

    /// The SQL split into rough tokens: words and numbers, quoted strings, operators, other characters.
    static func tokens(_ sql: String) -> [String] {
        var out: [String] = []
        var i = sql.startIndex
        while i < sql.endIndex {
            let c = sql[i]
            if c.isWhitespace { i = sql.index(after: i); continue }
            var j = sql.index(after: i)
            if c.isLetter || c.isNumber || c == "_" || c == "." {
                while j < sql.endIndex, sql[j].isLetter || sql[j].isNumber || sql[j] == "_" || sql[j] == "." {
                    j = sql.index(after: j)
                }
            } else if c == "'" {
                while j < sql.endIndex, sql[j] != "'" { j = sql.index(after: j) }
                if j < sql.endIndex { j = sql.index(after: j) }
            } else if j < sql.endIndex, ["!=", "<>", "<=", ">="].contains(String([c, sql[j]])) {
                j = sql.index(after: j)
            }
            out.append(String(sql[i..<j]))
            i = j
        }
        return out
    }

    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(0...(xs.count - 1))] }

    mutating func poolToken() -> String {
        switch int(0...9) {
        case 0...4: return pick(corpus)
        case 5, 6: return pick(Self.keywords)
        case 7, 8: return pick(Self.extremeNumbers)
        default: return pick(Self.oddTokens)
        }
    }

    /// One to three mutations of `sql` (mostly one).
    mutating func mutate(_ sql: String) -> String {
        var tokens = Self.tokens(sql)
        for _ in 0..<pick([1, 1, 1, 2, 2, 3]) { tokenMutation(&tokens) }
        var text = tokens.joined(separator: " ")
        if int(0...4) == 0 { removeOneSpace(&text) }
        if int(0...4) == 0 { characterMutation(&text) }
        return text
    }

    /// Runs two neighbouring tokens together.
    mutating func removeOneSpace(_ text: inout String) {
        let spaces = text.indices.filter { text[$0] == " " }
        if !spaces.isEmpty { text.remove(at: pick(spaces)) }
    }

    mutating func tokenMutation(_ tokens: inout [String]) {
        let n = tokens.count
        switch int(0...9) {
        case 0: tokens.insert(poolToken(), at: int(0...n))
        case 1: if n > 0 { tokens.remove(at: int(0...(n - 1))) }
        case 2: if n > 1 { tokens.swapAt(int(0...(n - 1)), int(0...(n - 1))) }
        case 3:
            guard n > 0 else { return }
            let start = int(0...(n - 1)), end = min(n, start + int(1...4))
            tokens.insert(contentsOf: tokens[start..<end], at: end)
        case 4: if n > 0 { tokens[int(0...(n - 1))] = poolToken() }
        case 5:
            let numbers = tokens.indices.filter { tokens[$0].first?.isNumber == true }
            if let i = numbers.isEmpty ? nil : pick(numbers) { tokens[i] = pick(Self.extremeNumbers) }
        case 6: nest(&tokens)
        case 7 where int(0...1) == 0:
            // An operand (a name or a number) wrapped in parentheses or signs: often still valid.
            let operands = tokens.indices.filter { tokens[$0].first.map { $0.isLetter || $0.isNumber } == true }
            guard let i = operands.isEmpty ? nil : pick(operands) else { return }
            let depth = pick([1, 2, 50, 200, 254, 255, 256, 1_000])
            let unit = pick(["(", "- ", "+ ", "-("])
            let closing = unit.hasSuffix("(") ? String(repeating: ")", count: depth) : ""
            tokens[i] = String(repeating: unit, count: depth) + tokens[i] + closing
        case 7:
            let limit = tokens.firstIndex { $0.uppercased() == "LIMIT" }
            let value = pick(Self.extremeNumbers + ["-1", "0", "9223372036854775807", "100000000000"])
            if let limit, limit + 1 < n { tokens[limit + 1] = value } else { tokens += ["LIMIT", value] }
        case 8: if n > 1 { tokens.removeLast(int(1...(n - 1))) }
        default: tokens.insert(contentsOf: [poolToken(), poolToken()], at: int(0...n))
        }
    }

    /// Wraps a range of tokens in deep nesting, or puts a repeated prefix before one token.
    mutating func nest(_ tokens: inout [String]) {
        let n = tokens.count
        guard n > 0 else { return }
        let depth = pick(Self.depths)
        let start = int(0...(n - 1))
        if int(0...1) == 0 {
            let end = min(n, start + int(1...5))
            tokens.insert(String(repeating: ")", count: depth), at: end)
            tokens.insert(String(repeating: "(", count: depth), at: start)
        } else {
            tokens.insert(String(repeating: pick(Self.nestingUnits), count: depth), at: start)
        }
    }

    /// Inserts odd characters (or bytes decoded as UTF-8, as the CLI decodes its arguments) at
    /// a random place, or cuts the text short.
    mutating func characterMutation(_ text: inout String) {
        var chars = Array(text)
        let at = int(0...chars.count)
        switch int(0...3) {
        case 0:
            let bytes = (0..<int(1...6)).map { _ in UInt8(truncatingIfNeeded: int(0...255)) }
            chars.insert(contentsOf: Array(String(decoding: bytes, as: UTF8.self)), at: at)
        case 1:
            chars.insert(contentsOf: Array(pick(["\u{0}", "\u{301}", "\r\n", "🙂", "\u{FEFF}", "\\", "\""])), at: at)
        case 2:
            chars.removeLast(chars.count - at)
        default:
            let scalar = Unicode.Scalar(UInt8(truncatingIfNeeded: int(0...127)))
            chars.insert(Character(scalar), at: at)
        }
        text = String(chars)
    }
}
