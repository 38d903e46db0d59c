import Foundation
import MaskIndex
import MaskStorage
import MaskTestSupport
import Testing
@testable import MaskQuery

/// Readers and writers at the same time in one process (issue 14, item 3b): `QuerySession`
/// threads (a fresh session per query, as each CLI call; pooled sessions of a `SnapshotPool`, as
/// the C ABI and the server; and full scans) run while the test thread ingests, builds the
/// index and replaces an ROI set through the library. Every answer equals the brute-force
/// answer of one committed state (computed on a twin), never going back, never an error. And
/// two writers of one process at once are serialised (`DatabaseLock` excludes threads too).
@Suite(.serialized) struct ConcurrentSessionTests {
    static let queries = [
        "SELECT COUNT(*), SUM(CP(mask, obj, 0.5, 1.0)), SUM(AREA(obj)) FROM masks",
        "SELECT mask_id, CP(mask, (4, 4, 28, 28), 0.6, 1.0) AS c FROM masks ORDER BY c DESC LIMIT 5",
        "SELECT mask_id, CP(mask, obj, 0.3, 1.0) AS c FROM masks WHERE CP(mask, full, 0.7, 1.0) > 30 ORDER BY c DESC LIMIT 8",
    ]
    static let side = 40

    /// `n` seeded blob masks (uint8, side × side), ingested from memory into `db`.
    static func ingest(_ db: String, n: Int, seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(n * side * side)
        for _ in 0..<n {
            let cx = Int(rng.next() % UInt64(side)), cy = Int(rng.next() % UInt64(side)), r = Int(rng.next() % 12) + 4
            for y in 0..<side {
                for x in 0..<side { bytes.append(UInt8(max(0, 255 - (abs(x - cx) + abs(y - cy)) * 128 / r))) }
            }
        }
        try bytes.withUnsafeBytes { raw in
            let buffer = MaskBuffer(base: raw.baseAddress!, count: n, height: side, width: side, elementType: .uint8)
            _ = try Ingester.ingest(into: db, sources: [.buffer(buffer)], options: .init())
        }
    }

    static func boxes(n: Int, shift: Int) -> String {
        var text = "image_id,x0,y0,x1,y1\n"
        for i in 1...n { text += "\(i),\((i * 7 + shift) % 20),\((i * 5 + shift) % 16),\((i * 7 + shift) % 20 + 24),\((i * 5 + shift) % 16 + 26)\n" }
        return text
    }

    static func answer(_ session: QuerySession, _ sql: String) throws -> String {
        ResultFormatter.format(try session.run(sql), as: .csv)
    }

    /// The committed states: a + roi r1, then each step of `write`.
    static func write(_ db: String, step: Int) throws {
        switch step {
        case 0:
            try ingest(db, n: 200, seed: 1)
            _ = try ROISetLoader.load(into: db, name: "obj", csvText: boxes(n: 1400, shift: 0))
        case 1: try ingest(db, n: 1200, seed: 2)
        case 2: _ = try IndexBuilder.build(databasePath: db, bins: nil, cell: nil)
        default: _ = try ROISetLoader.load(into: db, name: "obj", csvText: boxes(n: 1400, shift: 9))
        }
    }

    @Test func sessionsDuringIngestIndexAndROIReplacementSeeOldOrNew() throws {
        let dir = Scratch("ms-concsession")
        var states: [[String]] = []
        for step in 0...3 {
            try Self.write(dir.path + "/twin", step: step)
            let scan = try QuerySession(path: dir.path + "/twin", useIndex: false)
            states.append(try Self.queries.map { try Self.answer(scan, $0) })
        }
        #expect(states[0][0] != states[1][0] && states[1] == states[2] && states[2][0] != states[3][0])
        let db = dir.path + "/db"
        try Self.write(db, step: 0)
        let pool = SnapshotPool<Void>(path: db) { _ in () }
        let readers = ReaderLoop(threads: 3) { thread, i in
            let q = i % Self.queries.count
            do {
                let text: String
                switch thread {
                case 0: text = try Self.answer(try QuerySession(path: db), Self.queries[q])
                case 1: text = try pool.withSession(useIndex: true) { try Self.answer($0, Self.queries[q]) }
                default: text = try Self.answer(try QuerySession(path: db, useIndex: false), Self.queries[q])
                }
                return ReaderLoop.Answer(query: q, status: 0, text: text)
            } catch {
                return ReaderLoop.Answer(query: q, status: 1, text: "\(error)")
            }
        }
        let overlapped = try readers.interleave((1...3).map { step in { try Self.write(db, step: step) } }, each: Self.queries.count)
        let answers = readers.stop()
        let report = StateCheck.check(answers, states: states)
        #expect(report.failures.isEmpty, "\(report.failures.prefix(3))")
        #expect(report.finalStates.allSatisfy { $0 == states.count - 1 }, "\(report.finalStates)")
        print("concurrency(sessions): \(answers.joined().count) queries, \(overlapped) completed while a writer ran, "
              + "states seen \(report.seen), errors \(report.failures.count)")
    }

    /// Ingests, index builds, ROI loads and queries' index flushes of one process at once, four
    /// rounds: every write lands (no commit overwrites another's) and answers stay exact.
    @Test func writersOfOneProcessAreSerialised() throws {
        let dir = Scratch("ms-concwriters")
        let db = dir.path + "/db"
        try Self.write(db, step: 0)
        let rounds = 4, batch = 150
        for round in 0..<rounds {
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 4) { job in
                do {
                    switch job {
                    case 0: try Self.ingest(db, n: batch, seed: 100 + UInt64(round))
                    case 1: _ = try IndexBuilder.build(databasePath: db, bins: nil, cell: nil)
                    case 2: _ = try ROISetLoader.load(into: db, name: "obj\(round)", csvText: Self.boxes(n: 1400, shift: round))
                    default: _ = try Self.answer(try QuerySession(path: db), Self.queries[2])
                    }
                } catch {
                    failures.add("job \(job): \(error)")
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all)")
        }
        let database = try Database(path: db)
        #expect(database.count == 200 + rounds * batch)
        #expect(database.roiSetNames == ["obj"] + (0..<rounds).map { "obj\($0)" })
        let indexed = try QuerySession(path: db), scan = try QuerySession(path: db, useIndex: false)
        for sql in Self.queries { #expect(try Self.answer(indexed, sql) == Self.answer(scan, sql)) }
    }
}

/// Errors collected from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ s: String) { lock.lock(); list.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return list }
}

/// A temporary directory, removed at deinit.
final class Scratch {
    let path: String
    init(_ prefix: String) {
        path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
