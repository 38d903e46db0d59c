/// A JSON value (RFC 8259) with ordered object keys, integers and doubles apart: what the
/// dumper writes (`rendered`: a stable key order, the order it builds objects in, comparable to
/// golden files byte for byte) and what `JSONValue.parse` reads (the manifest, and the tests'
/// reading of every JSON the tools print).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// A UInt64 field of a file (an offset): a number when it fits Int64, as it always does in
    /// an undamaged file, else its decimal text — a forged field must not stop the dump.
    public static func unsigned(_ value: UInt64) -> JSONValue {
        Int64(exactly: value).map { .int($0) } ?? .string(String(value))
    }

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public static func int(_ v: Int) -> JSONValue { .int(Int64(v)) }
    public static func optional(_ v: Int?) -> JSONValue { v.map { .int(Int64($0)) } ?? .null }

    /// Pretty-printed with two-space indentation, one key per line.
    public func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let v): return String(v)
        case .double(let v): return v.isFinite ? "\(v)" : "null"
        case .string(let s): return JSONValue.quote(s)
        case .array(let a):
            if a.isEmpty { return "[]" }
            return "[\n" + a.map { pad + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n" + close + "]"
        case .object(let o):
            if o.isEmpty { return "{}" }
            return "{\n" + o.map { pad + JSONValue.quote($0.0) + ": " + $0.1.rendered(indent: indent + 1) }
                .joined(separator: ",\n") + "\n" + close + "}"
        }
    }

    static func quote(_ s: String) -> String { JSONText.quoted(s) }
}
