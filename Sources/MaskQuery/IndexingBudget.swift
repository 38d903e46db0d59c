/// Which of the masks a query verifies it also reads whole, so that the index can build their
/// entries (incremental indexing, CONTRACT.md section 4) — within a budget, so that a query on
/// an unindexed database costs at most about `fraction` more than the full scan.
///
/// Reading a mask whole instead of only the rows its boxes need costs the extra rows' decoding
/// plus building and storing the whole mask's CHI (`buildCost` × its bytes, relative to
/// decoding them). The choice is made per *chunk* of the parallel pass (consecutive
/// rows), before the pass: chunks are admitted in order while their extra cost fits in
/// `fraction` of the whole query's decoding — the first chunk with a mask to index always, on
/// credit, so that even small queries make progress. Whole chunks, not every n-th mask: the
/// index stores entries column by column, and a run of consecutive masks touches a few pages
/// of each column where the same number of scattered masks would touch them all. The choice
/// depends only on the rows and their boxes, never on timing. Masks not admitted are indexed by
/// later queries, which admit their own share (the first chunks are then already indexed).
enum IndexingBudget {
    /// Extra work allowed, relative to the query's own decoding.
    static let fraction = 0.25
    /// Indexing a mask per byte of it, relative to decoding a byte: the SIMD CHI build runs at
    /// about LZ4-decoding speed (`masksearch-bench limits`: chi_build, lz4_decode_engine), and
    /// storing its entries into the key columns — first touches of index pages included —
    /// costs about as much again (profile of a first query on an unindexed database).
    static let buildCost = 2.0

    /// What one chunk of the pass would decode, and what reading its wanting masks whole would
    /// add.
    struct ChunkDemand {
        private(set) var needed = 0.0
        private(set) var extra = 0.0
        private(set) var wanting = false

        /// A mask of the chunk that needs `neededBytes` decoded; `wholeBytes` when the index
        /// wants it read whole (nil otherwise).
        mutating func add(neededBytes: Int, wholeBytes: Int?) {
            needed += Double(neededBytes)
            guard let whole = wholeBytes else { return }
            wanting = true
            extra += Double(max(0, whole - neededBytes)) + IndexingBudget.buildCost * Double(whole)
        }
    }

    /// For each chunk, whether its masks that want it are read whole.
    static func admitted(_ chunks: [ChunkDemand]) -> [Bool] {
        var allowance = fraction * chunks.reduce(0.0) { $0 + $1.needed }, admittedAny = false
        return chunks.map { c in
            guard c.wanting, !admittedAny || c.extra <= allowance else { return false }
            admittedAny = true
            allowance -= c.extra
            return true
        }
    }
}
