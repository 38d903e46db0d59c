/// Which of the masks a query verifies it also reads whole, so that the index can build their
/// entries (incremental indexing, CONTRACT.md section 4) — within a budget, so that a query on
/// an unindexed database costs at most about `fraction` more than the full scan.
///
/// Reading a mask whole instead of only the rows its boxes need costs the extra rows' decoding,
/// building the whole mask's CHI (`buildCost` × its bytes, relative to decoding them), and the
/// first touch of the index pages its entries land in (`pageCost` per page, `storePages`): the
/// pages of its own record in the index file's delta region (version 3: two for 224×224
/// masks), or, in an older file, one page per key column, once per page group of
/// `pageSize / entryWidth` consecutive masks not yet holding a valid mask. The choice is made
/// per *chunk* of the parallel pass (consecutive rows of the pass), before the pass: chunks are
/// admitted in order while their extra cost fits in the allowance (`admitted`). Whole chunks,
/// not every n-th mask: in an older file a run of consecutive masks shares its pages of every
/// column, where the same number of scattered masks would touch them all (a top-k's candidates,
/// visited in bound order, are then rarely indexed); with a delta region each mask pays for
/// its own record's pages, so small queries index all they read. The choice
/// depends only on the rows, their boxes and the index's validity bits, never on timing. Masks
/// not admitted are indexed by later queries, which admit their own share.
enum IndexingBudget {
    /// Extra work allowed, relative to the query's own decoding.
    static let fraction = 0.2
    /// Indexing a mask per byte of it, relative to decoding a byte: the SIMD CHI build runs at
    /// about LZ4-decoding speed (`masksearch-bench limits`: chi_build, lz4_decode_engine); storing
    /// its entries is a copy of a seventh of its bytes into its delta record (index version 3),
    /// whose first page touches are `pageCost` (`storePages`).
    static let buildCost = 1.0

    /// What one chunk of the pass would decode, and what reading its wanting masks whole would
    /// add.
    struct ChunkDemand {
        private(set) var needed = 0.0
        /// Extra decoding and CHI building of the wanting masks.
        private(set) var extra = 0.0
        private(set) var wanting = false
        /// Index page groups the wanting masks' entries go to, with their first-touch pages.
        private(set) var storeGroups: [Int: Int] = [:]

        /// A mask of the chunk needs `neededBytes` decoded; `wholeBytes` when the index wants it
        /// read whole (nil otherwise), and then the index page group its entries go to
        /// (`IndexObserver.storePages`).
        mutating func add(neededBytes: Int, wholeBytes: Int?, store: (group: Int, pages: Int)?) {
            needed += Double(neededBytes)
            guard let whole = wholeBytes else { return }
            wanting = true
            extra += Double(max(0, whole - neededBytes)) + IndexingBudget.buildCost * Double(whole)
            if let store { storeGroups[store.group] = store.pages }
        }
    }

    /// First touch of one index page (allocating and zeroing it in the page cache, the file
    /// system's block reservation), in bytes of decoding: ~6.5 µs, from a profile of a top-k
    /// query whose 405 scattered masks touched every page of the index (85k pages, half the
    /// query's time). A chunk pays it once per page group its masks fall in, per key column —
    /// so scattered masks (a top-k's candidates in bound order) are rarely worth indexing, and
    /// runs of consecutive masks are.
    static let pageCost = 19_000.0

    /// For each chunk, whether its masks that want it are read whole: in order, while their
    /// extra cost fits in the allowance — `fraction` of the pass's decoding, or `floorBytes`
    /// when that is more, so that small queries and small databases index all they read.
    /// `fresh`: no earlier pass of this query indexed anything (a query verifying in batches
    /// gets the floor on its first batch only, `IndexObserver.hasPendingEntries`).
    static func admitted(_ chunks: [ChunkDemand], fresh: Bool) -> [Bool] {
        let share = fraction * chunks.reduce(0.0) { $0 + $1.needed }
        var allowance = fresh ? max(share, floorBytes) : share
        var touched = Set<Int>()  // page groups paid for by admitted chunks
        return chunks.map { c in
            guard c.wanting else { return false }
            var cost = c.extra
            for (group, pages) in c.storeGroups where !touched.contains(group) { cost += pageCost * Double(pages) }
            guard cost <= allowance else { return false }
            allowance -= cost
            touched.formUnion(c.storeGroups.keys)
            return true
        }
    }

    /// Extra work any query may spend on indexing, in bytes of decoding (~10 ms on one core).
    static let floorBytes = 32_000_000.0
}
