import Foundation
import Testing

/// kill -9 at chosen points of an ingest or an index build (through the fault shim: before the
/// n-th write event, n spread over the command's whole count) leaves the database as it was
/// before, or with the new data fully present; never half. The next writer works and cleans up
/// after the dead one. (CrashSweepTests kills at every event of small commands.)
@Suite(.serialized) struct CrashSafetyTests {
    func maskCount(_ db: String) throws -> Int? {
        let r = try CLI.run(["query", db, "SELECT COUNT(*) AS n FROM masks GROUP BY mask_type", "--format", "csv"])
        guard r.status == 0 else { return nil }
        return r.stdout.split(separator: "\n").dropFirst().compactMap { Int($0) }.reduce(0, +)
    }

    /// Seven events from the first to the last of `count`: early, mid-stream, near the commit.
    func killPoints(_ count: Int) -> [Int] {
        Array(Set([1, 2, count / 4, count / 2, 3 * count / 4, count - 1, count].filter { $0 >= 1 })).sorted()
    }

    @Test func killDuringIngest() throws {
        let s = Scratch()
        let db = s.path + "/db"
        let small = s.path + "/small.npy", big = s.path + "/big.npy"
        try writeNpyU8(small, n: 10, h: 64, w: 64, seed: 1)
        try writeNpyU8(big, n: 1500, h: 64, w: 64, seed: 2)
        let first = try CLI.run(["ingest", db, small])
        #expect(first.status == 0, "\(first.stderr)")
        // Count the events of the big ingest on a copy.
        let probe = s.path + "/probe"
        try FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: db, toPath: probe + "/db")
        let counted = try FaultShim.count(["ingest", probe + "/db", big], root: probe)
        #expect(counted.result.status == 0 && counted.events > 5, "\(counted)")
        var expected = 10
        for n in killPoints(counted.events) {
            let r = try FaultShim.crash(["ingest", db, big], root: db, at: n)
            #expect(r.status != 0, "not killed at event \(n) of \(counted.events)")
            let masks = try #require(try maskCount(db), "database unreadable after a kill at event \(n)")
            #expect(masks == expected || masks == expected + 1500, "after a kill at event \(n): \(masks) masks")
            expected = masks
        }
        // A clean ingest after the kills succeeds and leaves no stray files.
        let again = try CLI.run(["ingest", db, small])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try maskCount(db) == expected + 10)
        let strays = try FileManager.default.contentsOfDirectory(atPath: db).filter { $0.contains(".tmp-") }
        #expect(strays.isEmpty, "\(strays)")
    }

    @Test func killDuringIndex() throws {
        let s = Scratch()
        let base = s.path + "/base", db = s.path + "/db"
        try writeNpyU8(s.path + "/m.npy", n: 200, h: 64, w: 64, seed: 3)
        #expect(try CLI.run(["ingest", base, s.path + "/m.npy"]).status == 0)
        let query = "SELECT mask_id FROM masks WHERE CP(mask, (8, 8, 40, 40), 0.5, 1.0) > 300 ORDER BY mask_id"
        let expected = try CLI.run(["query", base, query, "--no-index", "--format", "csv"])
        try Trees.copy(base, to: db)
        let counted = try FaultShim.count(["index", db], root: db)
        #expect(counted.result.status == 0 && counted.events > 3, "\(counted)")
        // Each kill on a fresh copy of the unindexed database, then a query reads what it left.
        for n in killPoints(counted.events) {
            try Trees.copy(base, to: db)
            let r = try FaultShim.crash(["index", db], root: db, at: n)
            #expect(r.status != 0, "not killed at event \(n) of \(counted.events)")
            let answer = try CLI.run(["query", db, query, "--format", "csv"])
            #expect(answer.status == 0 && answer.stdout == expected.stdout, "after a kill at event \(n): \(answer.stderr)")
            let again = try CLI.run(["index", db])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try CLI.run(["query", db, query, "--format", "csv"]).stdout == expected.stdout)
            let strays = try FileManager.default.contentsOfDirectory(atPath: db).filter { $0.contains(".tmp-") }
            #expect(strays.isEmpty, "\(strays)")
        }
    }

    /// A first ingest killed after writing its segment but before its manifest leaves the
    /// directory with LOCK, seg-000001.mss and MANIFEST.tmp-<pid>: the next ingest takes it as
    /// a new database and sweeps them; a directory holding any other file is still refused.
    @Test func killedFirstIngestDoesNotBlockTheNext() throws {
        let s = Scratch()
        let db = s.path + "/db"
        try writeNpyU8(s.path + "/m.npy", n: 10, h: 32, w: 32, seed: 4)
        let probe = s.path + "/probe"
        try FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        let counted = try FaultShim.count(["ingest", probe + "/db", s.path + "/m.npy"], root: probe)
        #expect(counted.result.status == 0, "\(counted.result.stderr)")
        // The last two events are the manifest's rename and the directory's fsync.
        let r = try FaultShim.crash(["ingest", db, s.path + "/m.npy"], root: s.path, at: counted.events - 1)
        #expect(r.status != 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: db).sorted()
        #expect(left.contains("seg-000001.mss") && left.contains { $0.hasPrefix("MANIFEST.tmp-") } && !left.contains("MANIFEST"), "\(left)")
        let again = try CLI.run(["ingest", db, s.path + "/m.npy"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try maskCount(db) == 10)
        #expect(try FileManager.default.contentsOfDirectory(atPath: db).filter { $0.contains(".tmp-") }.isEmpty)
        // Not ours: refused, untouched.
        let other = s.path + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: other + "/seg-notes.txt"))
        let refused = try CLI.run(["ingest", other, s.path + "/m.npy"])
        #expect(refused.status == 2 && refused.stderr.contains("no MANIFEST"), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: other) == ["seg-notes.txt"])
    }
}
