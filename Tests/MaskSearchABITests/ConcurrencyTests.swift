import Foundation
@testable import MaskSearchABI
import Testing

/// One handle used from many threads: queries run concurrently and answer as sequential
/// calls do; a query during an ingest sees the database before or after it, never between.
@Suite struct ConcurrencyTests {
    static let queries = [
        "SELECT mask_id, CP(mask, full, 0.3, 0.7) AS c FROM masks ORDER BY c DESC, mask_id LIMIT 5",
        "SELECT mask_id FROM masks WHERE CP(mask, full, 0.5, 1.0) > 10 ORDER BY mask_id",
        "SELECT COUNT(*), SUM(CP(mask, full, 0.1, 0.9)) FROM masks",
        "SELECT mask_id, CP(mask, full, 0.8, 1.0) / AREA(full) AS r FROM masks ORDER BY r ASC, mask_id LIMIT 3",
    ]

    /// The rows of `sql` as text (the JSON's "rows" re-serialised), or the error message.
    static func answer(_ db: OpaquePointer?, _ sql: String, useIndex: Bool) -> String {
        let e = CError()
        guard let text = take(ms_query_json(db, sql, useIndex ? 1 : 0, e.pointer)) else { return e.message ?? "?" }
        let rows = object(text)["rows"] ?? []
        return String(data: (try? JSONSerialization.data(withJSONObject: rows)) ?? Data(), encoding: .utf8) ?? ""
    }

    @Test func eightThreadsGiveTheSequentialAnswers() {
        let dir = ScratchDirectory()
        let e = CError()
        let db = ms_open(dir.db, 1, e.pointer)
        defer { ms_close(db) }
        _ = ingest(db, uint8Masks(count: 60, height: 16, width: 12), count: 60, height: 16, width: 12, type: 0, error: e)
        let jobs = (0..<64).map { (Self.queries[$0 % Self.queries.count], $0 % 3 != 0) }
        let sequential = jobs.map { Self.answer(db, $0.0, useIndex: $0.1) }
        final class Answers: @unchecked Sendable { var values: [String?]; let lock = NSLock(); init(_ n: Int) { values = Array(repeating: nil, count: n) } }
        let answers = Answers(jobs.count)
        nonisolated(unsafe) let handle = db
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for i in stride(from: thread, to: jobs.count, by: 8) {
                let a = Self.answer(handle, jobs[i].0, useIndex: jobs[i].1)
                answers.lock.lock()
                answers.values[i] = a
                answers.lock.unlock()
            }
        }
        #expect(answers.values == sequential.map { Optional($0) })
    }

    @Test func aQueryDuringAnIngestSeesBeforeOrAfter() {
        let dir = ScratchDirectory()
        let e = CError()
        let db = ms_open(dir.db, 1, e.pointer)
        defer { ms_close(db) }
        let batch = uint8Masks(count: 200, height: 32, width: 32)
        _ = ingest(db, batch, count: 200, height: 32, width: 32, type: 0, error: e)
        nonisolated(unsafe) let handle = db
        final class Counts: @unchecked Sendable { var seen: [Int] = []; let lock = NSLock() }
        let counts = Counts()
        DispatchQueue.concurrentPerform(iterations: 3) { thread in
            if thread == 0 {
                let err = CError()
                for _ in 0..<3 { _ = ingest(handle, batch, count: 200, height: 32, width: 32, type: 0, error: err) }
            } else {
                for _ in 0..<20 {
                    let n = rows(handle, "SELECT COUNT(*) FROM masks")?.first?.first as? Int ?? -1
                    counts.lock.lock()
                    counts.seen.append(n)
                    counts.lock.unlock()
                }
            }
        }
        #expect(counts.seen.allSatisfy { [200, 400, 600, 800].contains($0) }, "\(counts.seen)")
        #expect(rows(db, "SELECT COUNT(*) FROM masks")?.first?.first as? Int == 800)
    }

    @Test func closeWaitsForRunningCallsThenRefusesNewOnes() throws {
        let dir = ScratchDirectory()
        let handle = DatabaseHandle(path: dir.path)
        let inside = DispatchSemaphore(value: 0)
        final class Flag: @unchecked Sendable { var finished = false }
        let flag = Flag()
        Thread.detachNewThread {
            try? handle.read { _ in
                inside.signal()
                usleep(50_000)
                flag.finished = true
            }
        }
        inside.wait()
        handle.close()
        #expect(flag.finished)
        #expect(throws: ABIError.closed) { try handle.read { _ in 1 } }
        #expect(throws: ABIError.closed) { try handle.write { 1 } }
    }
}
