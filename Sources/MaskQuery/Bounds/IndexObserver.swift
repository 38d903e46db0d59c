/// The index writer seen from the query layer: an observer of the masks a query reads whole,
/// which builds their index entries incrementally (CONTRACT.md section 4). `DatabaseIndex`
/// implements it (`DatabaseIndex+IndexObserver.swift`); a `--no-index` or read-only run has
/// none, and then no mask is read whole and nothing is indexed.
///
/// Kept apart from `CPBoundsSource` (read-only bounds): a verification pass (`VerificationPass`)
/// asks the observer which masks it wants whole, admits them within `IndexingBudget`, and hands
/// it each such mask's codes.
public protocol IndexObserver: Sendable {
    /// Called with the full mask's codes (height*width*bytesPerPixel bytes) whenever a
    /// verification pass read mask `row` whole for the observer. Returns true if a new entry was
    /// created. May be called from several threads at once (different rows).
    func observe(row: Int, pixels: UnsafeRawBufferPointer) -> Bool
    /// True when the pass should read the whole mask at `row` (not only the rows its boxes
    /// cover) so that `observe` can index it. Default: true; the database index answers false
    /// for masks that are already indexed or cannot be indexed.
    func wantsWholeMask(row: Int) -> Bool
    /// True when masks observed earlier (in this query) wait to be stored; the indexing budget
    /// then gives no more credit (`IndexingBudget.admitted`). Default: false.
    var hasPendingEntries: Bool { get }
    /// Where a new entry of mask `row` would be stored: its page `group` (masks of one group
    /// share their page of every key column) and the number of `pages` (key columns) that the
    /// group's first stored mask touches. nil: storing has no such cost. Default: nil.
    func storePages(row: Int) -> (group: Int, pages: Int)?
    /// True when the observer indexes after the answer (`QuerySession.deferIndexing`): a pass
    /// then reads only the rows its consumer needs and hands the masks it would have read whole
    /// to `defer(row:)` instead of `observe`. Default: false.
    var defersIndexing: Bool { get }
    /// Notes mask `row` for indexing after the answer (the observer reads it whole then);
    /// true when it was noted (not indexed, pending or noted already). Default: false.
    func deferIndexing(row: Int) -> Bool
}

extension IndexObserver {
    public func wantsWholeMask(row: Int) -> Bool { true }

    public var hasPendingEntries: Bool { false }

    public func storePages(row: Int) -> (group: Int, pages: Int)? { nil }

    public var defersIndexing: Bool { false }

    public func deferIndexing(row: Int) -> Bool { false }
}
