import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two writers at once through the real binary: the README documents that writers are
/// serialised by the database's `LOCK` (the second waits), never refused. To make them truly
/// overlap, the test holds `LOCK` itself, starts both writers, waits until the kernel shows
/// both blocked on it (`/proc/locks`), then lets go: both must succeed and the final state
/// must be both writes applied, in either order.
@Suite(.serialized) struct ConcurrencyWritersCLITests {
    static let count = "SELECT COUNT(*), SUM(CP(mask, full, 0.5, 1.0)), MIN(mask_id), MAX(mask_id) FROM masks"
    static let (side, a, b, c) = (32, 40, 300, 200)

    /// A database of batch a (and ROI set obj), and the files the writers use.
    func fixture() throws -> (Scratch, String) {
        let s = Scratch()
        try writeNpyU8(s.path + "/a.npy", n: Self.a, h: Self.side, w: Self.side, seed: 21)
        try writeNpyU8(s.path + "/b.npy", n: Self.b, h: Self.side, w: Self.side, seed: 22)
        try writeNpyU8(s.path + "/c.npy", n: Self.c, h: Self.side, w: Self.side, seed: 23)
        try ConcurrencyCLITests.writeBoxes(s.path + "/r1.csv", n: Self.a + Self.b + Self.c, shift: 0)
        try ConcurrencyCLITests.writeBoxes(s.path + "/r2.csv", n: Self.a + Self.b + Self.c, shift: 5)
        let db = s.path + "/db"
        #expect(try CLI.run(["ingest", db, s.path + "/a.npy"]).status == 0)
        #expect(try CLI.run(["roi", db, "obj", s.path + "/r1.csv"]).status == 0)
        return (s, db)
    }

    /// Runs `first` and `second` at once, both started while the test holds the lock and
    /// released together once both wait for it. Their results.
    func together(_ db: String, _ first: [String], _ second: [String]) throws -> [CLI.Result] {
        let held = try HeldLock(db + "/LOCK")
        let writers = try [first, second].map { try StartedCLI($0) }
        let waiting = held.waitForWaiters(2)
        held.release()
        let results = writers.map { $0.finish() }
        #expect(waiting, "the writers did not both wait for the lock")
        return results
    }

    @Test func twoIngestsAreSerialised() throws {
        let (s, db) = try fixture()
        let results = try together(db, ["ingest", db, s.path + "/b.npy"], ["ingest", db, s.path + "/c.npy"])
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        // Both applied in some order: the twin applies them in order b, c.
        let twin = s.path + "/twin"
        for f in ["a", "b", "c"] { #expect(try CLI.run(["ingest", twin, s.path + "/\(f).npy"]).status == 0) }
        let total = try CLI.run(["query", db, Self.count, "--format", "csv", "--no-index"])
        #expect(total.stdout == (try CLI.run(["query", twin, Self.count, "--format", "csv", "--no-index"])).stdout)
        #expect(total.stdout.hasSuffix(",0,\(Self.a + Self.b + Self.c - 1)\n"), "\(total.stdout)")
    }

    @Test func anIngestAndAnIndexBuildAreSerialised() throws {
        let (s, db) = try fixture()
        let results = try together(db, ["ingest", db, s.path + "/b.npy"], ["index", db])
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        for sql in [Self.count] + ConcurrencyCLITests.queries {
            let indexed = try CLI.run(["query", db, sql, "--format", "csv"])
            #expect(indexed.status == 0, "\(indexed.stderr)")
            #expect(indexed.stdout == (try CLI.run(["query", db, sql, "--format", "csv", "--no-index"])).stdout)
        }
        #expect(try CLI.run(["query", db, "SELECT COUNT(*) FROM masks", "--format", "csv"]).stdout == "COUNT(*)\n\(Self.a + Self.b)\n")
    }

    @Test func anIndexBuildAndAnROIReplacementAreSerialised() throws {
        let (s, db) = try fixture()
        let results = try together(db, ["index", db], ["roi", db, "obj", s.path + "/r2.csv"])
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        let twin = s.path + "/twin"
        #expect(try CLI.run(["ingest", twin, s.path + "/a.npy"]).status == 0)
        #expect(try CLI.run(["roi", twin, "obj", s.path + "/r2.csv"]).status == 0)
        for sql in ConcurrencyCLITests.queries {
            let expected = try CLI.run(["query", twin, sql, "--format", "csv", "--no-index"]).stdout
            #expect(try CLI.run(["query", db, sql, "--format", "csv"]).stdout == expected)
        }
        // The index was built: the files are there.
        #expect(try FileManager.default.contentsOfDirectory(atPath: db).contains { $0.hasPrefix("chi-") })
    }
}

/// The writer lock of a database held by the test process (an open-file-description lock, as
/// the engine's `DatabaseLock`), and the waiters the kernel shows for it.
final class HeldLock {
    private var fd: Int32
    private let inode: UInt64

    init(_ path: String) throws {
        fd = open(path, O_RDWR | O_CREAT, 0o644)
        var region = flock()
        region.l_type = Int16(F_WRLCK)
        region.l_whence = Int16(SEEK_SET)
        var st = stat()
        guard fd >= 0, fcntl(fd, 37 /* F_OFD_SETLK */, &region) == 0, fstat(fd, &st) == 0 else {
            throw CocoaError(.fileLocking)
        }
        inode = UInt64(st.st_ino)
    }

    /// Blocked lock requests on this file, from `/proc/locks` (lines marked `->`).
    var waiters: Int {
        let text = (try? String(contentsOfFile: "/proc/locks", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { line in
            let fields = line.split(separator: " ")
            return fields.contains("->") && fields.contains { $0.hasSuffix(":\(inode)") }
        }.count
    }

    /// Polls until `n` requests wait for the lock (true), or 5 minutes passed (false).
    func waitForWaiters(_ n: Int) -> Bool {
        let deadline = Date().addingTimeInterval(300)
        while waiters < n {
            guard Date() < deadline else { return false }
            usleep(2000)
        }
        return true
    }

    func release() {
        if fd >= 0 { close(fd); fd = -1 }
    }

    deinit { release() }
}

/// A started `masksearch` process whose output is collected when it finishes.
final class StartedCLI {
    private let process = Process()
    private let out = Pipe(), err = Pipe()

    init(_ args: [String]) throws {
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = args
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits for the process; its status and output (small outputs only: both pipes are read
    /// after it exits).
    func finish() -> CLI.Result {
        process.waitUntilExit()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        return CLI.Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                          stderr: String(decoding: e, as: UTF8.self))
    }
}
