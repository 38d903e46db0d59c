@testable import MaskQuery
import Testing

/// The indexing budget's choices (IndexingBudget.swift): what a first query on an unindexed
/// database reads whole to index, for the shapes of the benchmark's 40k-mask database.
struct IndexingBudgetTests {
    /// 40,000 masks of 50,176 bytes, a box needing 25,088 of them; 64 chunks of 625 rows; one
    /// page group per 2,048 masks of a 4,275-key index. `rowOf(chunk, i)` places the rows.
    func demands(fresh: Bool = true, rowOf: (Int, Int) -> Int) -> (chunks: [IndexingBudget.ChunkDemand], admitted: [Bool]) {
        var chunks = [IndexingBudget.ChunkDemand](repeating: .init(), count: 64)
        for c in 0..<64 {
            for i in 0..<625 {
                let row = rowOf(c, i)
                chunks[c].add(neededBytes: 25_088, wholeBytes: 50_176, store: (group: row / 2048, pages: 4275))
            }
        }
        return (chunks, IndexingBudget.admitted(chunks, fresh: fresh))
    }

    @Test func consecutiveRowsIndexWithinTheShare() {
        let (chunks, admitted) = demands { c, i in c * 625 + i }
        let share = IndexingBudget.fraction * chunks.reduce(0) { $0 + $1.needed }
        #expect(admitted.filter { $0 }.count >= 1)
        // What was admitted costs at most the share (page groups paid once).
        var cost = 0.0, paid = Set<Int>()
        for (c, a) in zip(chunks, admitted) where a {
            cost += c.extra
            for (g, p) in c.storeGroups where paid.insert(g).inserted { cost += IndexingBudget.pageCost * Double(p) }
        }
        #expect(cost <= share)
    }

    @Test func scatteredRowsAreNotWorthIndexing() {
        // Each chunk's rows spread over the whole table (a top-k in bound order): every chunk
        // would touch every page group.
        let (_, admitted) = demands { c, i in i * 64 + c }
        #expect(admitted.allSatisfy { !$0 })
    }

    @Test func smallQueriesIndexEverything() {
        var chunks = [IndexingBudget.ChunkDemand](repeating: .init(), count: 4)
        for c in 0..<4 {
            for i in 0..<8 { chunks[c].add(neededBytes: 100, wholeBytes: 4096, store: (group: 0, pages: 200)) }
        }
        #expect(IndexingBudget.admitted(chunks, fresh: true) == [true, true, true, true])
        // A later batch of the same query gets no floor.
        #expect(IndexingBudget.admitted(chunks, fresh: false) == [false, false, false, false])
    }

    @Test func chunksWithoutWantingMasksAreNotAdmitted() {
        var c = IndexingBudget.ChunkDemand()
        c.add(neededBytes: 1000, wholeBytes: nil, store: nil)
        #expect(IndexingBudget.admitted([c], fresh: true) == [false])
    }
}
