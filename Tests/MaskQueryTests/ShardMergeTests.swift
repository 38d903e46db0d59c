import Foundation
import MaskFormat
@testable import MaskQuery
import MaskStorage
import Testing

/// Sharding in the engine: random tables split by the partition rule into 1, 2 and 4 shards
/// (`ShardSplit`), each shard's partial result through its bytes, merged by `ShardMerge`, must
/// give exactly one table's rows and order — for the conformance queries and the randomised
/// ones (the same generators as `RandomisedTests`), with no index and with a fake index.
@Suite struct ShardMergeTests {
    /// Splits a table by `PartitionRule.splitMix64` of its image_id (column 1).
    static func split(_ t: InMemoryMaskTable, shards: Int) -> [InMemoryMaskTable] {
        var rows = [[[ColumnValue]]](repeating: [], count: shards)
        var pixels = [[[UInt8]]](repeating: [], count: shards)
        for r in 0..<t.count {
            guard case .int(let image) = t.rows[r][1] else { continue }
            let s = PartitionRule.splitMix64.shard(ofImage: image, count: shards)
            rows[s].append(t.rows[r])
            pixels[s].append(t.pixels[r])
        }
        return (0..<shards).map {
            InMemoryMaskTable(height: t.height, width: t.width, pixelFormat: t.pixelFormat, columns: t.columns,
                              rows: rows[$0], pixels: pixels[$0], roiSets: t.roiSets)
        }
    }

    /// Runs `sql` on every non-empty shard (bounds from `index`), round-trips each partial
    /// through its bytes, and merges.
    static func sharded(_ sql: String, _ shards: [InMemoryMaskTable],
                        index: (InMemoryMaskTable) -> (any CPBoundsSource)?) throws -> QueryResult {
        let holding = shards.filter { $0.count > 0 }
        var partials: [ShardPartial] = []
        for t in holding {
            let b = index(t)
            let p = try QueryEngine(table: t, bounds: b, observer: b as? any IndexObserver).runPartial(sql, shardCount: shards.count)
            let back = try ShardPartial(encoded: p.encoded())
            #expect(back == p, "partial bytes round trip")
            partials.append(back)
        }
        return try ShardMerge.merge(sql: sql, schema: holding[0], shardCount: shards.count, partials: partials,
                                    elapsedMilliseconds: 0)
    }

    static func indexes(seed: UInt64) -> [(String, (InMemoryMaskTable) -> (any CPBoundsSource)?)] {
        [("no index", { _ in nil }), ("fake index", { FakeBoundsSource(table: $0, seed: seed) })]
    }

    @Test func conformanceQueriesOnShards() throws {
        let table = try TestTables.conformance()
        for n in [1, 2, 4] {
            let shards = Self.split(table, shards: n)
            for c in try ConformanceTests.cases() {
                let single = try QueryEngine(table: table).run(c.sql)
                for (name, index) in Self.indexes(seed: UInt64(n)) {
                    do {
                        let merged = try Self.sharded(c.sql, shards, index: index)
                        #expect(merged.columns == single.columns)
                        #expect(merged.rows == single.rows, "\(c.name) on \(n) shards, \(name)")
                        #expect(merged.stats.masksTotal == table.count)
                    } catch let e as QueryError {
                        // Only a mask aggregate over groups spanning shards may be refused.
                        #expect(n > 1 && e.kind == .semantic && e.message.contains("mask aggregate"), "\(c.name): \(e)")
                    }
                }
            }
        }
    }

    @Test(arguments: 0..<3)
    func randomQueriesOnShards(block: Int) throws {
        var refused = 0, compared = 0
        for seed in UInt64(block * 6)..<UInt64(block * 6 + 6) {
            var world = RandomWorld(seed: seed &* 7919 &+ 17)
            let table = world.table()
            let splits = [1, 2, 4].map { Self.split(table, shards: $0) }
            for i in 0..<40 {
                let sql = (i < 25 ? world.scanQuery(table) : world.groupQuery(table)).sql
                let single = try QueryEngine(table: table).run(sql)
                for shards in splits {
                    for (name, index) in Self.indexes(seed: seed) {
                        do {
                            let merged = try Self.sharded(sql, shards, index: index)
                            #expect(merged.rows == single.rows, "seed \(seed), \(shards.count) shards, \(name): \(sql)")
                            compared += 1
                        } catch let e as QueryError where e.kind == .semantic && shards.count > 1 {
                            #expect(e.message.contains("mask aggregate"), "\(sql): \(e)")
                            refused += 1
                        }
                    }
                }
            }
        }
        #expect(compared > refused)
    }

    @Test func exactSumIsOrderIndependent() {
        var rng = SystemRandomNumberGenerator()
        let values: [Double] = [1e16, 1, -1e16, 0.1, 0.2, 0.3, 1e-300, 3.5e15, -7.25, 1e100, -1e100]
        var reference = ExactSum()
        for v in values { reference.add(v) }
        for _ in 0..<50 {
            let shuffled = values.shuffled(using: &rng)
            let cut = Int.random(in: 0...shuffled.count, using: &rng)
            var a = ExactSum(), b = ExactSum()
            for v in shuffled[..<cut] { a.add(v) }
            for v in shuffled[cut...] { b.add(v) }
            a.merge(b)
            #expect(a.value.bitPattern == reference.value.bitPattern)
        }
        var tenths = ExactSum()
        for _ in 0..<10 { tenths.add(0.1) }
        #expect(tenths.value == 1.0)  // naive summation gives 0.9999999999999999
        var cancel = ExactSum()
        for v in [1e100, 1.0, -1e100] { cancel.add(v) }
        #expect(cancel.value == 1.0)
    }

    /// The engine's Shewchuk partials against the Oracle's big-integer sum, on values of every
    /// magnitude and sign: the same correctly rounded bits.
    @Test func exactSumMatchesTheOraclesBigIntegerSum() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let n = Int.random(in: 1...60, using: &rng)
            let values: [Double] = (0..<n).map { _ in
                let m = Double.random(in: -1...1, using: &rng)
                return Int.random(in: 0...3, using: &rng) == 0 ? m.rounded() * 0.05 : m * pow(2, Double(Int.random(in: -60...60, using: &rng)))
            }
            var e = ExactSum()
            for v in values { e.add(v) }
            #expect(e.value.bitPattern == OracleExactSum.sum(values).bitPattern, "\(values)")
        }
        #expect(OracleExactSum.sum(Array(repeating: 0.05, count: 35)) == 1.75)
    }

    @Test func aggregateStatesMergeExactly() {
        var a = AggregateState(), b = AggregateState()
        a.add(.double(0.0), maskID: 9, function: .min)
        b.add(.double(-0.0), maskID: 4, function: .min)
        a.merge(b, function: .min)
        #expect(a.bestMaskID == 4)
        if case .double(let m) = a.value(.min, argumentType: .double) { #expect(m.sign == .minus) } else { Issue.record("min") }
        var s = AggregateState(), t = AggregateState()
        s.add(.int(Int64.max), maskID: 1, function: .sum)
        t.add(.int(2), maskID: 2, function: .sum)
        t.add(.null, maskID: 3, function: .sum)
        s.merge(t, function: .sum)
        #expect(s.value(.sum, argumentType: .int) == .int(Int64.max &+ 2))  // wraps, as one database does
        #expect(s.count == 2)
        #expect(AggregateState().value(.avg, argumentType: .double) == .null)
        #expect(AggregateState().value(.count, argumentType: .int) == .int(0))
    }

    @Test func damagedPartialIsAnInternalError() throws {
        let table = try TestTables.conformance()
        let p = try QueryEngine(table: table).runPartial("SELECT mask_id FROM masks ORDER BY mask_id DESC LIMIT 3", shardCount: 2)
        var bytes = p.encoded()
        bytes[bytes.count / 2] ^= 0x40
        #expect(throws: QueryError.self) { try ShardPartial(encoded: bytes) }
        do {
            _ = try ShardPartial(encoded: Array(bytes.prefix(10)))
        } catch {
            #expect(error.kind == .internal && error.exitCode == 1)
        }
        // A partial of another query is refused by the merge, never merged.
        #expect(throws: QueryError.self) {
            try ShardMerge.merge(sql: "SELECT image_id FROM masks", schema: table, shardCount: 2, partials: [p], elapsedMilliseconds: 0)
        }
    }
}
