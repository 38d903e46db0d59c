import Foundation
import MaskFormat
import MaskTestSupport
import Testing

/// The index through the real binary: incremental indexing by concurrent processes, the
/// `index` command and its rebuild, and the dumper on index files.
@Suite struct IndexCLITests {
    static let queries = [
        "SELECT mask_id FROM masks WHERE CP(mask, (8, 8, 40, 40), 0.5, 1.0) > 300",
        "SELECT mask_id, CP(mask, full, 0.2, 0.6) AS v FROM masks ORDER BY v DESC LIMIT 7",
        "SELECT mask_id FROM masks WHERE CP(mask, (0, 0, 64, 20), 0.9, 1.0) < 100 AND mask_id > 20",
        "SELECT image_id, AVG(CP(mask, full, 0.7, 1.0)) AS a FROM masks GROUP BY image_id ORDER BY a ASC LIMIT 5",
    ]

    func database() throws -> (Scratch, String) {
        let s = Scratch()
        try writeNpyU8(s.path + "/m.npy", n: 240, h: 64, w: 64, seed: 11)
        let r = try CLI.run(["ingest", s.path + "/db", s.path + "/m.npy"])
        #expect(r.status == 0, "\(r.stderr)")
        return (s, s.path + "/db")
    }

    func rows(_ db: String, _ sql: String, noIndex: Bool = false) throws -> (TinyJSON?, TinyJSON?) {
        let r = try CLI.run(["query", db, sql, "--format", "json"] + (noIndex ? ["--no-index"] : []))
        #expect(r.status == 0, "\(r.stderr)")
        let j = try TinyJSON.parse(r.stdout)
        return (j["rows"], j["stats"])
    }

    func indexFiles(_ db: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: db).filter { $0.hasPrefix("chi-") }.sorted()
    }

    @Test func concurrentQueriesBuildOneConsistentIndex() throws {
        let (s, db) = try database()
        _ = s
        let expected = try Self.queries.map { try rows(db, $0, noIndex: true).0 }
        #expect(try indexFiles(db).isEmpty, "--no-index created index files")
        // Two processes at a time, each running every query: both index the masks they read.
        for _ in 0..<3 {
            let a = try Self.queries.map { try CLI.start(["query", db, $0]) }
            let b = try Self.queries.reversed().map { try CLI.start(["query", db, $0]) }
            for p in a + b {
                p.waitUntilExit()
                #expect(p.terminationStatus == 0)
            }
        }
        let files = try indexFiles(db)
        #expect(files.count == 1)
        let dump = try CLI.run(["dump", db + "/" + files[0]])
        #expect(dump.status == 0 && dump.stdout.contains("corruptions: 0"), "\(dump.stdout)")
        for (q, e) in zip(Self.queries, expected) {
            let (got, stats) = try rows(db, q)
            #expect(got == e, "\(q)")
            #expect(stats?["newly_indexed"] == .int(0) || stats?["verified"] != .int(240), "\(q)")
        }
    }

    /// An index file is derived data: missing or damaged, queries answer without it (with a
    /// warning) and `masksearch index` rebuilds it.
    @Test func unusableIndexFilesAreQueriedAroundAndRebuilt() throws {
        let (s, db) = try database()
        _ = s
        let expected = try Self.queries.map { try rows(db, $0, noIndex: true).0 }
        #expect(try CLI.run(["index", db]).status == 0)
        for damage in ["delete", "header"] {
            let name = try indexFiles(db)[0]
            if damage == "delete" {
                try FileManager.default.removeItem(atPath: db + "/" + name)
            } else {
                let h = try FileHandle(forUpdating: URL(fileURLWithPath: db + "/" + name))
                try h.seek(toOffset: 20)
                try h.write(contentsOf: Data([0xA5]))
                try h.close()
            }
            for (q, e) in zip(Self.queries, expected) {
                let r = try CLI.run(["query", db, q, "--format", "json"])
                #expect(r.status == 0 && r.stderr.contains("warning: index file \(name)"), "\(damage): \(r.stderr)")
                #expect(try TinyJSON.parse(r.stdout)["rows"] == e, "\(damage): \(q)")
            }
            let rebuilt = try CLI.run(["index", db])
            #expect(rebuilt.status == 0 && rebuilt.stdout.contains("indexed 240 masks (0 already indexed)")
                    && rebuilt.stdout.contains("rebuilt an unusable index file: \(name)"), "\(damage): \(rebuilt.stdout)")
            let files = try indexFiles(db)
            #expect(files.count == 1 && files[0] != name, "\(files)")
            for (q, e) in zip(Self.queries, expected) {
                let r = try CLI.run(["query", db, q, "--format", "json"])
                #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
                #expect(try TinyJSON.parse(r.stdout)["rows"] == e)
            }
        }
    }

    @Test func indexCommandBuildsAndRebuilds() throws {
        let (s, db) = try database()
        _ = s
        let expected = try Self.queries.map { try rows(db, $0, noIndex: true).0 }
        let built = try CLI.run(["index", db])
        #expect(built.status == 0 && built.stdout.contains("indexed 240 masks"), "\(built.stdout) \(built.stderr)")
        for (q, e) in zip(Self.queries, expected) {
            let (got, stats) = try rows(db, q)
            #expect(got == e, "\(q)")
            #expect(stats?["newly_indexed"] == .int(0))
        }
        let rebuilt = try CLI.run(["index", db, "--bins", "8", "--cell", "8"])
        #expect(rebuilt.status == 0 && rebuilt.stdout.contains("replaced the index with bins 20, cell 16"), "\(rebuilt.stdout)")
        let files = try indexFiles(db)
        #expect(files.count == 1, "old index files left: \(files)")
        let dump = try CLI.run(["dump", db + "/" + files[0]])
        #expect(dump.stdout.contains("cell:         8") && dump.stdout.contains("240 valid"), "\(dump.stdout)")
        for (q, e) in zip(Self.queries, expected) { #expect(try rows(db, q).0 == e, "\(q) after rebuild") }
        let bad = try CLI.run(["index", db, "--bins", "1"])
        #expect(bad.status == 2)
    }

    @Test func dumperFindsDamagedIndexEntries() throws {
        let (s, db) = try database()
        _ = s
        #expect(try CLI.run(["index", db, "--cell", "16"]).status == 0)
        let path = db + "/" + (try indexFiles(db))[0]
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        // 240 masks of u16 entries: columns are align64(480) = 512 bytes; flip mask 5 of the last key
        // (the last column ends where the delta region of index version 3 starts).
        let header = try data.withUnsafeBytes { try IndexHeader.decode($0) }
        data[header.deltaOffset - 512 + 10] ^= 0x40
        try data.write(to: URL(fileURLWithPath: path))
        let dump = try CLI.run(["dump", path])
        #expect(dump.status == 1)
        #expect(dump.stdout.contains("corruption: index entries of mask"), "\(dump.stdout)")
    }
}
