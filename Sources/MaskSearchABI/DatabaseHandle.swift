import MaskStorage

/// What an `ms_database *` points to (passed to C with `Unmanaged`, retained once by
/// `ms_open`, released by `ms_close`).
///
/// Concurrency: a readers–writer lock. Queries, mask reads and `ms_info` hold it shared and
/// run at once (each query on its own pooled `QuerySession`); ingest, ROI loads and index
/// builds hold it exclusively, then drop the pool (its sessions hold the old snapshot).
/// `close` takes it exclusively, so it waits for running calls; a call that acquires the
/// lock after it fails with `ABIError.closed`.
public final class DatabaseHandle: @unchecked Sendable {
    public let path: String
    private let lock = ReadersWriterLock()
    let pool: SessionPool
    /// Written only under the exclusive lock.
    private var closed = false

    init(path: String) {
        self.path = path
        pool = SessionPool(path: path)
    }

    /// Runs `body` with the lock shared.
    func read<T>(_ body: (SessionPool) throws -> T) throws -> T {
        try lock.shared { () throws -> T in
            guard !closed else { throw ABIError.closed }
            return try body(pool)
        }
    }

    /// Runs `body` with the lock exclusive, then drops the pooled snapshot (also on failure:
    /// a failed write changes nothing, but dropping is always safe).
    func write<T>(_ body: () throws -> T) throws -> T {
        try lock.exclusive { () throws -> T in
            guard !closed else { throw ABIError.closed }
            defer { pool.drop() }
            return try body()
        }
    }

    /// Waits for running calls, then marks the handle closed and frees the pooled sessions.
    func close() {
        lock.exclusive {
            closed = true
            pool.drop()
        }
    }

    // MARK: - Passing through C

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    /// The handle behind `pointer`, retained for the duration of the call.
    static func from(_ pointer: OpaquePointer?, _ function: String) throws(ABIError) -> DatabaseHandle {
        guard let pointer else { throw ABIError.argument(function, "the database handle is NULL") }
        return Unmanaged<DatabaseHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    /// Balances the retain of `opaque`.
    static func release(_ pointer: OpaquePointer) {
        Unmanaged<DatabaseHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
    }
}
