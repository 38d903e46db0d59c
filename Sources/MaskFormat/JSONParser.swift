/// Why a text is not JSON: the byte offset where reading stopped, and what was wrong there.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String

    public var description: String { "\(reason) at byte \(offset)" }
}

extension JSONValue {
    /// Arrays and objects nested deeper than this are refused (the reader recurses).
    public static let maximumDepth = 128

    /// Reads one JSON text (RFC 8259) from UTF-8 `bytes`: whitespace around one value and
    /// nothing else. Strict: literals spelled exactly, numbers in JSON's grammar (an integer
    /// without fraction or exponent that fits Int64 is `.int`, any other number `.double`),
    /// strings valid UTF-8 without raw control characters, escapes including surrogate pairs
    /// (a lone surrogate is an error). Object keys keep their order, repeated keys included.
    /// - Complexity: O(bytes); recursion at most `maximumDepth` deep.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var reader = JSONReader(bytes: bytes)
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.at == bytes.count else { throw reader.error("text after the JSON value") }
        return value
    }
}

/// `JSONValue.parse`'s cursor: one method per production of the grammar.
private struct JSONReader {
    let bytes: UnsafeRawBufferPointer
    var at = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: at, reason: reason) }

    var next: UInt8? { at < bytes.count ? bytes[at] : nil }

    mutating func skipWhitespace() {
        while let b = next, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { at += 1 }
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard let b = next else { throw error("a value expected, end of text found") }
        switch b {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < JSONValue.maximumDepth else { throw error("nested deeper than \(JSONValue.maximumDepth)") }
            return b == UInt8(ascii: "{") ? try object(depth: depth + 1) : try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard at + n <= bytes.count, (0..<n).allSatisfy({ bytes[at + $0] == word.utf8Start[$0] }) else {
            throw error("not a JSON value (expected \(word))")
        }
        at += n
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        at += 1
        var members: [(String, JSONValue)] = []
        skipWhitespace()
        if next == UInt8(ascii: "}") { at += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard next == UInt8(ascii: "\"") else { throw error("an object key (a string) expected") }
            let key = try string()
            skipWhitespace()
            guard next == UInt8(ascii: ":") else { throw error("':' expected after an object key") }
            at += 1
            members.append((key, try value(depth: depth)))
            skipWhitespace()
            guard let b = next, b == UInt8(ascii: ",") || b == UInt8(ascii: "}") else { throw error("',' or '}' expected in an object") }
            at += 1
            if b == UInt8(ascii: "}") { return .object(members) }
        }
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        at += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if next == UInt8(ascii: "]") { at += 1; return .array(elements) }
        while true {
            elements.append(try value(depth: depth))
            skipWhitespace()
            guard let b = next, b == UInt8(ascii: ",") || b == UInt8(ascii: "]") else { throw error("',' or ']' expected in an array") }
            at += 1
            if b == UInt8(ascii: "]") { return .array(elements) }
        }
    }

    /// A string, from its opening quote: raw bytes checked as UTF-8 at the end, escapes decoded.
    mutating func string() throws(JSONParseError) -> String {
        let start = at
        at += 1
        var utf8: [UInt8] = []
        while true {
            guard let b = next else { throw JSONParseError(offset: start, reason: "unterminated string") }
            at += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let s = String(validating: utf8, as: UTF8.self) else { throw JSONParseError(offset: start, reason: "a string that is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"): try escape(into: &utf8)
            case 0..<0x20: at -= 1; throw error("a control character in a string")
            default: utf8.append(b)
            }
        }
    }

    /// The escape after a backslash, appended as UTF-8.
    mutating func escape(into utf8: inout [UInt8]) throws(JSONParseError) {
        guard let e = next else { throw error("unterminated escape") }
        at += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(e); return
        case UInt8(ascii: "b"): utf8.append(0x08); return
        case UInt8(ascii: "f"): utf8.append(0x0C); return
        case UInt8(ascii: "n"): utf8.append(0x0A); return
        case UInt8(ascii: "r"): utf8.append(0x0D); return
        case UInt8(ascii: "t"): utf8.append(0x09); return
        case UInt8(ascii: "u"): break
        default: at -= 1; throw error("an unknown escape")
        }
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
            guard next == UInt8(ascii: "\\"), at + 1 < bytes.count, bytes[at + 1] == UInt8(ascii: "u") else { throw error("a lone high surrogate") }
            at += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw error("a high surrogate without its low surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
            throw error("a lone low surrogate")
        }
        utf8.append(contentsOf: String(Unicode.Scalar(scalar)!).utf8)
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard at + 4 <= bytes.count else { throw error("four hex digits expected after \\u") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = hexDigit(bytes[at]) else { throw error("a hex digit expected") }
            v = v << 4 | d
            at += 1
        }
        return v
    }

    func hexDigit(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    mutating func number() throws(JSONParseError) -> JSONValue {
        let start = at
        if next == UInt8(ascii: "-") { at += 1 }
        guard let first = next, isDigit(first) else { at = start; throw error("not a JSON value") }
        at += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        var integral = true
        if next == UInt8(ascii: ".") {
            at += 1
            guard digits() else { throw error("digits expected after '.'") }
            integral = false
        }
        if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            at += 1
            if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { at += 1 }
            guard digits() else { throw error("digits expected in an exponent") }
            integral = false
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        if integral, let i = Int64(text) { return .int(i) }
        guard let d = Double(text), d.isFinite else { throw JSONParseError(offset: start, reason: "a number out of range") }
        return .double(d)
    }

    func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    mutating func skipDigits() { while let b = next, isDigit(b) { at += 1 } }

    /// Skips one or more digits; false when there is none.
    mutating func digits() -> Bool {
        let start = at
        skipDigits()
        return at > start
    }
}
