import Testing
import MaskFormat

/// `JSONValue.parse` (RFC 8259, strict): what it reads, and that every malformed text is an
/// error at the right byte, never a crash — deep nesting included.
@Suite struct JSONParserTests {
    func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try Self.parse(bytes: Array(text.utf8))
    }

    static func parse(bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBytes { b in Result { () throws(JSONParseError) in try JSONValue.parse(b) } }.get()
    }

    func failure(_ text: String) -> JSONParseError? {
        do throws(JSONParseError) { _ = try parse(text); return nil } catch { return error }
    }

    @Test func readsValuesKeepingKeyOrderAndNumberKinds() throws {
        let v = try parse(" {\"b\": [1, -0, 2.5, 1e3, -12345678901234], \"a\": {\"x\": null, \"y\": true, \"z\": false}, \"b\": \"\"} ")
        #expect(v == .object([
            ("b", .array([.int(1), .int(0), .double(2.5), .double(1000), .int(-12345678901234)])),
            ("a", .object([("x", .null), ("y", .bool(true)), ("z", .bool(false))])),
            ("b", .string("")),
        ]))
        #expect(try parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try parse("[]") == .array([]) && (try parse("{}")) == .object([]))
    }

    @Test func decodesEscapesAndUTF8() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == .string("a\"b\\c/d\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u00e9\u4e2d\ud83d\ude00""#) == .string("é中😀"))
        #expect(try parse("\"é中😀\"") == .string("é中😀"))
    }

    @Test(arguments: [
        ("", 0), ("  ", 2), ("nul", 0), ("tru", 0), ("True", 0), ("01", 1), ("-", 0), ("1.", 2), (".5", 0), ("1e", 2),
        ("+1", 0), ("[1,]", 3), ("[1 2]", 3), ("{\"a\" 1}", 5), ("{\"a\":1,}", 7), ("{a:1}", 1), ("\"abc", 0),
        ("\"a\u{1}\"", 2), (#""\x""#, 2), (#""\u12""#, 3), (#""\ud83d""#, 7), (#""\ude00""#, 7), (#""\ud83d\u0041""#, 13),
        ("[1] 2", 4), ("1e400", 0),
    ])
    func refusesMalformedTextAtTheRightByte(text: String, offset: Int) {
        let e = failure(text)
        #expect(e != nil, "\(text) was read")
        #expect(e?.offset == offset, "\(text): \(String(describing: e))")
    }

    @Test func refusesInvalidUTF8InStrings() {
        let bytes: [UInt8] = [0x22, 0x61, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError.self) { _ = try Self.parse(bytes: bytes) }
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let depth = JSONValue.maximumDepth
        #expect(try parse(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)) != .null)
        let e = failure(String(repeating: "[", count: 100_000))
        #expect(e?.offset == depth && e?.reason.contains("nested") == true, "\(String(describing: e))")
        #expect(failure(String(repeating: "{\"a\":", count: depth + 1) + "1" + String(repeating: "}", count: depth + 1)) != nil)
    }

    @Test func readsWhatTheDumperWrites() throws {
        let v: JSONValue = .object([("name", .string("seg \"1\"\n")), ("n", .int(-3)), ("x", .double(0.25)),
                                    ("list", .array([.null, .bool(false), .object([])])), ("empty", .array([]))])
        #expect(try parse(v.rendered()) == v)
    }
}
