import MaskFormat

/// The tests' reading of the JSON the tools print: the product's own strict parser
/// (`JSONValue.parse`: ordered keys, integers and doubles apart — `0` is an integer, `0.0` a
/// double, which Foundation's JSONSerialization does not promise), so that any output that is
/// not valid JSON fails the test that reads it.
public typealias TinyJSON = JSONValue

extension JSONValue {
    public subscript(key: String) -> TinyJSON? {
        if case .object(let o) = self { return o.first(where: { $0.0 == key })?.1 }
        return nil
    }

    /// A test's own complaint about a JSON text it read (a fixture line of the wrong shape).
    public struct ParseError: Error { public var message: String; public init(message: String) { self.message = message } }

    public static func parse(_ text: String) throws -> TinyJSON {
        try Array(text.utf8).withUnsafeBytes { b in Result { () throws(JSONParseError) in try parse(b) } }.get()
    }
}
