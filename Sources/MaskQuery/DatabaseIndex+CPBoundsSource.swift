import MaskIndex

/// The database's Cumulative Histogram Index is the executor's bounds source: `bounds`
/// from valid entries, `observe` for incremental indexing (see `DatabaseIndex`).
extension DatabaseIndex: CPBoundsSource {}
