import Foundation
import MaskStorage

/// The state behind an `ms_shard_write *` (masksearch.h, "Sharded databases"): one
/// `ShardedWrite` (the root's LOCK held, every shard's MANIFEST journaled in SHARDS) that this
/// process commits or rolls back while other processes write the shards (Format/shards.md,
/// "Sharded writes by several processes"). `before` lists the shards that held a database when
/// the write began (newly created shards get their ROI sets at commit).
final class ShardWriteHandle: @unchecked Sendable {
    let write: ShardedWrite
    let before: [Int]
    private let mutex = NSLock()
    private var finished = false

    init(directory: String) throws {
        write = try ShardedWrite(directory: directory)
        before = write.databaseShards
    }

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer?, _ function: String) throws(ABIError) -> ShardWriteHandle {
        guard let pointer else { throw ABIError.argument(function, "write is NULL") }
        return Unmanaged<ShardWriteHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    /// Balances the retain of `opaque`.
    static func release(_ pointer: OpaquePointer) {
        Unmanaged<ShardWriteHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }

    /// Runs `body` unless the write has ended (then MS_ERROR_CLOSED); `end` marks it ended.
    func use<T>(end: Bool = false, _ body: () throws -> T) throws -> T {
        mutex.lock()
        defer { mutex.unlock() }
        guard !finished else { throw ABIError(.closed, "error: the sharded write has already been committed or rolled back") }
        if end { finished = true }
        return try body()
    }

    /// Commits: the created shards get the ROI sets, then the clean map of the next epoch. A
    /// failure rolls the whole write back and is rethrown.
    func commit() throws {
        do {
            try write.shareROISets(createdSince: before)
            try write.commit()
        } catch {
            try? write.rollback()
            throw error
        }
    }
}
