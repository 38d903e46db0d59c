import MaskIndex

/// The database's Cumulative Histogram Index is the executor's bounds source: `bounds` from
/// the entries of its files' key columns or delta regions (see `DatabaseIndex+Bounds`).
extension DatabaseIndex: CPBoundsSource {}
