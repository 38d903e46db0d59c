import MaskTestSupport
import Foundation
import MaskFormat
import MaskStorage

/// Seeded random tables and queries for comparing the engine with `Oracle`.
struct RandomWorld {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(0...(xs.count - 1))] }

    /// A table: random format and shape, shuffled mask_ids (storage order is not id order),
    /// metadata with some NULLs, an image-keyed `object` set (some images missing, boxes out of
    /// bounds, empty, narrow) and a mask-keyed `spot` set. `masks` masks (about a third as many
    /// images) of one of `shapes` (height, width); the first `orderedImages` of the rows have
    /// ascending image_ids (storage image by image), the rest random ones.
    mutating func table(masks: ClosedRange<Int> = 12...40,
                        shapes: [(Int, Int)] = [(13, 17), (16, 16), (8, 24), (5, 3)],
                        orderedImages: Double = 0) -> InMemoryMaskTable {
        let format = pick(PixelFormat.allCases)
        let (h, w) = pick(shapes)
        let n = int(masks)
        var ids = Array(0..<n).map { Int64($0 * 3 + 5) }
        ids.shuffle(using: &rng)
        let columns = ColumnDescriptor.builtins + [
            ColumnDescriptor(name: "label", type: .int64),
            ColumnDescriptor(name: "score", type: .float64),
            ColumnDescriptor(name: "kind", type: .text),
        ]
        var rows: [[ColumnValue]] = []
        var pixels: [[UInt8]] = []
        let images = max(1, n / 3)
        for i in 0..<n {
            let label: ColumnValue = chance(10) ? .null : .int(Int64(int(0...5)))
            let score: ColumnValue = chance(10) ? .null : .double(Double(int(0...8)) / 4)
            let kind: ColumnValue = .text(pick(["human", "focused", "diffused", "it's"]))
            let image = Double(i) < orderedImages * Double(n) ? i * images / n : int(0...(images - 1))
            rows.append([.int(ids[i]), .int(Int64(image)), .int(Int64(int(0...2))), .int(Int64(int(1...2))),
                         label, score, kind])
            var bytes: [UInt8] = []
            let style = int(0...3)
            for _ in 0..<(h * w) {
                var v: Double
                switch style {
                case 0: v = Double(int(0...255)) / 255
                case 1: v = pick([0, 1, 0.5, 0.8, 0.2, 204.0 / 255, 0.25, 0.75])
                case 2: v = chance(60) ? 0 : Double.random(in: 0...1, using: &rng)
                default: v = Double.random(in: 0...1, using: &rng)
                }
                if chance(5) { v = 1 }
                switch format {
                case .uint8: bytes.append(UInt8((v * 255).rounded()))
                case .float16:
                    let b = Float16(v).bitPattern
                    bytes += [UInt8(b & 0xFF), UInt8(b >> 8)]
                case .float32:
                    let b = Float(v).bitPattern
                    bytes += [UInt8(b & 0xFF), UInt8((b >> 8) & 0xFF), UInt8((b >> 16) & 0xFF), UInt8(b >> 24)]
                }
            }
            pixels.append(bytes)
        }
        var objectBoxes: [Int64: PixelBox] = [:]
        for img in 0..<images where !chance(25) {
            objectBoxes[Int64(img)] = randomBox(w: w, h: h)
        }
        var spotBoxes: [Int64: PixelBox] = [:]
        for id in ids where chance(60) { spotBoxes[id] = randomBox(w: w, h: h) }
        return InMemoryMaskTable(height: h, width: w, pixelFormat: format, columns: columns, rows: rows, pixels: pixels,
                                 roiSets: ["object": ROISet(name: "object", key: .imageID, boxes: objectBoxes),
                                           "spot": ROISet(name: "spot", key: .maskID, boxes: spotBoxes)])
    }

    mutating func randomBox(w: Int, h: Int) -> PixelBox {
        switch int(0...5) {
        case 0: return PixelBox(x0: int(-5...w), y0: int(-5...h), x1: int(-5...(w + 5)), y1: int(-5...(h + 5)))
        case 1: let x = int(0...(w - 1)); return PixelBox(x0: x, y0: 0, x1: x + 1, y1: h)  // narrow
        case 2: let x = int(0...w); return PixelBox(x0: x, y0: 1, x1: x, y1: h)  // empty
        default:
            let x0 = int(0...(w - 1)), y0 = int(0...(h - 1))
            return PixelBox(x0: x0, y0: y0, x1: int((x0 + 1)...w), y1: int((y0 + 1)...h))
        }
    }

    // MARK: Expressions

    mutating func roi(_ table: InMemoryMaskTable, allowSpot: Bool = true) -> TROI {
        switch int(0...5) {
        case 0: return .full
        case 1, 2:
            let b = randomBox(w: table.width, h: table.height)
            return .box(b.x0, b.y0, b.x1, b.y1)
        case 3: return allowSpot ? .named("spot") : .named("object")
        default: return .named("object")
        }
    }

    mutating func range() -> (Double, Double) {
        let levels: [Double] = [0, 0.2, 0.5, 0.8, 0.8000000000000002, 0.7999999999999999, 204.0 / 255, 1, 0.25, 0.75, -0.5, 0.9]
        var lv = chance(70) ? pick(levels) : Double(int(0...100)) / 100
        var uv = chance(70) ? pick(levels + [1.5, 2]) : Double(int(0...120)) / 100
        if chance(10) { uv = lv }
        if chance(15) { uv = 1 }
        if lv > 1 { lv = 1 }
        if chance(5) { (lv, uv) = (uv, lv); lv = min(lv, 1) }
        return (lv, uv)
    }

    mutating func cp(_ table: InMemoryMaskTable) -> TExpr {
        let (lv, uv) = range()
        return .cp(roi(table), lv, uv, tupleForm: chance(40))
    }

    /// A numeric row-scope expression.
    mutating func numeric(_ table: InMemoryMaskTable, depth: Int) -> TExpr {
        if depth <= 0 || chance(45) {
            switch int(0...9) {
            case 0: return .lit(.int(Int64(int(-3...40))))
            case 1: return .lit(.double(pick([0.5, 0.25, -1.5, 2.0, 0.1, 0.0])))
            case 2: return .col(pick(["image_id", "model_id", "mask_type", "label", "score", "mask_id"]))
            case 3: return .area(roi(table))
            case 4: return .lit(.int(0))
            default: return cp(table)
            }
        }
        if chance(10) { return .neg(numeric(table, depth: depth - 1)) }
        return .bin(pick(["+", "-", "*", "/"]), numeric(table, depth: depth - 1), numeric(table, depth: depth - 1))
    }

    mutating func comparison() -> String { pick(["=", "!=", "<>", "<", "<=", ">", ">="]) }

    mutating func predicate(_ table: InMemoryMaskTable, depth: Int) -> TPred {
        if depth <= 0 || chance(40) {
            switch int(0...9) {
            case 0: return .cmp(pick(["=", "!="]), .col("kind"), .lit(.text(pick(["human", "focused", "it's", "zzz"]))))
            case 1: return .inList(.col(pick(["model_id", "label", "mask_type"])), [.lit(.int(Int64(int(0...3)))), .lit(.int(Int64(int(0...5))))], chance(30))
            case 2: return .between(numeric(table, depth: 1), .lit(.int(Int64(int(0...10)))), .lit(.int(Int64(int(0...80)))), chance(30))
            case 3: return .isNull(numeric(table, depth: 1), chance(50))
            case 4: return .cmp(comparison(), .col(pick(["label", "score", "model_id"])), .lit(.int(Int64(int(0...4)))))
            default: return .cmp(comparison(), numeric(table, depth: 2), numeric(table, depth: 0))
            }
        }
        switch int(0...4) {
        case 0: return .not(predicate(table, depth: depth - 1))
        case 1, 2: return .or(predicate(table, depth: depth - 1), predicate(table, depth: depth - 1))
        default: return .and(predicate(table, depth: depth - 1), predicate(table, depth: depth - 1))
        }
    }

    /// A non-grouped query.
    mutating func scanQuery(_ table: InMemoryMaskTable) -> TQuery {
        var items: [(TExpr, String?)] = [(.col("mask_id"), nil)]
        for i in 0..<int(0...3) {
            let e = chance(20) ? TExpr.col(pick(["label", "kind", "score", "image_id"])) : numeric(table, depth: 2)
            items.append((e, chance(50) ? "v\(i)" : nil))
        }
        var q = TQuery(items: items)
        if chance(5) { q.star = true; q.items = [] }
        if chance(85) { q.whereP = predicate(table, depth: 2) }
        if chance(70) {
            for _ in 0..<int(1...2) {
                let aliased = q.items.indices.filter { q.items[$0].1 != nil }
                if !aliased.isEmpty && chance(40) {
                    let i = pick(aliased)
                    q.order.append((.ref(i, q.items[i].1!), chance(50)))
                } else {
                    var key = chance(70) ? cp(table) : numeric(table, depth: 1)
                    // A bare integer is a select-list position in ORDER BY (tested separately).
                    if case .lit(.int) = key { key = .bin("+", key, .col("label")) }
                    q.order.append((key, chance(50)))
                }
            }
        }
        if chance(60) { q.limit = int(0...8) }
        return q
    }

    /// A grouped query (or an aggregate over all rows).
    mutating func groupQuery(_ table: InMemoryMaskTable) -> TQuery {
        let key: String? = chance(10) ? nil : pick(["image_id", "image_id", "model_id", "mask_type", "label", "kind"])
        var items: [(TExpr, String?)] = []
        if let key { items.append((.col(key), nil)) }
        for i in 0..<int(1...3) {
            let e: TExpr
            switch int(0...5) {
            case 0: e = .agg("COUNT", nil)
            case 1: e = .agg(pick(["SUM", "AVG", "MIN", "MAX", "COUNT"]), numeric(table, depth: 1))
            case 2 where key != nil:
                let (lv, uv) = range()
                let source: TMaskSource = pick([.intersect(pick([0.5, 0.8, 0.2]), strict: chance(70)),
                                                .union(pick([0.5, 0.8, 0.2]), strict: chance(70)), .avg, .min, .max])
                let r: TROI = key == "image_id" ? roi(table, allowSpot: false) : pick([.full, .named("object"), roi(table)])
                e = .groupCP(source, r, lv, uv)
            case 3: e = .bin("/", .agg("SUM", cp(table)), .agg("COUNT", nil))
            case 4: e = .agg(pick(["MIN", "MAX"]), .col("kind"))
            default: e = .agg(pick(["AVG", "SUM"]), cp(table))
            }
            items.append((e, "a\(i)"))
        }
        var q = TQuery(items: items, groupBy: key, grouped: true)
        if chance(60) { q.whereP = predicate(table, depth: 1) }
        if chance(40) {
            let numericItems = q.items.indices.filter { if case .agg("MIN", .some(.col("kind"))) = q.items[$0].0 { return false }; if case .agg("MAX", .some(.col("kind"))) = q.items[$0].0 { return false }; return q.items[$0].1 != nil }
            if let i = numericItems.first {
                q.having = .cmp(comparison(), .ref(i, q.items[i].1!), .lit(.int(Int64(int(0...20)))))
            } else {
                q.having = .cmp(">", .agg("COUNT", nil), .lit(.int(1)))
            }
        }
        if chance(70) {
            let i = int(0...(q.items.count - 1))
            q.order.append(q.items[i].1.map { (.ref(i, $0), chance(50)) } ?? (q.items[i].0, chance(50)))
        }
        if chance(40) { q.limit = int(0...5) }
        return q
    }
}
