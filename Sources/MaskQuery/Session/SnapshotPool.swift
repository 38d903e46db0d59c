import Foundation
import MaskStorage

/// The open state of a long-lived reader of one database (the C ABI's handle, `masksearch
/// serve`): idle `QuerySession`s (one is taken per running query and given back, so concurrent
/// queries never share one; separate stacks for `useIndex` true and false) and a catalog built
/// from one snapshot (`Catalog`: e.g. a mask_id → row map). All of it shows one snapshot of the
/// database: every take compares the MANIFEST's `ManifestStamp` with the one the pool was
/// filled under and drops everything when a commit (by any process or handle) happened since,
/// so a long-lived reader never answers from an old snapshot, as each CLI call would not.
/// `drop()` forgets the pool explicitly (after a write of the owner's own).
///
/// A session taken before a commit finishes its query on its old snapshot (complete and
/// consistent: readers see the old state or the new, never a mix) and is not pooled again.
///
/// - Complexity: taking or giving back a session is O(1) plus one `stat` under a mutex; the
///   first `catalog()` after a change opens the database and runs `makeCatalog` once.
public final class SnapshotPool<Catalog>: @unchecked Sendable {
    public let path: String
    private let makeCatalog: (Database) throws -> Catalog
    private let mutex = NSLock()
    private var idle: [Bool: [QuerySession]] = [:]
    private var cached: Catalog?
    /// The MANIFEST's stamp read before the pooled sessions and the catalog were opened.
    private var stamp: ManifestStamp?

    /// A pool for the database at `path` (which need not exist yet); `catalog` builds the
    /// catalog of a freshly opened snapshot.
    public init(path: String, catalog: @escaping (Database) throws -> Catalog) {
        self.path = path
        makeCatalog = catalog
    }

    /// Runs `body` with a session nobody else is using: an idle one of the current snapshot,
    /// or a new one.
    public func withSession<T>(useIndex: Bool, _ body: (QuerySession) throws -> T) throws -> T {
        let (session, stamp) = try take(useIndex: useIndex)
        defer { giveBack(session, stamp: stamp) }
        return try body(session)
    }

    /// An idle session of the current snapshot, or a new one; with the stamp it belongs to
    /// (read before a new session opens the database, so a stamp is never newer than its session).
    private func take(useIndex: Bool) throws -> (QuerySession, ManifestStamp?) {
        mutex.lock()
        refresh()
        let reused = idle[useIndex]?.popLast()
        let current = stamp
        mutex.unlock()
        if let reused { return (reused, current) }
        return (try QuerySession(path: path, useIndex: useIndex), current)
    }

    /// Pools `session` again unless the snapshot changed while it ran.
    private func giveBack(_ session: QuerySession, stamp taken: ManifestStamp?) {
        mutex.lock()
        if taken == stamp { idle[session.useIndex, default: []].append(session) }
        mutex.unlock()
    }

    /// Drops what the pool holds when the MANIFEST changed since it was filled. Under `mutex`.
    private func refresh() {
        let now = ManifestStamp(directory: path)
        guard now != stamp else { return }
        idle = [:]
        cached = nil
        stamp = now
    }

    /// The catalog of the current snapshot (opened once per change of the MANIFEST); nil while
    /// the directory is not yet a database. Throws what opening or `makeCatalog` throws, and
    /// keeps nothing then (the next call tries again).
    public func catalog() throws -> Catalog? {
        mutex.lock()
        defer { mutex.unlock() }
        refresh()
        if let cached { return cached }
        guard Database.exists(at: path) else { return nil }
        let made = try makeCatalog(try Database(path: path))
        cached = made
        return made
    }

    /// Forgets every session and the catalog: they show the database before a write of the
    /// owner's. Sessions running now finish on their snapshot and are not pooled again only
    /// if the MANIFEST changed; so call it only while none runs (the ABI holds its handle's
    /// exclusive lock).
    public func drop() {
        mutex.lock()
        idle = [:]
        cached = nil
        mutex.unlock()
    }
}
