import Foundation
import MaskTestSupport
import Testing

/// Readers and writers at the same time, through the real binary (issue 14, item 3).
///
/// Readers run `masksearch query` in a loop (two threads, with and without the index) while the
/// test runs writers one after another: an ingest, an index build, a replacement of an ROI set.
/// Every answer must equal the brute-force (`--no-index`) answer of one of the committed states,
/// computed beforehand on a twin database, states must never go backwards for one reader, and
/// every query must exit 0. Synchronisation is on observable events only: the count of answers
/// the readers completed after a writer returned (no fixed sleeps).
@Suite(.serialized) struct ConcurrencyCLITests {
    static let queries = [
        "SELECT COUNT(*), SUM(CP(mask, obj, 0.5, 1.0)), SUM(AREA(obj)) FROM masks",
        "SELECT mask_id, CP(mask, (4, 4, 28, 28), 0.6, 1.0) AS c FROM masks ORDER BY c DESC LIMIT 5",
        "SELECT mask_id, CP(mask, obj, 0.3, 1.0) AS c FROM masks WHERE CP(mask, full, 0.7, 1.0) > 30 ORDER BY c DESC LIMIT 8",
    ]
    static let (first, second, side) = (300, 1500, 48)

    /// The ROI CSV `obj`: a box per image_id 1...n, shifted by `shift`.
    static func writeBoxes(_ path: String, n: Int, shift: Int) throws {
        var text = "image_id,x0,y0,x1,y1\n"
        for i in 1...n { text += "\(i),\((i * 7 + shift) % 20),\((i * 5 + shift) % 16),\((i * 7 + shift) % 20 + 24),\((i * 5 + shift) % 16 + 26)\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Input files: the first and second mask batches and two versions of the ROI set.
    static func inputs(_ s: Scratch) throws {
        try writeNpyU8(s.path + "/a.npy", n: first, h: side, w: side, seed: 11)
        try writeNpyU8(s.path + "/b.npy", n: second, h: side, w: side, seed: 12)
        try writeBoxes(s.path + "/r1.csv", n: first + second, shift: 0)
        try writeBoxes(s.path + "/r2.csv", n: first + second, shift: 9)
    }

    /// The writers' steps after the initial state (ingest a + roi r1).
    static func steps(_ s: Scratch, _ db: String) -> [[String]] {
        [["ingest", db, s.path + "/b.npy"], ["index", db], ["roi", db, "obj", s.path + "/r2.csv"]]
    }

    static func answer(_ db: String, _ sql: String, index: Bool) throws -> CLI.Result {
        try CLI.run(["query", db, sql, "--format", "csv"] + (index ? [] : ["--no-index"]))
    }

    /// The brute-force answers of every query in each committed state, on a twin database.
    static func stateAnswers(_ s: Scratch) throws -> [[String]] {
        let twin = s.path + "/twin"
        #expect(try CLI.run(["ingest", twin, s.path + "/a.npy"]).status == 0)
        #expect(try CLI.run(["roi", twin, "obj", s.path + "/r1.csv"]).status == 0)
        var states = [try queries.map { try answer(twin, $0, index: false).stdout }]
        for step in steps(s, twin) {
            #expect(try CLI.run(step).status == 0)
            states.append(try queries.map { try answer(twin, $0, index: false).stdout })
        }
        return states
    }

    @Test func queriesDuringIngestIndexAndROIReplacementSeeOldOrNew() throws {
        let s = Scratch()
        try Self.inputs(s)
        let states = try Self.stateAnswers(s)
        // The states differ where they should: the ingest and the ROI replacement change answers.
        #expect(states[0][0] != states[1][0] && states[2][0] != states[3][0] && states[1] == states[2])
        let db = s.path + "/db"
        #expect(try CLI.run(["ingest", db, s.path + "/a.npy"]).status == 0)
        #expect(try CLI.run(["roi", db, "obj", s.path + "/r1.csv"]).status == 0)
        let readers = ReaderLoop(threads: 2) { thread, i in
            let sql = Self.queries[i % Self.queries.count]
            let r = try Self.answer(db, sql, index: thread == 0 || i % 2 == 0)
            return ReaderLoop.Answer(query: i % Self.queries.count, status: r.status, text: r.status == 0 ? r.stdout : r.stderr)
        }
        let overlapped = try readers.interleave(Self.steps(s, db).map { step in
            { let r = try CLI.run(step); #expect(r.status == 0, "\(step[0]): \(r.stderr)") }
        }, each: Self.queries.count)
        let answers = readers.stop()
        let report = StateCheck.check(answers, states: states)
        #expect(report.failures.isEmpty, "\(report.failures.prefix(3))")
        // The last answers of each reader (started after the last writer returned) show the last state.
        #expect(report.finalStates.allSatisfy { $0 == states.count - 1 }, "\(report.finalStates)")
        print("concurrency(cli): \(answers.joined().count) queries, \(overlapped) completed while a writer ran, "
              + "states seen \(report.seen), errors \(report.failures.count)")
    }

    /// Queries indexing after their answers at the same time: with the index file made, each
    /// writes its masks' delta records from its cores under the database lock
    /// (`IndexWriter.storeIntoDelta`). Two threads of queries over disjoint groups of masks;
    /// afterwards every mask read has its record, none is damaged, and indexed answers equal
    /// the scan's.
    @Test func queriesIndexingAtOnceKeepEveryRecord() throws {
        let s = Scratch()
        let db = s.path + "/db"
        try writeNpyU8(s.path + "/m.npy", n: 480, h: 32, w: 32, seed: 21)
        #expect(try CLI.run(["ingest", db, s.path + "/m.npy"]).status == 0)
        @Sendable func sql(_ lo: Int, _ hi: Int) -> String {
            "SELECT mask_id FROM masks WHERE mask_id >= \(lo) AND mask_id < \(hi) AND CP(mask, (4, 4, 24, 20), 0.5, 1.0) > 60"
        }
        // The first query creates the index file; its delta region has room for every mask.
        #expect(try CLI.run(["query", db, sql(0, 40)]).status == 0)
        let lock = NSLock()
        nonisolated(unsafe) var failures: [String] = []
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            for g in 0..<11 {
                let lo = 40 + (2 * g + t) * 20
                let r = try? CLI.run(["query", db, sql(lo, lo + 20)])
                if r?.status != 0 { lock.withLock { failures.append("\(lo): \(r?.stderr ?? "not run")") } }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        let chi = try FileManager.default.contentsOfDirectory(atPath: db).first { $0.hasPrefix("chi-") } ?? "none"
        let dump = try CLI.run(["dump", db + "/" + chi])
        #expect(dump.stdout.contains("corruptions: 0") && dump.stdout.contains("delta:        480 of 480 records"), "\(dump.stdout)")
        let (indexed, scan) = (try CLI.run(["query", db, sql(0, 480), "--format", "json"]),
                               try CLI.run(["query", db, sql(0, 480), "--no-index", "--format", "json"]))
        #expect(try TinyJSON.parse(indexed.stdout)["rows"] == TinyJSON.parse(scan.stdout)["rows"])
        #expect(try TinyJSON.parse(indexed.stdout)["stats"]?["newly_indexed"] == .int(0), "\(indexed.stdout)")
    }
}
