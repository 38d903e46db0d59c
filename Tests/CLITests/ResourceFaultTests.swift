import Foundation
import MaskTestSupport
import Testing

/// Resource faults through the real binary (issue 14, item 4).
///
/// A full disk: the database lives on a small real file system (a tmpfs, `SmallFileSystem`)
/// filled up to a little room; an ingest, an ROI load and an index build then fail with exit 1
/// and a message naming the call, the path and "No space left on device", the database stays
/// byte-identical and answers as before, and once space is back the same command succeeds.
/// Where a tmpfs cannot be mounted (not root) the same checks run with the storage layer's
/// fault hook (`MASKSEARCH_FAIL_ENOSPC`) and a note says so.
///
/// Read errors: a segment shorter than its header says is an error at open (exit 1, naming the
/// file), never a wrong answer. (A segment truncated under a running reader: ResourceFaultServerTests.)
@Suite(.serialized) struct ResourceFaultTests {
    static let query = "SELECT mask_id, CP(mask, (2, 2, 30, 30), 0.5, 1.0) AS c FROM masks ORDER BY c DESC LIMIT 5"

    /// Writes an (n, h, w) uint8 .npy of seeded noise (incompressible: LZ4 stores it raw).
    static func writeNoise(_ path: String, n: Int, side: Int, seed: UInt64) throws {
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(n), \(side), \(side)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        var rng = SplitMix64(seed: seed)
        for _ in 0..<(n * side * side / 8) { withUnsafeBytes(of: rng.next()) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Runs the binary, with the fault hook failing `calls` when given (`FullDiskTests.run`).
    static func run(_ args: [String], failing calls: String?) throws -> CLI.Result {
        try calls.map { try FullDiskTests().run(args, failing: $0) } ?? CLI.run(args)
    }

    /// A database of 30 noise masks (32×32) with ROI set obj, on a 6 MB tmpfs when one can be
    /// mounted; the file system (nil: fall back to the hook), the database, the scratch folder.
    static func database() throws -> (SmallFileSystem?, String, Scratch) {
        let s = Scratch()
        try writeNoise(s.path + "/small.npy", n: 30, side: 32, seed: 1)
        try ConcurrencyCLITests.writeBoxes(s.path + "/r.csv", n: 6000, shift: 0)
        let fs = SmallFileSystem(bytes: 6 << 20)
        if fs == nil { print(SmallFileSystem.fallbackNote) }
        let db = (fs?.path ?? s.path) + "/db"
        #expect(try CLI.run(["ingest", db, s.path + "/small.npy"]).status == 0)
        #expect(try CLI.run(["roi", db, "obj", s.path + "/r.csv"]).status == 0)
        return (fs, db, s)
    }

    /// Runs `args` on a full disk (the file system filled to `room` bytes, or the hook failing
    /// `calls`): exit 1, a message naming the call, a path of the database and ENOSPC; the
    /// database byte-identical and answering as before. Then, with space again, it succeeds.
    func failsCleanly(_ args: [String], room: Int, calls: String, named: [String]) throws {
        let (fs, db, s) = try Self.database()
        _ = s
        let before = try directorySnapshot(db)
        let answer = try CLI.run(["query", db, Self.query, "--format", "csv", "--no-index"]).stdout
        fs?.fill(leaving: room)
        let r = try Self.run(args.map { $0 == "DB" ? db : $0 }, failing: fs == nil ? calls : nil)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("No space left on device") && r.stderr.contains(db + "/"), "\(r.stderr)")
        #expect(named.contains { r.stderr.contains("error: \($0)(") }, "\(r.stderr)")
        #expect(try directorySnapshot(db) == before)
        #expect(try CLI.run(["query", db, Self.query, "--format", "csv", "--no-index"]).stdout == answer)
        fs?.empty()
        let again = try CLI.run(args.map { $0 == "DB" ? db : $0 })
        #expect(again.status == 0, "\(again.stderr)")
        print("full disk (\(fs == nil ? "hook" : "tmpfs")): \(args[0]) → exit \(r.status): \(r.stderr.prefix(200))")
    }

    @Test func anIngestOnAFullDiskChangesNothing() throws {
        let s = Scratch()
        try Self.writeNoise(s.path + "/big.npy", n: 3000, side: 32, seed: 2)
        try failsCleanly(["ingest", "DB", s.path + "/big.npy"], room: 256 << 10, calls: "writev,write", named: ["write", "writev"])
    }

    @Test func anROILoadOnAFullDiskChangesNothing() throws {
        let s = Scratch()
        try ConcurrencyCLITests.writeBoxes(s.path + "/r2.csv", n: 6000, shift: 3)
        try failsCleanly(["roi", "DB", "obj", s.path + "/r2.csv"], room: 0, calls: "write", named: ["write"])
    }

    @Test func anIndexBuildOnAFullDiskChangesNothing() throws {
        try failsCleanly(["index", "DB"], room: 0, calls: "fallocate", named: ["fallocate", "write", "pwrite"])
    }

    /// A query on a full disk still answers exactly: index entries are derived data (a
    /// warning says they were not stored); the database is unchanged.
    @Test func aQueryOnAFullDiskAnswers() throws {
        let (fs, db, s) = try Self.database()
        _ = s
        let answer = try CLI.run(["query", db, Self.query, "--format", "csv", "--no-index"]).stdout
        fs?.fill(leaving: 0)
        let before = try directorySnapshot(db)
        let r = try Self.run(["query", db, Self.query, "--format", "csv"], failing: fs == nil ? "fallocate" : nil)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == answer)
        #expect(r.stderr.contains("warning"), "\(r.stderr)")
        #expect(try directorySnapshot(db) == before)
    }

    /// A segment cut short (a torn copy, a truncated file) is found at open: exit 1 naming the
    /// file, no rows printed — for every length from 0 to the whole file, in steps.
    @Test func aTruncatedSegmentIsAnErrorAtOpen() throws {
        let s = Scratch()
        let db = s.path + "/db"
        try Self.writeNoise(s.path + "/m.npy", n: 20, side: 32, seed: 3)
        #expect(try CLI.run(["ingest", db, s.path + "/m.npy"]).status == 0)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: db).first { $0.hasPrefix("seg-") })
        let whole = try Data(contentsOf: URL(fileURLWithPath: db + "/" + name))
        for length in stride(from: 0, to: whole.count, by: max(1, whole.count / 23)) + [whole.count - 1] {
            try whole.prefix(length).write(to: URL(fileURLWithPath: db + "/" + name))
            let r = try CLI.run(["query", db, Self.query, "--format", "csv"])
            #expect(r.status == 1, "length \(length): \(r.stdout)\(r.stderr)")
            #expect(r.stdout.isEmpty && r.stderr.contains(name), "length \(length): \(r.stderr)")
        }
    }
}
