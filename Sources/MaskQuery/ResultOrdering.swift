import MaskFormat

/// One output row with its sort keys and tie-breaker (mask_id, or the group key when grouped).
struct ResultRow: Sendable {
    var values: [ColumnValue]
    var keys: [ColumnValue]
    var tie: ColumnValue
}

/// The total order of CONTRACT.md section 3: ORDER BY keys (ASC / DESC, NULLs last in both
/// directions), then ascending mask_id (group key when grouped; a NULL group key last).
struct ResultOrdering: Sendable {
    var descending: [Bool]

    /// -1, 0, 1 for one key: NULLs after every value in both directions.
    static func compareKey(_ a: ColumnValue, _ b: ColumnValue, descending: Bool) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        default:
            let c = ValueSemantics.compare(a, b) ?? 0
            return descending ? -c : c
        }
    }

    func compare(_ a: ResultRow, _ b: ResultRow) -> Int {
        for (i, d) in descending.enumerated() {
            let c = Self.compareKey(a.keys[i], b.keys[i], descending: d)
            if c != 0 { return c }
        }
        return Self.compareKey(a.tie, b.tie, descending: false)
    }

    func sort(_ rows: inout [ResultRow]) {
        rows.sort { compare($0, $1) < 0 }
    }
}
