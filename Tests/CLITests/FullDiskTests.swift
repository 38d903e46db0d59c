import Foundation
import MaskTestSupport
import Testing

/// Index writes on a full file system, through the test-only fault hook of the storage layer's
/// system-call wrappers (`MASKSEARCH_FAIL_ENOSPC=fallocate,pwrite`: those calls fail with
/// ENOSPC): index entries are derived data, so a query still answers (a warning on stderr)
/// and `masksearch index` fails naming the call; either way no `chi-*` file is left behind and
/// the manifest is unchanged.
@Suite struct FullDiskTests {
    static let query = "SELECT mask_id FROM masks WHERE CP(mask, (8, 8, 40, 40), 0.5, 1.0) > 300"

    /// Runs the binary with `MASKSEARCH_FAIL_ENOSPC=fail` added to the environment.
    func run(_ args: [String], failing fail: String) throws -> CLI.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(["MASKSEARCH_FAIL_ENOSPC": fail]) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLI.Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func database() throws -> (Scratch, String) {
        let s = Scratch()
        try writeNpyU8(s.path + "/m.npy", n: 60, h: 64, w: 64, seed: 5)
        #expect(try CLI.run(["ingest", s.path + "/db", s.path + "/m.npy"]).status == 0)
        return (s, s.path + "/db")
    }

    func snapshot(_ db: String) throws -> ([String], Data) {
        (try FileManager.default.contentsOfDirectory(atPath: db).filter { $0 != "LOCK" }.sorted(),
         try Data(contentsOf: URL(fileURLWithPath: db + "/MANIFEST")))
    }

    @Test(arguments: ["fallocate", "pwrite"])
    func queriesAnswerOnAFullDisk(failing call: String) throws {
        let (s, db) = try database()
        _ = s
        let before = try snapshot(db)
        let expected = try CLI.run(["query", db, Self.query, "--no-index", "--format", "json"])
        let r = try run(["query", db, Self.query, "--format", "json"], failing: call)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try TinyJSON.parse(r.stdout)["rows"] == TinyJSON.parse(expected.stdout)["rows"])
        #expect(r.stderr.contains("warning") && r.stderr.contains(call), "\(r.stderr)")
        #expect(try snapshot(db) == before)
        // With space again, the next query indexes.
        #expect(try CLI.run(["query", db, Self.query]).status == 0)
        #expect(try snapshot(db).0.contains { $0.hasPrefix("chi-") })
    }

    /// Once the index file exists, a query writes its delta records from the cores that build
    /// them (`IndexWriter.storeIntoDelta`); when the file system refuses their blocks or their
    /// writes, the masks are merged into the key columns instead (their blocks are reserved):
    /// the query answers, and its masks are indexed.
    @Test(arguments: ["fallocate", "pwrite"])
    func deltaRecordsRefusedForSpaceMergeIntoTheColumns(failing call: String) throws {
        let (s, db) = try database()
        _ = s
        let first = "SELECT mask_id FROM masks WHERE mask_id < 30 AND CP(mask, (8, 8, 40, 40), 0.5, 1.0) > 300"
        let second = "SELECT mask_id FROM masks WHERE mask_id >= 30 AND CP(mask, (8, 8, 40, 40), 0.5, 1.0) > 300"
        #expect(try CLI.run(["query", db, first]).status == 0)
        let expected = try CLI.run(["query", db, second, "--no-index", "--format", "json"])
        let r = try run(["query", db, second, "--format", "json"], failing: call)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try TinyJSON.parse(r.stdout)["rows"] == TinyJSON.parse(expected.stdout)["rows"])
        #expect(try TinyJSON.parse(r.stdout)["stats"]?["newly_indexed"] == .int(30), "\(r.stdout)")
        let again = try CLI.run(["query", db, second, "--format", "json"])
        #expect(try TinyJSON.parse(again.stdout)["stats"]?["newly_indexed"] == .int(0), "\(again.stdout)")
        let dump = try CLI.run(["dump", db + "/" + (try snapshot(db).0.first { $0.hasPrefix("chi-") } ?? "")])
        #expect(dump.stdout.contains("(header) 60 valid") && dump.stdout.contains("delta:        0 of"), "\(dump.stdout)")
    }

    @Test(arguments: ["fallocate", "pwrite"])
    func indexFailsCleanlyOnAFullDisk(failing call: String) throws {
        let (s, db) = try database()
        _ = s
        let before = try snapshot(db)
        let r = try run(["index", db], failing: call)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("\(call)(") && r.stderr.contains("No space left on device"), "\(r.stderr)")
        #expect(try snapshot(db) == before)
    }
}
