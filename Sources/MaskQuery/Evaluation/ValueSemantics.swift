import MaskFormat

/// Exact SQL semantics of values: comparison, arithmetic, three-valued truth.
///
/// - Numbers compare numerically across INT64 and FLOAT64, exactly (no rounding through Double).
/// - Text compares byte-wise in UTF-8 (like SQLite's BINARY collation).
/// - INT64 `+ - *` wrap around on overflow (two's complement, documented choice); `/` converts
///   both sides to Double and gives NULL for a zero divisor.
/// - A FLOAT64 result that is not finite (overflow) is NULL, so results never hold NaN or ±Infinity.
///   NaN read from a FLOAT64 metadata column is treated as NULL as well.
enum ValueSemantics {
    /// Compares two non-NULL values of comparable types; nil when either is NULL or the types
    /// are not comparable (text with a number, which the binder rejects).
    static func compare(_ a: ColumnValue, _ b: ColumnValue) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.double(let x), .double(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        // NaN never reaches here (columns and results map it to NULL); if a damaged file held
        // one, it compares like NULL rather than trapping in `compare(int:double:)`.
        case (.int(let x), .double(let y)): return y.isNaN ? nil : compare(int: x, double: y)
        case (.double(let x), .int(let y)): return x.isNaN ? nil : -compare(int: y, double: x)
        case (.text(let x), .text(let y)):
            if x == y { return 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        default: return nil
        }
    }

    /// Exact comparison of an Int64 with a (non-NaN) Double.
    static func compare(int i: Int64, double d: Double) -> Int {
        if d >= 9_223_372_036_854_775_808.0 { return -1 }
        if d < -9_223_372_036_854_775_808.0 { return 1 }
        let f = d.rounded(.down)
        let fi = Int64(f)
        if i < fi { return -1 }
        if i > fi { return 1 }
        return f < d ? -1 : 0
    }

    /// The comparison operator applied to two values, in three-valued logic.
    static func compare(_ op: BinaryOperator, _ a: ColumnValue, _ b: ColumnValue) -> Truth {
        guard let c = compare(a, b) else { return .unknown }
        let r: Bool
        switch op {
        case .equal: r = c == 0
        case .notEqual: r = c != 0
        case .less: r = c < 0
        case .lessEqual: r = c <= 0
        case .greater: r = c > 0
        case .greaterEqual: r = c >= 0
        default: r = false
        }
        return r ? .true : .false
    }

    static func double(_ v: ColumnValue) -> Double? {
        switch v {
        case .int(let x): return Double(x)
        case .double(let x): return x
        default: return nil
        }
    }

    /// A Double result: NULL when not finite.
    static func finite(_ d: Double) -> ColumnValue { d.isFinite ? .double(d) : .null }

    /// Exact arithmetic; `isInt` is the static result type (both operands INT64, operator not `/`).
    static func arithmetic(_ op: BinaryOperator, _ a: ColumnValue, _ b: ColumnValue, isInt: Bool) -> ColumnValue {
        if isInt, case .int(let x) = a, case .int(let y) = b {
            switch op {
            case .add: return .int(x &+ y)
            case .subtract: return .int(x &- y)
            case .multiply: return .int(x &* y)
            default: break
            }
        }
        guard let x = double(a), let y = double(b) else { return .null }
        switch op {
        case .add: return finite(x + y)
        case .subtract: return finite(x - y)
        case .multiply: return finite(x * y)
        case .divide: return y == 0 ? .null : finite(x / y)
        default: return .null
        }
    }

    static func negate(_ a: ColumnValue) -> ColumnValue {
        switch a {
        case .int(let x): return .int(0 &- x)
        case .double(let x): return .double(-x)
        default: return .null
        }
    }

    /// Normalises a stored value (NaN → NULL).
    @inline(__always)
    static func normalised(_ v: ColumnValue) -> ColumnValue {
        if case .double(let d) = v, d.isNaN { return .null }
        return v
    }
}

/// SQL three-valued truth.
enum Truth: UInt8, Sendable {
    case `false` = 1
    case `true` = 2
    case unknown = 4

    static func and(_ a: Truth, _ b: Truth) -> Truth {
        if a == .false || b == .false { return .false }
        if a == .true && b == .true { return .true }
        return .unknown
    }
    static func or(_ a: Truth, _ b: Truth) -> Truth {
        if a == .true || b == .true { return .true }
        if a == .false && b == .false { return .false }
        return .unknown
    }
    var negated: Truth {
        switch self {
        case .true: return .false
        case .false: return .true
        case .unknown: return .unknown
        }
    }
}

/// The set of truth values a predicate may take for a mask whose CP values are only bounded.
/// A singleton set is a decision; `{true}` accepts, a set without `true` rejects (WHERE keeps only
/// true rows), anything else must be verified against the pixels.
struct TruthSet: OptionSet, Sendable, Hashable {
    let rawValue: UInt8
    static let `false` = TruthSet(rawValue: 1)
    static let `true` = TruthSet(rawValue: 2)
    static let unknown = TruthSet(rawValue: 4)

    init(rawValue: UInt8) { self.rawValue = rawValue }
    init(_ t: Truth) { rawValue = t.rawValue }

    var members: [Truth] {
        var out: [Truth] = []
        if contains(.false) { out.append(.false) }
        if contains(.true) { out.append(.true) }
        if contains(.unknown) { out.append(.unknown) }
        return out
    }

    /// Pointwise lift of a binary truth function. O(9).
    static func lift(_ a: TruthSet, _ b: TruthSet, _ f: (Truth, Truth) -> Truth) -> TruthSet {
        var r: TruthSet = []
        for x in a.members { for y in b.members { r.insert(TruthSet(f(x, y))) } }
        return r
    }

    var negated: TruthSet {
        var r: TruthSet = []
        for x in members { r.insert(TruthSet(x.negated)) }
        return r
    }

    /// The single truth value, when decided.
    var decided: Truth? {
        switch self {
        case .true: return .true
        case .false: return .false
        case .unknown: return .unknown
        default: return nil
        }
    }
    /// True when the row certainly passes a WHERE / HAVING.
    var certainlyPasses: Bool { self == .true }
    /// True when the row certainly fails (false or NULL).
    var certainlyFails: Bool { !contains(.true) }
}
