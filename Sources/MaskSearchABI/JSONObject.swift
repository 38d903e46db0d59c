import MaskFormat

/// The JSON objects the ABI returns besides query results (ingest, ROI, index summaries and
/// `ms_info`): fields in the given order, numbers as Swift prints them (integers plain,
/// doubles with the shortest round-trip text), strings escaped with `JSONText.quoted`.
enum JSONField {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONField])
    case object([(String, JSONField)])

    /// The field's JSON text. - Complexity: O(size of the text).
    var text: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return v.isFinite ? String(v) : "null"
        case .string(let s): return JSONText.quoted(s)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .object(let fields):
            return "{" + fields.map { JSONText.quoted($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
        }
    }
}
