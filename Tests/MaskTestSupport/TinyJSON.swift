import MaskInspect

/// A minimal JSON parser for the tests, onto the dumper's `JSONValue` (ordered keys), keeping
/// integers and doubles apart (`0` is an integer, `0.0` a double), which Foundation's
/// JSONSerialization does not promise.
public typealias TinyJSON = JSONValue

extension JSONValue {
    public subscript(key: String) -> TinyJSON? {
        if case .object(let o) = self { return o.first(where: { $0.0 == key })?.1 }
        return nil
    }

    public struct ParseError: Error { public var message: String; public init(message: String) { self.message = message } }

    public static func parse(_ text: String) throws -> TinyJSON {
        var p = Array(text.unicodeScalars)[...]
        let v = try value(&p)
        skip(&p)
        guard p.isEmpty else { throw ParseError(message: "trailing text") }
        return v
    }

    private static func skip(_ p: inout ArraySlice<Unicode.Scalar>) {
        while let c = p.first, c == " " || c == "\n" || c == "\t" || c == "\r" { p.removeFirst() }
    }

    private static func value(_ p: inout ArraySlice<Unicode.Scalar>) throws -> TinyJSON {
        skip(&p)
        guard let c = p.first else { throw ParseError(message: "end") }
        switch c {
        case "{":
            p.removeFirst()
            var out: [(String, TinyJSON)] = []
            skip(&p)
            if p.first == "}" { p.removeFirst(); return .object(out) }
            while true {
                guard case .string(let k) = try value(&p) else { throw ParseError(message: "key") }
                skip(&p)
                guard p.popFirst() == ":" else { throw ParseError(message: ":") }
                out.append((k, try value(&p)))
                skip(&p)
                let d = p.popFirst()
                if d == "}" { return .object(out) }
                guard d == "," else { throw ParseError(message: ",") }
            }
        case "[":
            p.removeFirst()
            var out: [TinyJSON] = []
            skip(&p)
            if p.first == "]" { p.removeFirst(); return .array(out) }
            while true {
                out.append(try value(&p))
                skip(&p)
                let d = p.popFirst()
                if d == "]" { return .array(out) }
                guard d == "," else { throw ParseError(message: ", in array") }
            }
        case "\"":
            p.removeFirst()
            var s = ""
            while let d = p.popFirst() {
                if d == "\"" { return .string(s) }
                if d == "\\" {
                    guard let e = p.popFirst() else { break }
                    switch e {
                    case "n": s += "\n"
                    case "t": s += "\t"
                    case "r": s += "\r"
                    case "u":
                        let hex = String(String.UnicodeScalarView(p.prefix(4)))
                        p.removeFirst(4)
                        if let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) { s.unicodeScalars.append(u) }
                    default: s.unicodeScalars.append(e)
                    }
                } else {
                    s.unicodeScalars.append(d)
                }
            }
            throw ParseError(message: "unterminated string")
        case "n": p.removeFirst(4); return .null
        case "t": p.removeFirst(4); return .bool(true)
        case "f": p.removeFirst(5); return .bool(false)
        default:
            var t = ""
            while let d = p.first, "+-0123456789.eE".unicodeScalars.contains(d) { t.unicodeScalars.append(d); p.removeFirst() }
            if let i = Int64(t) { return .int(i) }
            if let d = Double(t) { return .double(d) }
            throw ParseError(message: "number '\(t)'")
        }
    }
}
