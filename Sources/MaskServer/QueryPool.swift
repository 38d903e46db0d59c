import Dispatch
import MaskQuery
import MaskStorage

/// A fixed set of `QueryRunner`s shared by all requests: a query takes a free runner (or
/// waits for one, in arrival order), runs on a Dispatch worker thread — never on an event
/// loop — and gives the runner back. Each runner runs one query at a time.
actor QueryPool {
    private var idle: [QueryRunner]
    private var waiting: [CheckedContinuation<QueryRunner, Never>] = []

    init(path: String, runners: Int) throws(StorageError) {
        var made: [QueryRunner] = []
        for _ in 0..<max(1, runners) { made.append(try QueryRunner(path: path)) }
        idle = made
    }

    private func acquire() async -> QueryRunner {
        if let runner = idle.popLast() { return runner }
        return await withCheckedContinuation { waiting.append($0) }
    }

    private func release(_ runner: QueryRunner) {
        if waiting.isEmpty {
            idle.append(runner)
        } else {
            waiting.removeFirst().resume(returning: runner)
        }
    }

    /// Runs `sql` on a free runner, off the event loops.
    func run(_ sql: String, useIndex: Bool, explain: ExplainRequest?) async throws -> QueryResult {
        let runner = await acquire()
        defer { release(runner) }
        return try await Blocking.run { try runner.run(sql, useIndex: useIndex, explain: explain) }
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
