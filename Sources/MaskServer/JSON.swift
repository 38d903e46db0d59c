import MaskFormat

/// A JSON value of the API's own responses (info, mask details, row info, errors), written
/// with keys in the order given. Query results are never written here: `/api/query`
/// returns `ResultFormatter`'s JSON text, byte for byte, with keys appended.
indirect enum JSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    static func int(_ v: Int) -> JSON { .int(Int64(v)) }

    /// A stored metadata value as `ResultFormatter` writes it: NULL and non-finite doubles as
    /// `null`, doubles with their shortest round-trip text.
    init(_ value: ColumnValue) {
        switch value {
        case .null: self = .null
        case .int(let v): self = .int(v)
        case .double(let d): self = .double(d)
        case .text(let s): self = .string(s)
        }
    }

    /// The compact text, `", "` and `": "` as separators (as the query JSON).
    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let v): out += String(v)
        case .double(let d): out += d.isFinite ? String(d) : "null"
        case .string(let s): out += JSONText.quoted(s)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += ", " }
                out += JSONText.quoted(key) + ": "
                value.write(to: &out)
            }
            out += "}"
        }
    }
}
