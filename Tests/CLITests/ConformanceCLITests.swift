import Foundation
import MaskTestSupport
import Testing

/// The public conformance sample (a copy of shared/conformance in Fixtures/), loaded as a
/// user would: `ingest`, `roi`, then every query through the real binary with
/// `--format json`, compared exactly (integers as integers, doubles to 1e-9 relative, order
/// included) — with the index building up query by query, and with `--no-index`.
@Suite struct ConformanceCLITests {
    static let root = Bundle.module.resourcePath! + "/Fixtures/conformance"

    struct Case {
        var name: String
        var sql: String
        var columns: TinyJSON
        var rows: TinyJSON
    }

    static func cases() throws -> [Case] {
        let text = try String(contentsOfFile: root + "/queries.jsonl", encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let j = try TinyJSON.parse(String(line))
            guard case .string(let name)? = j["name"], case .string(let sql)? = j["sql"],
                  let expected = j["expected"], let columns = expected["columns"], let rows = expected["rows"] else {
                throw TinyJSON.ParseError(message: "bad case: \(line)")
            }
            return Case(name: name, sql: sql, columns: columns, rows: rows)
        }
    }

    static func close(_ a: TinyJSON, _ b: TinyJSON) -> Bool {
        switch (a, b) {
        case (.double(let x), .double(let y)): return x == y || abs(x - y) <= 1e-9 * max(abs(x), abs(y))
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { close($0, $1) }
        default: return a == b
        }
    }

    func load() throws -> Scratch {
        let s = Scratch()
        let db = s.path + "/db"
        let ingest = try CLI.run(["ingest", db, Self.root + "/data/masks.npy", "--meta", Self.root + "/data/meta.csv"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let roi = try CLI.run(["roi", db, "object", Self.root + "/data/rois/object.csv"])
        #expect(roi.status == 0, "\(roi.stderr)")
        return s
    }

    @Test(arguments: [false, true])
    func everyCaseMatches(noIndex: Bool) throws {
        let s = try load()
        // Twice: the first pass builds the index incrementally, the second uses it.
        for pass in 0..<2 {
            for c in try Self.cases() {
                let r = try CLI.run(["query", s.path + "/db", c.sql, "--format", "json"] + (noIndex ? ["--no-index"] : []))
                #expect(r.status == 0, "\(c.name): \(r.stderr)")
                let json = try TinyJSON.parse(r.stdout)
                #expect(json["columns"] == c.columns, "\(c.name) columns")
                #expect(Self.close(try #require(json["rows"]), c.rows), "\(c.name) pass \(pass): \(r.stdout)")
                guard let stats = json["stats"] else { Issue.record("\(c.name): no stats"); continue }
                for key in ["masks_total", "masks_targeted", "pruned", "accepted_by_index", "verified", "newly_indexed"] {
                    guard case .int? = stats[key] else { Issue.record("\(c.name): stats.\(key) is not an integer"); continue }
                }
                if noIndex { #expect(stats["newly_indexed"] == .int(0) && stats["accepted_by_index"] == .int(0)) }
            }
        }
    }

    /// Every case against `db`, compared as `everyCaseMatches` does (columns, rows).
    func expectEveryCase(_ db: String, _ label: String) throws {
        for c in try Self.cases() {
            let r = try CLI.run(["query", db, c.sql, "--format", "json"])
            #expect(r.status == 0, "\(label) \(c.name): \(r.stderr)")
            let json = try TinyJSON.parse(r.stdout)
            let rows = try #require(json["rows"])
            #expect(json["columns"] == c.columns && Self.close(rows, c.rows), "\(label) \(c.name): \(r.stdout)")
        }
    }

    /// `masksearch index` builds the `object` set's ROI histograms (Format/roi-histograms.md):
    /// the cases match with them, with a column of them damaged (the dumper names it; queries
    /// fall back to the grid) and after the next `index` replaces the file.
    @Test func everyCaseMatchesWithROIHistogramsWholeOrDamaged() throws {
        let s = try load()
        let db = s.path + "/db"
        let index = try CLI.run(["index", db])
        #expect(index.status == 0 && index.stdout.contains("built 1 ROI histogram files"), "\(index.stdout)\(index.stderr)")
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: db).first { $0.hasPrefix("rhi-") })
        let manifest = try CLI.run(["dump", db + "/MANIFEST"])
        #expect(manifest.stdout.contains("histograms of seg-000001.mss: \(name)"), "\(manifest.stdout)")
        try expectEveryCase(db, "whole")
        // --explain shows the histogram bounds the query used: exact (0.5 and 1.0 are bin edges).
        let explain = try CLI.run(["query", db, "SELECT mask_id FROM masks WHERE CP(mask, object, 0.5, 1.0) < 40",
                                   "--format", "json", "--explain-mask", "4"])
        let mask = try TinyJSON.parse(explain.stdout)["explain"]?["mask"]
        #expect(mask?["roi_histogram"]?["lower"] == mask?["exact"] && mask?["roi_histogram"]?["upper"] == mask?["exact"]
                && mask?["exact"] != nil, "\(explain.stdout)")
        // Flip a byte of column 9 (bins >= 10: CP(mask, object, 0.5, 1.0)), mask 5: columns of
        // 24 u16 counts 64 bytes apart after the header and 128 bytes of checksums.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: db + "/" + name))
        bytes[64 + 128 + 9 * 64 + 10] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: db + "/" + name))
        let dump = try CLI.run(["dump", db + "/" + name])
        #expect(dump.stdout.contains("corruption: ROI histogram column 9: checksum mismatch"), "\(dump.stdout)")
        try expectEveryCase(db, "damaged")
        let warned = try CLI.run(["query", db, "SELECT mask_id FROM masks WHERE CP(mask, object, 0.5, 1.0) < 40"])
        #expect(warned.status == 0 && warned.stderr.contains("warning: ROI histogram file \(name): a column's checksum does not match"),
                "\(warned.stderr)")
        // The header damaged too: the file is not used at all, and `index` replaces it.
        bytes[16] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: db + "/" + name))
        try expectEveryCase(db, "header damaged")
        let header = try CLI.run(["query", db, "SELECT mask_id FROM masks WHERE CP(mask, object, 0.5, 1.0) < 40"])
        #expect(header.stderr.contains("warning: ROI histogram file \(name): error: corruption: ROI histogram header: checksum mismatch"), "\(header.stderr)")
        let again = try CLI.run(["index", db])
        #expect(again.status == 0 && again.stdout.contains("built 1 ROI histogram files"), "\(again.stdout)\(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db + "/" + name))
        try expectEveryCase(db, "rebuilt")
    }

    @Test func badQueriesExitTwoAndChangeNothing() throws {
        let s = try load()
        let db = s.path + "/db"
        let before = try FileManager.default.contentsOfDirectory(atPath: db).sorted()
        for sql in ["SELECT mask_id FROM masks WHERE CP(mask, objetc, 0.5, 1) > 3",
                    "SELECT nope FROM masks", "SELEC mask_id FROM masks",
                    "SELECT CP(INTERSECT(mask > 0.5), full, 0.5, 1) FROM masks"] {
            let r = try CLI.run(["query", db, sql])
            #expect(r.status == 2, "\(sql): \(r.stderr)")
            #expect(r.stderr.contains("error at 1:"), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: db).sorted() == before)
        let missing = try CLI.run(["query", s.path + "/nowhere", "SELECT mask_id FROM masks"])
        #expect(missing.status == 2 && missing.stderr.contains("not a masksearch database"))
        let usage = try CLI.run(["query", db])
        #expect(usage.status == 2)
    }
}
