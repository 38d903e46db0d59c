/// The type of a metadata column (CONTRACT.md section 1).
public enum ColumnType: UInt8, Sendable, CustomStringConvertible {
    case int64 = 1
    case float64 = 2
    case text = 3

    public var description: String {
        switch self {
        case .int64: return "INT64"
        case .float64: return "FLOAT64"
        case .text: return "TEXT"
        }
    }

    /// The type named `name` as `description` spells it (the manifest's form); nil otherwise.
    public init?(name: String) {
        switch name {
        case "INT64": self = .int64
        case "FLOAT64": self = .float64
        case "TEXT": self = .text
        default: return nil
        }
    }
}

/// One cell of a metadata column, or of a query result.
public enum ColumnValue: Sendable, Hashable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
}

/// A column of the `masks` table: its name and type. The first four are always
/// `mask_id, image_id, model_id, mask_type` (INT64); extra metadata columns follow in the
/// metadata CSV's order.
public struct ColumnDescriptor: Sendable, Hashable {
    public var name: String
    public var type: ColumnType
    public init(name: String, type: ColumnType) {
        self.name = name
        self.type = type
    }

    /// The four columns every database has.
    public static let builtins: [ColumnDescriptor] = [
        ColumnDescriptor(name: "mask_id", type: .int64),
        ColumnDescriptor(name: "image_id", type: .int64),
        ColumnDescriptor(name: "model_id", type: .int64),
        ColumnDescriptor(name: "mask_type", type: .int64),
    ]
}
