import Dispatch
import MaskQuery
import MaskStorage

/// A fixed number of query slots shared by all requests: a query takes a free slot (or waits
/// for one, in arrival order), runs on a Dispatch worker thread — never on an event loop — on a
/// session of the current snapshot (`SnapshotPool`: a commit by another process is seen by the
/// next query, and a query running across it finishes on its old snapshot), and frees the slot.
actor QueryPool {
    private let sessions: SnapshotPool<MaskCatalog>
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// `runners` queries at most run at once (at least 1).
    init(sessions: SnapshotPool<MaskCatalog>, runners: Int) {
        self.sessions = sessions
        free = max(1, runners)
    }

    private func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Runs `sql` in a free slot, off the event loops; `useIndex: false` reads every targeted
    /// mask and writes nothing (`--no-index`). Damage found in the metadata the query read is
    /// its error, as in `QuerySession`.
    func run(_ sql: String, useIndex: Bool, explain: ExplainRequest?) async throws -> QueryResult {
        await acquire()
        defer { release() }
        let sessions = self.sessions
        return try await Blocking.run {
            try sessions.withSession(useIndex: useIndex) { try $0.run(sql, explain: explain) }
        }
    }
}

/// Blocking work (queries, file reads, image encoding) moved off the caller's thread.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
