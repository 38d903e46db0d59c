import MaskIndex

/// The database's index is also the query's index writer: `observe`, `wantsWholeMask`,
/// `hasPendingEntries` and `storePages` are `DatabaseIndex`'s own, forwarded to its
/// `IndexWriter` (incremental indexing). For an index file with a delta region (version 3),
/// `storePages` gives the pages of the mask's own delta record, its group being the mask
/// itself. `QuerySession` passes it as the observer only when it was opened incremental.
extension DatabaseIndex: IndexObserver {}
