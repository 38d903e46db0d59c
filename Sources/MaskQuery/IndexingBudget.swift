/// Which of the masks a query verifies it also reads whole, so that the index can build their
/// entries (incremental indexing, CONTRACT.md section 4) — within a budget, so that a query on
/// an unindexed database costs at most about `fraction` more than the full scan.
///
/// Reading a mask whole instead of only the rows its boxes need costs the extra rows' decoding
/// plus the CHI build of the whole mask (`buildCost` × its bytes, relative to decoding them).
/// Every verified mask adds `fraction` × its needed bytes to the allowance; a mask is read whole
/// when the allowance covers what the masks admitted so far cost — and the first mask of every
/// budget is admitted on credit, so that even small queries make progress (a query over a few
/// masks, repeated, indexes them all). Each worker keeps its own budget over its own chunk of
/// masks, so the choice depends only on the chunking, never on timing. Masks not admitted are
/// indexed by later queries, which admit their own share.
struct IndexingBudget {
    /// Extra work allowed, relative to the query's own decoding.
    static let fraction = 0.25
    /// CHI construction per byte of mask, relative to decoding a byte (the SIMD build is about
    /// twice as fast as LZ4 decoding; `masksearch-bench limits`: chi_build, lz4_decode_engine).
    static let buildCost = 0.5

    private var allowance = 0.0
    private var spent = 0.0
    private var admitted = 0

    /// Records a verified mask that needs `neededBytes` decoded (its boxes' rows) and returns
    /// true when it should be read whole (`wholeBytes`) and indexed.
    mutating func admit(neededBytes: Int, wholeBytes: Int) -> Bool {
        allowance += Self.fraction * Double(neededBytes)
        let extra = Double(max(0, wholeBytes - neededBytes)) + Self.buildCost * Double(wholeBytes)
        guard admitted == 0 || spent + extra <= allowance else { return false }
        spent += extra
        admitted += 1
        return true
    }
}
