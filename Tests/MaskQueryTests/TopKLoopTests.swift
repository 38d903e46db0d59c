import MaskFormat
@testable import MaskQuery
import MaskTestSupport
import Testing

/// `TopKLoop` in parallel batches visits exactly the items the sequential best-first top-k
/// (one item per batch) visits, and returns the same rows — with many ties, one or two keys,
/// both directions — while still batching.
@Suite struct TopKLoopTests {
    struct Item {
        var best: Int
        var exact: Int
        var second: Int
        var id: Int
    }

    static func run(_ items: [Item], k: Int, keys: [SortKey], maxBatch: Int) throws -> (rows: [Int], visited: Set<Int>, batches: Int) {
        var loop = TopKLoop(k: k, sortKeys: keys)
        loop.maxBatch = maxBatch
        var order = items.indices.map { TopKItem(best: .int(Int64(items[$0].best)), tie: .int(Int64(items[$0].id)), index: $0) }
        loop.sort(&order)
        var visited = Set<Int>(), batches = 0
        let (rows, count) = try loop.run(order) { batch in
            batches += 1
            return batch.map { item in
                visited.insert(item.index)
                let it = items[item.index]
                let keys: [ColumnValue] = [.int(Int64(it.exact))] + (keys.count > 1 ? [.int(Int64(it.second))] : [])
                return ResultRow(values: [.int(Int64(it.id))], keys: keys, tie: .int(Int64(it.id)))
            }
        }
        #expect(visited.count == count)
        return (rows.map { if case .int(let id) = $0.tie { return Int(id) }; return -1 }, visited, batches)
    }

    @Test func batchesVisitExactlyWhatTheSequentialTopKVisits() throws {
        var rng = SplitMix64(seed: 99)
        var batched = 0, sequential = 0
        for _ in 0..<400 {
            let n = Int.random(in: 1...60, using: &rng), spread = Int.random(in: 1...8, using: &rng)
            let descending = Bool.random(using: &rng), twoKeys = Int.random(in: 0...3, using: &rng) == 0
            let items = (0..<n).map { id -> Item in
                let exact = Int.random(in: 0...spread, using: &rng), slack = Int.random(in: 0...3, using: &rng)
                return Item(best: descending ? exact + slack : exact - slack, exact: exact,
                            second: Int.random(in: 0...2, using: &rng), id: id * 7 % 61)
            }
            let key = SortKey(expression: .literal(.null), descending: descending, text: "v")
            let keys = twoKeys ? [key, SortKey(expression: .literal(.null), descending: false, text: "w")] : [key]
            let k = Int.random(in: 1...(n + 1), using: &rng)
            let one = try Self.run(items, k: k, keys: keys, maxBatch: 1)
            let many = try Self.run(items, k: k, keys: keys, maxBatch: 4096)
            #expect(many.visited == one.visited && many.rows == one.rows, "n \(n) k \(k) desc \(descending) two keys \(twoKeys)")
            batched += many.batches
            sequential += one.batches
        }
        #expect(batched * 3 < sequential, "batches should hold several items: \(batched) vs \(sequential)")
    }
}
