import Foundation
import MaskFormat
import MaskQuery
import MaskStorage
import MaskTestSupport
import Testing

/// Decisions where the contract is silent, and what filter-verification does with bounds.
@Suite struct ExecutorBehaviourTests {
    static let table = try! TestTables.conformance()

    static func rows(_ sql: String, bounds: (any CPBoundsSource)? = nil) throws -> [[ColumnValue]] {
        try QueryEngine(table: table, bounds: bounds).run(sql).rows
    }

    @Test func semanticsOfSilentCorners() throws {
        // Division by zero is NULL; NULLs sort last in both directions.
        #expect(try Self.rows("SELECT mask_id, 1 / (mask_id - 2) AS r FROM masks WHERE mask_id < 4 ORDER BY r DESC")
                == [[.int(3), .double(1)], [.int(0), .double(-0.5)], [.int(1), .double(-1)], [.int(2), .null]])
        #expect(try Self.rows("SELECT mask_id, 1 / (mask_id - 2) AS r FROM masks WHERE mask_id < 4 ORDER BY r ASC")
                == [[.int(1), .double(-1)], [.int(0), .double(-0.5)], [.int(3), .double(1)], [.int(2), .null]])
        // INT64 arithmetic wraps.
        #expect(try Self.rows("SELECT 9223372036854775807 + mask_id FROM masks WHERE mask_id = 1")
                == [[.int(Int64.min)]])
        #expect(try Self.rows("SELECT -9223372036854775808 FROM masks WHERE mask_id = 1") == [[.int(Int64.min)]])
        // Aggregates without GROUP BY: one row, even over no rows.
        #expect(try Self.rows("SELECT COUNT(*), SUM(mask_id), AVG(label), MIN(kind), MAX(kind) FROM masks")
                == [[.int(24), .int(276), .double(11.375), .text("diffused"), .text("spurious")]])
        #expect(try Self.rows("SELECT COUNT(*), SUM(mask_id), COUNT(label) FROM masks WHERE mask_id < 0")
                == [[.int(0), .null, .int(0)]])
        // ORDER BY a position; LIMIT 0; IS NULL; NOT BETWEEN; NOT IN; <>.
        #expect(try Self.rows("SELECT mask_id, label FROM masks WHERE mask_id < 3 ORDER BY 1 DESC") ==
                [[.int(2), .int(7)], [.int(1), .int(7)], [.int(0), .int(7)]])
        #expect(try Self.rows("SELECT mask_id FROM masks LIMIT 0") == [])
        #expect(try Self.rows("SELECT mask_id FROM masks WHERE CP(mask, object, 0, 1) IS NULL").isEmpty)
        #expect(try Self.rows("SELECT mask_id FROM masks WHERE mask_id NOT BETWEEN 1 AND 22 AND mask_id NOT IN (0) AND mask_id <> 22")
                == [[.int(23)]])
        // Keywords and `full` in any case; column names exact.
        #expect(try Self.rows("sElEcT mask_id FrOm masks wHeRe cp(mask, FULL, 0, 1) = 768 and mask_id = 3") == [[.int(3)]])
        // An alias wins over a column of the same name.
        #expect(try Self.rows("SELECT mask_id, 0 - label AS image_id FROM masks WHERE mask_id < 3 ORDER BY image_id, mask_id DESC")
                == [[.int(2), .int(-7)], [.int(1), .int(-7)], [.int(0), .int(-7)]])
        // Constant boxes are clipped; an empty box gives 0.
        #expect(try Self.rows("SELECT CP(mask, (-10, -10, 100, 100), 0, 1), CP(mask, (5, 5, 5, 20), 0, 1), AREA((30, 20, 40, 40)) FROM masks WHERE mask_id = 0")
                == [[.int(768), .int(0), .int(8)]])
    }

    @Test func columnNamesAreAliasesOrTheTextAsWritten() throws {
        let r = try QueryEngine(table: Self.table).run(
            "SELECT mask_id+1, CP(mask, full, 0, 1)  , kind AS k, \"label\" FROM masks WHERE mask_id = 0")
        #expect(r.columns == ["mask_id+1", "CP(mask, full, 0, 1)", "k", "label"])
        #expect(r.rows == [[.int(1), .int(768), .text("spurious"), .int(7)]])
        let g = try QueryEngine(table: Self.table).run("SELECT model_id, COUNT(*) FROM masks GROUP BY model_id")
        #expect(g.columns == ["model_id", "COUNT(*)"])
        #expect(g.rows == [[.int(0), .int(8)], [.int(1), .int(8)], [.int(2), .int(8)]])
    }

    @Test func unknownColumnsAreCaseSensitive() {
        #expect(throws: QueryError.self) { try Self.rows("SELECT MASK_ID FROM masks") }
    }

    @Test func exactBoundsDecideSimpleFiltersWithoutReading() throws {
        let bounds = FakeBoundsSource(table: Self.table, seed: 1, nilPercent: 0, exactPercent: 100)
        let r = try QueryEngine(table: Self.table, bounds: bounds, observer: bounds).run(
            "SELECT mask_id FROM masks WHERE CP(mask, (8, 6, 24, 18), (0.8, 1.0)) > 10")
        #expect(r.rows.count == 14)
        #expect(r.stats.verified == 0)
        #expect(r.stats.acceptedByIndex == 14)
        #expect(r.stats.pruned == 10)
        #expect(r.stats.fml == 0)
    }

    @Test func withoutBoundsEveryTargetedMaskWithCPIsRead() throws {
        let r = try QueryEngine(table: Self.table).run(
            "SELECT mask_id FROM masks WHERE mask_type = 1 AND CP(mask, full, 0.8, 1.0) > 10")
        #expect(r.stats.masksTargeted == 16)
        #expect(r.stats.verified == 16)
        #expect(r.stats.fml == 16.0 / 24.0)
        let m = try QueryEngine(table: Self.table).run("SELECT mask_id FROM masks WHERE mask_type = 1")
        #expect(m.stats.masksTargeted == 16 && m.stats.verified == 0 && m.stats.pruned == 0)
    }

    @Test func topKWithExactBoundsReadsOnlyWhatItReturns() throws {
        let bounds = FakeBoundsSource(table: Self.table, seed: 1, nilPercent: 0, exactPercent: 100)
        let engine = QueryEngine(table: Self.table, bounds: bounds, observer: bounds)
        let r = try engine.run("SELECT mask_id, CP(mask, full, 0.2, 0.6) AS v FROM masks ORDER BY v DESC LIMIT 5")
        #expect(r.rows == [[.int(21), .int(433)], [.int(5), .int(423)], [.int(16), .int(321)], [.int(3), .int(291)], [.int(22), .int(283)]])
        #expect(r.stats.verified == 0)
        #expect(r.stats.pruned + r.stats.acceptedByIndex == 24)
        // With wide bounds the top-k still stops early.
        let loose = FakeBoundsSource(table: Self.table, seed: 3, nilPercent: 0, exactPercent: 0)
        let r2 = try QueryEngine(table: Self.table, bounds: loose, observer: loose).run(
            "SELECT mask_id FROM masks ORDER BY CP(mask, full, 0.2, 0.6) DESC LIMIT 2")
        #expect(r2.rows == [[.int(21)], [.int(5)]])
        #expect(r2.stats.verified < 24)
    }

    @Test func groupsArePrunedAndRankedFromMemberBounds() throws {
        let exact = FakeBoundsSource(table: Self.table, seed: 1, nilPercent: 0, exactPercent: 100)
        let sql = "SELECT image_id, AVG(CP(mask, object, 0.8, 1.0)) AS a, COUNT(*) AS n FROM masks WHERE mask_type = 1 GROUP BY image_id HAVING a > 20 ORDER BY a DESC"
        let r = try QueryEngine(table: Self.table, bounds: exact, observer: exact).run(sql)
        #expect(r.rows == [[.int(1), .double(35.5), .int(2)], [.int(7), .double(23.5), .int(2)]])
        #expect(r.stats.verified == 0)
        #expect(r.stats.acceptedByIndex == 4 && r.stats.pruned == 12)
        let topK = try QueryEngine(table: Self.table, bounds: exact, observer: exact).run(
            "SELECT image_id, SUM(CP(mask, full, 0.5, 1)) AS s FROM masks GROUP BY image_id ORDER BY s DESC LIMIT 1")
        let full = try QueryEngine(table: Self.table).run(
            "SELECT image_id, SUM(CP(mask, full, 0.5, 1)) AS s FROM masks GROUP BY image_id ORDER BY s DESC LIMIT 1")
        #expect(topK.rows == full.rows)
        #expect(topK.stats.verified == 0, "\(topK.stats)")
        #expect(topK.stats.acceptedByIndex == 3 && topK.stats.pruned == 21, "\(topK.stats)")
    }

    @Test func maskAggregateBoundsAvoidReads() throws {
        // A range holding both 0 and 1 counts the whole box: no pixels needed, index or not.
        let all = try QueryEngine(table: Self.table).run(
            "SELECT image_id, CP(INTERSECT(mask > 0.5), full, 0, 1) FROM masks GROUP BY image_id LIMIT 2")
        #expect(all.rows == [[.int(0), .int(768)], [.int(1), .int(768)]])
        #expect(all.stats.verified == 0)
        // One-member groups with exact member bounds: the union is the member itself.
        let exact = FakeBoundsSource(table: Self.table, seed: 1, nilPercent: 0, exactPercent: 100)
        let u = try QueryEngine(table: Self.table, bounds: exact, observer: exact).run(
            "SELECT mask_id, CP(UNION(mask > 0.5), full, 0.5, 1) AS u FROM masks GROUP BY mask_id ORDER BY u DESC LIMIT 3")
        let plain = try QueryEngine(table: Self.table).run(
            "SELECT mask_id, CP(mask, full, 0.5000000000000001, 1) AS u FROM masks ORDER BY u DESC LIMIT 3")
        #expect(u.rows == plain.rows)
        #expect(u.stats.verified == 0)
    }

    @Test func readsBuildTheIndexIncrementally() throws {
        let bounds = FakeBoundsSource(table: Self.table, seed: 1, nilPercent: 100, exactPercent: 0)
        let engine = QueryEngine(table: Self.table, bounds: bounds, observer: bounds)
        let sql = "SELECT mask_id FROM masks WHERE model_id = 1 AND CP(mask, object, 0.5, 1) > 3"
        let r = try engine.run(sql)
        // A small query indexes every mask it reads (its IndexingBudget's floor covers them).
        #expect(r.stats.verified == 8 && r.stats.newlyIndexed == 8, "\(r.stats)")
        #expect(bounds.indexedCount == 8)
        let again = try engine.run(sql)
        #expect(again.rows == r.rows)
        #expect(again.stats.newlyIndexed == 0, "\(again.stats)")
    }

    @Test func explainShowsPlanAndOutcome() throws {
        let r = try QueryEngine(table: Self.table).run(
            "SELECT mask_id FROM masks WHERE mask_type = 1 AND CP(mask, object, 0.8, 1) > 3 ORDER BY mask_id DESC LIMIT 2")
        #expect(r.explain.contains("metadata filter (no pixels): (mask_type = 1)"))
        #expect(r.explain.contains("cp #0: CP(mask, object, 0.8, 1.0) -> codes [204, 256)"))
        #expect(r.explain.contains("masks_targeted 16"))
    }

    /// Groups of more than 255 members take the flag path of mask aggregation (smaller ones
    /// tally): both must give the brute-force INTERSECT and UNION.
    @Test func largeGroupsAggregateExactly() throws {
        var rng = SplitMix64(seed: 31)
        let h = 5, w = 7, n = 300
        var rows: [[ColumnValue]] = [], pixels: [[UInt8]] = []
        for m in 0..<n {
            rows.append([.int(Int64(m)), .int(Int64(m % 2)), .int(0), .int(1)])
            // Mostly hot pixels, so that the intersection of 150 members is not empty.
            pixels.append((0..<(h * w)).map { _ in rng.next() % 100 < 99 ? UInt8(210 + rng.next() % 46) : UInt8(rng.next() % 200) })
        }
        let table = InMemoryMaskTable(height: h, width: w, pixelFormat: .uint8, columns: ColumnDescriptor.builtins,
                                      rows: rows, pixels: pixels, roiSets: [:])
        let r = try QueryEngine(table: table).run(
            "SELECT image_id, CP(INTERSECT(mask > 0.8), full, 0.5, 1) AS i, CP(UNION(mask >= 0.8), full, 0.5, 1) AS u, COUNT(*) FROM masks GROUP BY image_id")
        var expected: [[ColumnValue]] = []
        for g in 0..<2 {
            let members = (0..<n).filter { $0 % 2 == g }
            var inter = 0, union = 0
            for p in 0..<(h * w) {
                let above = members.filter { Double(pixels[$0][p]) / 255.0 > 0.8 }.count
                let atLeast = members.filter { Double(pixels[$0][p]) / 255.0 >= 0.8 }.count
                if above == members.count { inter += 1 }
                if atLeast > 0 { union += 1 }
            }
            expected.append([.int(Int64(g)), .int(Int64(inter)), .int(Int64(union)), .int(Int64(members.count))])
        }
        #expect(r.rows == expected)
        #expect(expected[0][1] != .int(0), "the test needs a non-empty intersection")
        // The same groups split below 256 members (tally path) agree with the brute force too.
        let small = try QueryEngine(table: table).run(
            "SELECT image_id, CP(INTERSECT(mask > 0.8), full, 0.5, 1) AS i FROM masks WHERE mask_id < 200 GROUP BY image_id")
        for (g, row) in small.rows.enumerated() {
            let members = (0..<200).filter { $0 % 2 == g }
            let inter = (0..<(h * w)).filter { p in members.allSatisfy { Double(pixels[$0][p]) / 255.0 > 0.8 } }.count
            #expect(row == [.int(Int64(g)), .int(Int64(inter))])
        }
    }
}
