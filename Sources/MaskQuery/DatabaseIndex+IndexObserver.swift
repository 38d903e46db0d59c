import MaskIndex

/// The database's index is also the query's index writer: `observe`, `wantsWholeMask`,
/// `hasPendingEntries` and `storePages` are `DatabaseIndex`'s own (incremental indexing; see
/// `DatabaseIndex`). `QuerySession` passes it as the observer only when it was opened
/// incremental.
extension DatabaseIndex: IndexObserver {}
