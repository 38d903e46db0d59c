import Foundation
import MaskQuery
import MaskStorage

/// The open state of one database handle: idle `QuerySession`s (one is taken per running
/// query and given back, so concurrent queries never share one; separate stacks for
/// `useIndex` true and false) and a snapshot with its mask_id → row map for mask reads and
/// `ms_info`. All of it shows one snapshot of the database, so the handle drops it
/// (`drop`) after every write it makes.
///
/// - Complexity: taking or giving back a session is O(1) under a mutex; the first mask read
///   after a drop builds the row map, O(masks).
final class SessionPool: @unchecked Sendable {
    let path: String
    private let mutex = NSLock()
    private var idle: [Bool: [QuerySession]] = [:]
    private var catalog: MaskCatalog?

    /// A database snapshot and where each mask_id is in it.
    struct MaskCatalog {
        var database: Database
        var rowOfMask: [Int64: Int]
    }

    init(path: String) { self.path = path }

    /// Runs `body` with a session nobody else is using: an idle one, or a new one.
    func withSession<T>(useIndex: Bool, _ body: (QuerySession) throws -> T) throws -> T {
        let session = try take(useIndex: useIndex)
        defer { giveBack(session) }
        return try body(session)
    }

    private func take(useIndex: Bool) throws -> QuerySession {
        mutex.lock()
        let reused = idle[useIndex]?.popLast()
        mutex.unlock()
        if let reused { return reused }
        return try QuerySession(path: path, useIndex: useIndex)
    }

    private func giveBack(_ session: QuerySession) {
        mutex.lock()
        idle[session.useIndex, default: []].append(session)
        mutex.unlock()
    }

    /// The snapshot for mask reads (opened and mapped once per drop); nil while the
    /// directory is not yet a database.
    func maskCatalog() throws -> MaskCatalog? {
        mutex.lock()
        defer { mutex.unlock() }
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
