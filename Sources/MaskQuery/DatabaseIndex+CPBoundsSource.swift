import MaskIndex

/// The database's Cumulative Histogram Index is the executor's bounds source: `bounds` from
/// the entries of the key columns or the delta region, `observe` / `wantsWholeMask` /
/// `storePages` / `hasPendingEntries` for incremental indexing, forwarded to its
/// `IndexWriter` (see `DatabaseIndex`): `storePages` gives, for an index file with a delta
/// region, the pages of the mask's own record (its group is the mask itself).
extension DatabaseIndex: CPBoundsSource {}
