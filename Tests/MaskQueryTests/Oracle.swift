import Foundation
import MaskFormat
import MaskStorage

// An independent brute-force evaluator of the SQL subset, for randomised comparison with the
// engine. It shares no code with MaskQuery: it decodes every mask to [Double] and applies the
// contract's definitions literally (CP counts lv <= v < uv, plus v == 1.0 when uv >= 1.0; the
// tests keep lv <= 1 so this equals the engine's "v >= lv when uv >= 1").

enum TROI: Equatable {
    case full
    case box(Int, Int, Int, Int)
    case named(String)

    var sql: String {
        switch self {
        case .full: return "full"
        case .box(let a, let b, let c, let d): return "(\(a), \(b), \(c), \(d))"
        case .named(let n): return n
        }
    }
}

enum TMaskSource: Equatable {
    case intersect(Double, strict: Bool)
    case union(Double, strict: Bool)
    case avg, min, max

    var sql: String {
        switch self {
        case .intersect(let t, let s): return "INTERSECT(mask \(s ? ">" : ">=") \(t))"
        case .union(let t, let s): return "union(mask \(s ? ">" : ">=") \(t))"
        case .avg: return "AVG(mask)"
        case .min: return "min(mask)"
        case .max: return "MAX(mask)"
        }
    }
}

indirect enum TExpr {
    case lit(ColumnValue)
    case col(String)
    case cp(TROI, Double, Double, tupleForm: Bool)
    case area(TROI)
    case neg(TExpr)
    case bin(String, TExpr, TExpr)
    case agg(String, TExpr?)
    case groupCP(TMaskSource, TROI, Double, Double)
    /// A reference to select item `i` by its alias (ORDER BY / HAVING).
    case ref(Int, String)

    var sql: String {
        switch self {
        case .lit(let v):
            switch v {
            case .null: return "NULL"
            case .int(let i): return String(i)
            case .double(let d): return String(d)
            case .text(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
            }
        case .col(let n): return n
        case .cp(let roi, let lv, let uv, let tuple):
            return tuple ? "CP(mask, \(roi.sql), (\(lv), \(uv)))" : "cp(mask, \(roi.sql), \(lv), \(uv))"
        case .area(let roi): return "AREA(\(roi.sql))"
        case .neg(let e): return "-(\(e.sql))"
        case .bin(let op, let l, let r): return "(\(l.sql) \(op) \(r.sql))"
        case .agg(let f, let a): return "\(f)(\(a?.sql ?? "*"))"
        case .groupCP(let s, let roi, let lv, let uv): return "CP(\(s.sql), \(roi.sql), \(lv), \(uv))"
        case .ref(_, let alias): return alias
        }
    }

    var hasCP: Bool {
        switch self {
        case .cp, .groupCP: return true
        case .neg(let e): return e.hasCP
        case .bin(_, let l, let r): return l.hasCP || r.hasCP
        case .agg(_, let a): return a?.hasCP ?? false
        default: return false
        }
    }
}

indirect enum TPred {
    case cmp(String, TExpr, TExpr)
    case and(TPred, TPred)
    case or(TPred, TPred)
    case not(TPred)
    case inList(TExpr, [TExpr], Bool)
    case between(TExpr, TExpr, TExpr, Bool)
    case isNull(TExpr, Bool)

    var sql: String {
        switch self {
        case .cmp(let op, let l, let r): return "\(l.sql) \(op) \(r.sql)"
        case .and(let l, let r): return "(\(l.sql) AND \(r.sql))"
        case .or(let l, let r): return "(\(l.sql) or \(r.sql))"
        case .not(let p): return "NOT (\(p.sql))"
        case .inList(let e, let l, let n): return "\(e.sql) \(n ? "NOT IN" : "IN") (\(l.map(\.sql).joined(separator: ", ")))"
        case .between(let e, let a, let b, let n): return "\(e.sql) \(n ? "NOT BETWEEN" : "between") \(a.sql) AND \(b.sql)"
        case .isNull(let e, let n): return "\(e.sql) IS \(n ? "NOT " : "")NULL"
        }
    }

    var hasCP: Bool {
        switch self {
        case .cmp(_, let l, let r): return l.hasCP || r.hasCP
        case .and(let l, let r), .or(let l, let r): return l.hasCP || r.hasCP
        case .not(let p): return p.hasCP
        case .inList(let e, let l, _): return e.hasCP || l.contains { $0.hasCP }
        case .between(let e, let a, let b, _): return e.hasCP || a.hasCP || b.hasCP
        case .isNull(let e, _): return e.hasCP
        }
    }

    /// Top-level conjuncts (the SQL is rendered with parentheses, so AND nests as written).
    var conjuncts: [TPred] {
        if case .and(let l, let r) = self { return l.conjuncts + r.conjuncts }
        return [self]
    }
}

struct TQuery {
    var items: [(TExpr, String?)]
    var star = false
    var whereP: TPred?
    var groupBy: String?
    var grouped = false
    var having: TPred?
    var order: [(TExpr, Bool)] = []
    var limit: Int?

    var sql: String {
        var s = "SELECT " + (star ? "*" : items.map { e, a in a.map { "\(e.sql) AS \($0)" } ?? e.sql }.joined(separator: ", "))
        s += " FROM masks"
        if let w = whereP { s += " WHERE \(w.sql)" }
        if let g = groupBy { s += " GROUP BY \(g)" }
        if let h = having { s += " HAVING \(h.sql)" }
        if !order.isEmpty { s += " ORDER BY " + order.map { "\($0.0.sql)\($0.1 ? " DESC" : " asc")" }.joined(separator: ", ") }
        if let l = limit { s += " LIMIT \(l)" }
        return s
    }

    var hasCP: Bool {
        items.contains { $0.0.hasCP } || (whereP?.hasCP ?? false) || (having?.hasCP ?? false) || order.contains { $0.0.hasCP }
    }
}

struct Oracle {
    let table: InMemoryMaskTable
    let values: [[Double]]

    init(table: InMemoryMaskTable) {
        self.table = table
        let bpp = table.pixelFormat.bytesPerPixel
        values = table.pixels.map { px in
            (0..<(table.height * table.width)).map { i in
                var c: UInt32 = 0
                for b in 0..<bpp { c |= UInt32(px[i * bpp + b]) << (8 * b) }
                switch table.pixelFormat {
                case .uint8: return Double(c) / 255.0
                case .float16: return Double(Float16(bitPattern: UInt16(c)))
                case .float32: return Double(Float(bitPattern: c))
                }
            }
        }
    }

    func column(_ name: String, row: Int) -> ColumnValue {
        let i = table.columns.firstIndex { $0.name == name }!
        return table.rows[row][i]
    }
    func maskID(_ row: Int) -> Int64 { if case .int(let v) = column("mask_id", row: row) { return v }; return -1 }

    func box(_ roi: TROI, row: Int) -> (Int, Int, Int, Int)? {
        var b: (Int, Int, Int, Int)
        switch roi {
        case .full: b = (0, 0, table.width, table.height)
        case .box(let a, let c, let d, let e): b = (a, c, d, e)
        case .named(let n):
            let set = table.roiSets[n]!
            let key: ColumnValue = set.key == .imageID ? column("image_id", row: row) : column("mask_id", row: row)
            guard case .int(let k) = key, let pb = set.boxes[k] else { return nil }
            b = (pb.x0, pb.y0, pb.x1, pb.y1)
        }
        let x0 = Swift.min(Swift.max(b.0, 0), table.width), y0 = Swift.min(Swift.max(b.1, 0), table.height)
        let x1 = Swift.min(Swift.max(b.2, x0), table.width), y1 = Swift.min(Swift.max(b.3, y0), table.height)
        return (x0, y0, x1, y1)
    }

    static func inCP(_ v: Double, _ lv: Double, _ uv: Double) -> Bool {
        (lv <= v && v < uv) || (uv >= 1.0 && v == 1.0 && lv <= 1.0)
    }

    func count(_ pixels: [Double], box b: (Int, Int, Int, Int), _ lv: Double, _ uv: Double) -> Int64 {
        var n: Int64 = 0
        if b.0 < b.2 && b.1 < b.3 {
            for y in b.1..<b.3 { for x in b.0..<b.2 where Self.inCP(pixels[y * table.width + x], lv, uv) { n += 1 } }
        }
        return n
    }

    // MARK: values

    static func num(_ v: ColumnValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    static func arith(_ op: String, _ a: ColumnValue, _ b: ColumnValue) -> ColumnValue {
        if case .int(let x) = a, case .int(let y) = b, op != "/" {
            switch op {
            case "+": return .int(x &+ y)
            case "-": return .int(x &- y)
            default: return .int(x &* y)
            }
        }
        guard let x = num(a), let y = num(b) else { return .null }
        let r: Double
        switch op {
        case "+": r = x + y
        case "-": r = x - y
        case "*": r = x * y
        default:
            if y == 0 { return .null }
            r = x / y
        }
        return r.isFinite ? .double(r) : .null
    }

    /// -1/0/1, nil with NULL. Test values are small, so numbers compare through Double.
    static func cmp(_ a: ColumnValue, _ b: ColumnValue) -> Int? {
        if case .text(let x) = a, case .text(let y) = b { return x < y ? -1 : (x == y ? 0 : 1) }
        guard let x = num(a), let y = num(b) else { return nil }
        return x < y ? -1 : (x == y ? 0 : 1)
    }

    static func cmpOp(_ op: String, _ a: ColumnValue, _ b: ColumnValue) -> Bool? {
        guard let c = cmp(a, b) else { return nil }
        switch op {
        case "=": return c == 0
        case "!=", "<>": return c != 0
        case "<": return c < 0
        case "<=": return c <= 0
        case ">": return c > 0
        default: return c >= 0
        }
    }

    struct Group {
        var key: ColumnValue
        var members: [Int]
    }

    func eval(_ e: TExpr, row: Int, group: Group?, items: [(TExpr, String?)]) -> ColumnValue {
        switch e {
        case .lit(let v): return v
        case .col(let n):
            if let g = group { return g.key }
            _ = n
            return column(n, row: row)
        case .cp(let roi, let lv, let uv, _):
            guard let b = box(roi, row: row) else { return .null }
            return .int(count(values[row], box: b, lv, uv))
        case .area(let roi):
            if let g = group {
                guard let b = commonBox(roi, g.members) else { return .null }
                return .int(Int64((b.2 - b.0) * (b.3 - b.1)))
            }
            guard let b = box(roi, row: row) else { return .null }
            return .int(Int64((b.2 - b.0) * (b.3 - b.1)))
        case .neg(let x):
            switch eval(x, row: row, group: group, items: items) {
            case .int(let i): return .int(0 &- i)
            case .double(let d): return .double(-d)
            default: return .null
            }
        case .bin(let op, let l, let r):
            return Self.arith(op, eval(l, row: row, group: group, items: items), eval(r, row: row, group: group, items: items))
        case .agg(let f, let a):
            let g = group!
            guard let a else { return .int(Int64(g.members.count)) }
            let vs = g.members.map { eval(a, row: $0, group: nil, items: items) }.filter { $0 != .null }
            if f == "COUNT" { return .int(Int64(vs.count)) }
            if vs.isEmpty { return .null }
            switch f {
            case "SUM":
                if case .int = vs[0] {
                    var s: Int64 = 0
                    for case .int(let x) in vs { s = s &+ x }
                    return .int(s)
                }
                let s = OracleExactSum.sum(vs.map { Self.num($0)! })
                return s.isFinite ? .double(s) : .null
            case "AVG":
                let s = OracleExactSum.sum(vs.map { Self.num($0)! })
                let r = s / Double(vs.count)
                return r.isFinite ? .double(r) : .null
            case "MIN": return vs.dropFirst().reduce(vs[0]) { Self.cmp($1, $0)! < 0 ? $1 : $0 }
            default: return vs.dropFirst().reduce(vs[0]) { Self.cmp($1, $0)! > 0 ? $1 : $0 }
            }
        case .groupCP(let source, let roi, let lv, let uv):
            let g = group!
            guard !g.members.isEmpty, let b = commonBox(roi, g.members) else { return .null }
            let n = table.height * table.width
            var agg = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let vs = g.members.map { values[$0][i] }
                switch source {
                case .intersect(let t, let s): agg[i] = vs.allSatisfy { s ? $0 > t : $0 >= t } ? 1 : 0
                case .union(let t, let s): agg[i] = vs.contains { s ? $0 > t : $0 >= t } ? 1 : 0
                case .avg: agg[i] = vs.reduce(0, +) / Double(vs.count)
                case .min: agg[i] = vs.min()!
                case .max: agg[i] = vs.max()!
                }
            }
            return .int(count(agg, box: b, lv, uv))
        case .ref(let i, _):
            return eval(items[i].0, row: row, group: group, items: items)
        }
    }

    /// The members' common (clipped) box; nil if any member lacks one or they differ.
    func commonBox(_ roi: TROI, _ members: [Int]) -> (Int, Int, Int, Int)? {
        if case .named = roi {
            guard let f = members.first, let b = box(roi, row: f) else { return nil }
            for m in members { guard let c = box(roi, row: m), c == b else { return nil } }
            return b
        }
        return box(roi, row: 0)
    }

    func truth(_ p: TPred, row: Int, group: Group?, items: [(TExpr, String?)]) -> Bool? {
        func v(_ e: TExpr) -> ColumnValue { eval(e, row: row, group: group, items: items) }
        switch p {
        case .cmp(let op, let l, let r): return Self.cmpOp(op, v(l), v(r))
        case .and(let l, let r):
            let a = truth(l, row: row, group: group, items: items), b = truth(r, row: row, group: group, items: items)
            if a == false || b == false { return false }
            if a == true && b == true { return true }
            return nil
        case .or(let l, let r):
            let a = truth(l, row: row, group: group, items: items), b = truth(r, row: row, group: group, items: items)
            if a == true || b == true { return true }
            if a == false && b == false { return false }
            return nil
        case .not(let x): return truth(x, row: row, group: group, items: items).map { !$0 }
        case .inList(let e, let list, let neg):
            let x = v(e)
            var r: Bool? = false
            for item in list {
                let c = Self.cmpOp("=", x, v(item))
                if c == true { r = true; break }
                if c == nil { r = nil }
            }
            return neg ? r.map { !$0 } : r
        case .between(let e, let a, let b, let neg):
            let x = v(e)
            let lo = Self.cmpOp(">=", x, v(a)), hi = Self.cmpOp("<=", x, v(b))
            var r: Bool?
            if lo == false || hi == false { r = false } else if lo == true && hi == true { r = true } else { r = nil }
            return neg ? r.map { !$0 } : r
        case .isNull(let e, let neg):
            let isNull = v(e) == .null
            return neg ? !isNull : isNull
        }
    }

    /// Sort rows: keys with NULLs last both ways, then `tie` ascending (NULL last).
    static func sortRows(_ rows: inout [(values: [ColumnValue], keys: [ColumnValue], tie: ColumnValue)], desc: [Bool]) {
        func keyCmp(_ a: ColumnValue, _ b: ColumnValue, _ d: Bool) -> Int {
            if a == .null && b == .null { return 0 }
            if a == .null { return 1 }
            if b == .null { return -1 }
            let c = cmp(a, b)!
            return d ? -c : c
        }
        rows.sort { x, y in
            for (i, d) in desc.enumerated() {
                let c = keyCmp(x.keys[i], y.keys[i], d)
                if c != 0 { return c < 0 }
            }
            return keyCmp(x.tie, y.tie, false) < 0
        }
    }

    /// The exact answer, and the number of targeted masks (passing the CP-free WHERE conjuncts).
    func run(_ q: TQuery) -> (rows: [[ColumnValue]], targeted: Int) {
        let metadataConjuncts = q.whereP?.conjuncts.filter { !$0.hasCP } ?? []
        var targeted = 0
        var passing: [Int] = []
        for row in 0..<table.rows.count {
            if metadataConjuncts.allSatisfy({ truth($0, row: row, group: nil, items: q.items) == true }) { targeted += 1 }
            if let w = q.whereP, truth(w, row: row, group: nil, items: q.items) != true { continue }
            passing.append(row)
        }
        var out: [(values: [ColumnValue], keys: [ColumnValue], tie: ColumnValue)] = []
        if !q.grouped {
            for row in passing {
                let values = q.star ? table.rows[row] : q.items.map { eval($0.0, row: row, group: nil, items: q.items) }
                let keys = q.order.map { eval($0.0, row: row, group: nil, items: q.items) }
                out.append((values, keys, .int(maskID(row))))
            }
        } else {
            var groups: [Group] = []
            if let g = q.groupBy {
                for row in passing {
                    let k = column(g, row: row)
                    if let i = groups.firstIndex(where: { $0.key == k }) { groups[i].members.append(row) } else { groups.append(Group(key: k, members: [row])) }
                }
            } else {
                groups = [Group(key: .null, members: passing)]
            }
            for var g in groups {
                g.members.sort { maskID($0) < maskID($1) }
                if let h = q.having, truth(h, row: -1, group: g, items: q.items) != true { continue }
                let values = q.items.map { eval($0.0, row: -1, group: g, items: q.items) }
                let keys = q.order.map { eval($0.0, row: -1, group: g, items: q.items) }
                out.append((values, keys, g.key))
            }
        }
        Self.sortRows(&out, desc: q.order.map(\.1))
        if let l = q.limit, out.count > l { out.removeLast(out.count - l) }
        return (out.map(\.values), targeted)
    }
}
