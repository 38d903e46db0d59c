import Foundation
import MaskQuery
import MaskStorage

/// The open state of one database handle: idle `QuerySession`s (one is taken per running
/// query and given back, so concurrent queries never share one; separate stacks for
/// `useIndex` true and false) and a snapshot with its mask_id → row map for mask reads and
/// `ms_info`. All of it shows one snapshot of the database: the handle drops it (`drop`)
/// after every write it makes, and every take compares the MANIFEST's stamp with the one the
/// pool was filled under, dropping everything when another handle or process committed since
/// (so a long-lived handle never answers from an old snapshot, as each CLI call would not).
///
/// - Complexity: taking or giving back a session is O(1) plus one `stat` under a mutex; the
///   first mask read after a drop builds the row map, O(masks).
final class SessionPool: @unchecked Sendable {
    let path: String
    private let mutex = NSLock()
    private var idle: [Bool: [QuerySession]] = [:]
    private var catalog: MaskCatalog?
    /// The MANIFEST's stamp read before the pooled sessions and the catalog were opened.
    private var stamp: ManifestStamp?

    /// A database snapshot and where each mask_id is in it.
    struct MaskCatalog {
        var database: Database
        var rowOfMask: [Int64: Int]
    }

    init(path: String) { self.path = path }

    /// Runs `body` with a session nobody else is using: an idle one, or a new one.
    func withSession<T>(useIndex: Bool, _ body: (QuerySession) throws -> T) throws -> T {
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
        catalog = nil
        stamp = now
    }

    /// The snapshot for mask reads (opened and mapped once per drop); nil while the
    /// directory is not yet a database.
    func maskCatalog() throws -> MaskCatalog? {
        mutex.lock()
        defer { mutex.unlock() }
        refresh()
        if let catalog { return catalog }
        guard Database.exists(at: path) else { return nil }
        let database = try Database(path: path)
        let ids = database.builtinColumn(0)
        var rowOfMask: [Int64: Int] = [:]
        rowOfMask.reserveCapacity(ids.count)
        for (row, id) in ids.enumerated() { rowOfMask[id] = row }
        catalog = MaskCatalog(database: database, rowOfMask: rowOfMask)
        return catalog
    }

    /// Forgets every session and the snapshot: they show the database before a write.
    /// Called only while no call uses them (under the handle's exclusive lock).
    func drop() {
        mutex.lock()
        idle = [:]
        catalog = nil
        mutex.unlock()
    }
}
