import MaskFormat
import MaskQuery
import MaskStorage
import MaskTestSupport
import Testing

/// `--explain`: decision counts add up to the stats, the bound histograms count the targeted
/// masks with bounds, and the one-mask view holds lower ≤ exact (the Oracle's) ≤ upper with
/// inner rectangle ⊆ box ⊆ outer rectangle; explaining changes neither rows nor stats.
@Suite struct ExplainTests {
    static func contains(_ outer: PixelBox, _ inner: PixelBox) -> Bool {
        outer.x0 <= inner.x0 && outer.y0 <= inner.y0 && inner.x1 <= outer.x1 && inner.y1 <= outer.y1
    }

    /// A query of one of the shapes explain looks at: filter, top-k, or a random scan query.
    static func query(_ world: inout RandomWorld, _ table: InMemoryMaskTable) -> TQuery {
        let cp = world.cp(table)
        switch world.int(0...2) {
        case 0:
            var q = TQuery(items: [(.col("mask_id"), nil), (cp, "v")])
            q.whereP = .cmp(world.pick([">", "<", ">="]), cp, .lit(.int(Int64(world.int(0...30)))))
            return q
        case 1:
            var q = TQuery(items: [(.col("mask_id"), nil), (cp, "v")])
            q.order = [(.ref(1, "v"), world.chance(50))]
            q.limit = world.int(1...6)
            return q
        default:
            return world.scanQuery(table)
        }
    }

    /// Checks one explained result; true when it had a one-mask view with index bounds.
    @discardableResult
    func check(_ r: QueryResult, _ q: TQuery, oracle: Oracle) -> Bool {
        guard let e = r.explanation else { Issue.record("no explanation: \(q.sql)"); return false }
        let d = e.decisions, s = r.stats
        #expect(d.prunedByFilter + d.prunedByRank == s.pruned && d.acceptedByBounds == s.acceptedByIndex
                && d.verified == s.verified, "\(q.sql): \(d) vs \(s)")
        if q.hasCP { #expect(d.decidedWithoutReading + d.verified == s.masksTargeted, "\(q.sql)") }
        if let h = e.bounds {
            #expect(h.lower.reduce(0, +) == h.bounded && h.upper.reduce(0, +) == h.bounded, "\(q.sql)")
            #expect(h.bounded + h.unbounded + h.null == s.masksTargeted, "\(q.sql): \(h)")
            #expect(h.edges.count == h.lower.count + 1 && zip(h.edges, h.edges.dropFirst()).allSatisfy { $0 <= $1 })
        }
        guard let m = e.mask, let box = m.box, let exact = m.exact else { return false }
        let row = (0..<oracle.table.count).first { oracle.maskID($0) == m.maskID }!
        let expected = oracle.count(oracle.values[row], box: (box.x0, box.y0, box.x1, box.y1), m.lv, m.uv)
        #expect(Int64(exact) == expected, "\(q.sql): exact \(exact) != Oracle \(expected)")
        if let h = m.roiHistogram { #expect(h.lowerBound <= exact && exact <= h.upperBound, "\(q.sql): \(m)") }
        guard let i = m.index else { return false }
        #expect(i.bounds.lowerBound <= exact && exact <= i.bounds.upperBound, "\(q.sql): \(m)")
        #expect(i.refined.lowerBound <= exact && exact <= i.refined.upperBound, "\(q.sql): \(m)")
        #expect(Self.contains(i.outer, box) && i.inner.map { Self.contains(box, $0) } ?? true, "\(q.sql): \(m)")
        return true
    }

    @Test(arguments: 0..<3)
    func explanationsAddUpAndBoundTheExactValue(block: Int) throws {
        var views = 0
        for seed in UInt64(block * 10)..<UInt64(block * 10 + 10) {
            var world = RandomWorld(seed: seed &* 31 &+ 7)
            let table = world.table()
            let oracle = Oracle(table: table)
            let source = CHIBoundsSource(table: table, cell: world.int(1...5), bins: world.pick([2, 4, 10, 16]), missingEvery: Int(seed % 3))
            let engine = QueryEngine(table: table, bounds: source)
            for _ in 0..<20 {
                let q = Self.query(&world, table)
                let maskID: Int64? = world.chance(30) ? oracle.maskID(world.int(0...(table.count - 1))) : nil
                let plain = try engine.run(q.sql)
                let explained = try engine.run(q.sql, explain: ExplainRequest(maskID: maskID))
                #expect(plain.rows == explained.rows && plain.explanation == nil, "\(q.sql)")
                var a = plain.stats, b = explained.stats
                (a.elapsedMilliseconds, b.elapsedMilliseconds) = (0, 0)
                #expect(a == b, "\(q.sql)")
                if let maskID, let m = explained.explanation?.mask { #expect(m.maskID == maskID) }
                if check(explained, q, oracle: oracle) { views += 1 }
            }
        }
        #expect(views > 20, "too few one-mask views with index bounds were checked: \(views)")
    }

    @Test func unknownExplainMaskIsABadQuery() throws {
        let table = try TestTables.conformance()
        #expect(throws: QueryError.self) {
            try QueryEngine(table: table).run("SELECT mask_id FROM masks", explain: ExplainRequest(maskID: 999_999))
        }
        do {
            _ = try QueryEngine(table: table).run("SELECT mask_id FROM masks", explain: ExplainRequest(maskID: 999_999))
        } catch {
            #expect(error.exitCode == 2)
        }
    }
}
