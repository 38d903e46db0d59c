import Foundation
import MaskFormat
import MaskQuery
import MaskStorage
import Testing

/// Seeded random tables × random queries: the engine (no index, a fake index with random
/// slack, and the index's own bound arithmetic) must give exactly the brute-force `Oracle`'s
/// rows, and stats must add up.
@Suite struct RandomisedTests {
    struct Failure: CustomStringConvertible {
        var seed: UInt64
        var sql: String
        var detail: String
        var description: String { "seed \(seed): \(sql)\n  \(detail)" }
    }

    /// Runs `queries` random queries per table over `tables` seeds; returns (cases, failures).
    /// `large`: tables of 7,000–8,000 masks of 5×3, so that grouped queries by image_id have
    /// over 2,048 groups and rank them in parallel chunks (`Executor.rankedGroups`); their
    /// first 90 % of rows are stored image by image, so that grouping meets ascending keys
    /// for a long run before the first descent (`GroupIndex`).
    static func sweep(tables: Range<UInt64>, scanQueries: Int, groupQueries: Int, large: Bool = false) -> (Int, [Failure], decidedByBounds: Int) {
        var decided = 0
        var failures: [Failure] = []
        var cases = 0
        for seed in tables {
            var world = RandomWorld(seed: seed &* 7919 &+ 17)
            let table = large ? world.table(masks: 7_000...8_000, shapes: [(5, 3)], orderedImages: 0.9) : world.table()
            let oracle = Oracle(table: table)
            let fakeA = FakeBoundsSource(table: table, seed: seed)
            let fakeB = FakeBoundsSource(table: table, seed: seed ^ 0xFFFF, nilPercent: 0)
            let chi = CHIBoundsSource(table: table, cell: 1 + Int(seed % 7), bins: [2, 4, 16, 32][Int(seed % 4)], missingEvery: Int(seed % 5))
            let engines: [(String, QueryEngine)] = [
                ("no index", QueryEngine(table: table)),
                ("fake index A", QueryEngine(table: table, bounds: fakeA, observer: fakeA)),
                ("fake index B", QueryEngine(table: table, bounds: fakeB, observer: fakeB)),
                ("CHI bounds", QueryEngine(table: table, bounds: chi, observer: chi)),
            ]
            for i in 0..<(scanQueries + groupQueries) {
                let q = i < scanQueries ? world.scanQuery(table) : world.groupQuery(table)
                let sql = q.sql
                let expected = oracle.run(q)
                cases += 1
                for (name, engine) in engines {
                    do {
                        let result = try engine.run(sql)
                        if result.rows != expected.rows {
                            failures.append(Failure(seed: seed, sql: sql, detail: "\(name) [\(table.pixelFormat) \(table.height)x\(table.width)]: got \(result.rows)\n  expected \(expected.rows)"))
                            continue
                        }
                        let s = result.stats
                        if name != "no index" { decided += s.pruned + s.acceptedByIndex }
                        var problems: [String] = []
                        if s.masksTotal != table.count { problems.append("masks_total") }
                        if s.masksTargeted != expected.targeted { problems.append("targeted \(s.masksTargeted) != \(expected.targeted)") }
                        if q.hasCP {
                            if s.pruned + s.acceptedByIndex + s.verified != s.masksTargeted { problems.append("outcomes do not add up: \(s)") }
                        } else if s.pruned != 0 || s.acceptedByIndex != 0 || s.verified != 0 {
                            problems.append("a query without CP reported pixel work: \(s)")
                        }
                        if s.newlyIndexed > s.verified { problems.append("newly_indexed > verified") }
                        if name == "no index" && s.newlyIndexed != 0 { problems.append("newly_indexed without index") }
                        if !problems.isEmpty {
                            failures.append(Failure(seed: seed, sql: sql, detail: "\(name): " + problems.joined(separator: "; ")))
                        }
                    } catch {
                        failures.append(Failure(seed: seed, sql: sql, detail: "\(name) threw \(error)"))
                    }
                }
            }
        }
        return (cases, failures, decided)
    }

    /// Two large seeded tables × 12 grouped queries × 4 engines: groups ranked in parallel
    /// chunks give the oracle's rows too.
    @Test func largeGroupQueriesMatchOracle() {
        let (cases, failures, _) = Self.sweep(tables: 100..<102, scanQueries: 0, groupQueries: 12, large: true)
        #expect(cases == 24)
        for f in failures.prefix(10) { Issue.record("\(f)") }
        #expect(failures.isEmpty, "\(failures.count) failures")
    }

    /// 6 × 10 seeded tables × 60 queries (40 scan, 20 grouped) × 4 engines = 14,400 comparisons.
    @Test(arguments: 0..<6)
    func randomScanAndGroupQueriesMatchOracle(block: Int) {
        let seeds = UInt64(block * 10)..<UInt64(block * 10 + 10)
        let (cases, failures, decided) = Self.sweep(tables: seeds, scanQueries: 40, groupQueries: 20)
        #expect(cases == 600)
        #expect(decided > 1000, "bounds should decide many masks without reading")
        for f in failures.prefix(10) { Issue.record("\(f)") }
        #expect(failures.isEmpty, "\(failures.count) failures")
    }
}
