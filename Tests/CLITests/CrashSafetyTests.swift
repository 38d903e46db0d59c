import Foundation
import Testing

/// kill -9 at any point of an ingest leaves the database as it was before, or with the new
/// data fully present; never half. The next ingest works and cleans up after the dead one.
@Suite(.serialized) struct CrashSafetyTests {
    func maskCount(_ db: String) throws -> Int? {
        let r = try CLI.run(["query", db, "SELECT COUNT(*) AS n FROM masks GROUP BY mask_type", "--format", "csv"])
        guard r.status == 0 else { return nil }
        return r.stdout.split(separator: "\n").dropFirst().compactMap { Int($0) }.reduce(0, +)
    }

    @Test func killDuringIngest() throws {
        let s = Scratch()
        let db = s.path + "/db"
        let small = s.path + "/small.npy", big = s.path + "/big.npy"
        try writeNpyU8(small, n: 10, h: 64, w: 64, seed: 1)
        try writeNpyU8(big, n: 3000, h: 128, w: 128, seed: 2)
        let first = try CLI.run(["ingest", db, small])
        #expect(first.status == 0, "\(first.stderr)")
        var expected = 10
        // Kill at increasing delays: early (before the segment), mid-stream, near the commit.
        for delayMs in [5, 20, 60, 120, 200, 350, 600] {
            let p = try CLI.start(["ingest", db, big])
            usleep(UInt32(delayMs * 1000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let n = try #require(try maskCount(db), "database unreadable after kill at \(delayMs) ms")
            #expect(n == expected || n == expected + 3000, "after kill at \(delayMs) ms: \(n) masks")
            expected = n
        }
        // A clean ingest after the kills succeeds and leaves no stray files.
        let again = try CLI.run(["ingest", db, small])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try maskCount(db) == expected + 10)
        let strays = try FileManager.default.contentsOfDirectory(atPath: db).filter { $0.contains(".tmp-") }
        #expect(strays.isEmpty, "\(strays)")
    }
}
