import MaskFormat
import MaskQuery
import MaskStorage
import MaskTestSupport
import Testing

/// Top-k reads no more masks than the paper's sequential top-k over the paper's bounds
/// (`PaperTopK`, `PaperBounds`) at the same index parameters, and answers as the `Oracle` does:
/// random tables (all pixel formats, many equal values in half of them), constant and named
/// ROIs, random ranges, k, both orders, one or two sort keys, with and without a metadata filter.
@Suite struct TopKReferenceTests {
    /// A random table; with `ties`, masks repeat a few patterns (many equal CP values).
    static func table(_ world: inout RandomWorld, ties: Bool) -> InMemoryMaskTable {
        let t = world.table()
        guard ties else { return t }
        let patterns = world.int(1...3)
        return InMemoryMaskTable(height: t.height, width: t.width, pixelFormat: t.pixelFormat, columns: t.columns,
                                 rows: t.rows, pixels: t.pixels.indices.map { t.pixels[$0 % patterns] }, roiSets: t.roiSets)
    }

    struct Case {
        var query: TQuery
        var roi: TROI
        var lv: Double, uv: Double
        var ratio: Bool
        var descending: Bool
        var secondKey: Bool
        var maxModel: Int?
        var k: Int
    }

    static func randomCase(_ world: inout RandomWorld, _ table: InMemoryMaskTable) -> Case {
        let roi = world.roi(table)
        let (lv, uv) = world.range()
        let ratio = world.chance(40), descending = world.chance(50), secondKey = world.chance(25)
        let maxModel: Int? = world.chance(30) ? world.int(0...1) : nil
        let k = world.int(1...(table.count + 2))
        let cp = TExpr.cp(roi, lv, uv, tupleForm: false)
        var q = TQuery(items: [(.col("mask_id"), nil), (ratio ? .bin("/", cp, .area(roi)) : cp, "v")])
        q.order = [(.ref(1, "v"), descending)] + (secondKey ? [(TExpr.col("image_id"), false)] : [])
        if let maxModel { q.whereP = .cmp("<=", .col("model_id"), .lit(.int(Int64(maxModel)))) }
        q.limit = k
        return Case(query: q, roi: roi, lv: lv, uv: uv, ratio: ratio, descending: descending,
                    secondKey: secondKey, maxModel: maxModel, k: k)
    }

    /// The reference's view of every targeted mask.
    static func referenceMasks(_ c: Case, oracle: Oracle, paper: PaperBounds) -> [PaperTopK.Mask] {
        var masks: [PaperTopK.Mask] = []
        for row in 0..<oracle.table.count {
            if let m = c.maxModel, case .int(let model) = oracle.column("model_id", row: row), model > Int64(m) { continue }
            guard case .int(let imageID) = oracle.column("image_id", row: row) else { continue }
            var mask = PaperTopK.Mask(best: nil, exact: nil, second: imageID, maskID: oracle.maskID(row), needsRead: false)
            if let b = oracle.box(c.roi, row: row) {
                let rect = PaperBounds.Rect(x0: b.0, y0: b.1, x1: b.2, y1: b.3)
                let exact = oracle.count(oracle.values[row], box: b, c.lv, c.uv)
                let (lower, upper) = paper.bounds(row: row, box: rect, lv: c.lv, uv: c.uv)
                #expect(Int64(lower) <= exact && exact <= Int64(upper), "paper bounds must be valid")
                let bound = c.descending ? upper : lower
                mask.needsRead = lower != upper
                let area = Double((b.2 - b.0) * (b.3 - b.1))
                if !c.ratio {
                    (mask.exact, mask.best) = (Double(exact), mask.needsRead ? Double(bound) : Double(exact))
                } else if area > 0 {
                    (mask.exact, mask.best) = (Double(exact) / area, Double(mask.needsRead ? Int64(bound) : exact) / area)
                }
            }
            masks.append(mask)
        }
        return masks
    }

    /// 4 blocks × 12 tables × 25 queries = 1,200 top-k queries.
    @Test(arguments: 0..<4)
    func topKReadsNoMoreThanThePapersBounds(block: Int) throws {
        var failures: [String] = []
        var engineReads = 0, paperReads = 0
        for seed in UInt64(block * 12)..<UInt64(block * 12 + 12) {
            var world = RandomWorld(seed: seed &* 104_729 &+ 3)
            let table = Self.table(&world, ties: seed % 2 == 0)
            let oracle = Oracle(table: table)
            let (cell, bins) = (world.int(1...6), world.pick([2, 3, 4, 10, 16, 32]))
            let paper = PaperBounds(table: table, cell: cell, bins: bins)
            let engine = QueryEngine(table: table, bounds: CHIBoundsSource(table: table, cell: cell, bins: bins, missingEvery: 0))
            for _ in 0..<25 {
                let c = Self.randomCase(&world, table)
                let sql = c.query.sql
                let result = try engine.run(sql)
                let expected = oracle.run(c.query).rows
                if result.rows != expected { failures.append("seed \(seed) \(sql): rows \(result.rows) != \(expected)") }
                let reference = PaperTopK.masksRead(Self.referenceMasks(c, oracle: oracle, paper: paper),
                                                    k: c.k, descending: c.descending, secondKey: c.secondKey)
                engineReads += result.stats.verified
                paperReads += reference
                if result.stats.verified > reference {
                    failures.append("seed \(seed) cell \(cell) bins \(bins) \(sql): verified \(result.stats.verified) > paper \(reference)")
                }
            }
        }
        for f in failures.prefix(10) { Issue.record("\(f)") }
        #expect(failures.isEmpty, "\(failures.count) failures")
        #expect(paperReads > 0, "the sweep should make the paper's top-k read masks")
        print("top-k block \(block): engine read \(engineReads), paper's bounds \(paperReads)")
    }
}
