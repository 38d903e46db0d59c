import Foundation
import MaskTestSupport
import Testing

/// `masksearch query --explain` through the real binary: the text report, and the JSON
/// `explain` object after an unchanged `stats`.
@Suite struct ExplainCLITests {
    @Test func explainPrintsDecisionsBoundsAndOneMask() throws {
        let s = Scratch()
        try writeNpyU8(s.path + "/m.npy", n: 120, h: 64, w: 64, seed: 5)
        let db = s.path + "/db"
        #expect(try CLI.run(["ingest", db, s.path + "/m.npy"]).status == 0)
        #expect(try CLI.run(["index", db, "--bins", "16", "--cell", "16"]).status == 0)
        let sql = "SELECT mask_id, CP(mask, (5, 5, 40, 50), 0.5, 1.0) AS v FROM masks ORDER BY v DESC LIMIT 5"

        let text = try CLI.run(["query", db, sql, "--explain"])
        #expect(text.status == 0, "\(text.stderr)")
        for part in ["decisions: pruned by filter bounds", "bounds of v before reading", "final k-th value",
                     "inner rectangle (16, 16, 32, 48), outer rectangle (0, 0, 48, 64)", "<= exact"] {
            #expect(text.stdout.contains(part), "missing '\(part)' in:\n\(text.stdout)")
        }

        let plain = try CLI.run(["query", db, sql, "--format", "json"])
        let json = try CLI.run(["query", db, sql, "--format", "json", "--explain-mask", "7"])
        #expect(json.status == 0, "\(json.stderr)")
        let p = try TinyJSON.parse(plain.stdout), j = try TinyJSON.parse(json.stdout)
        #expect(p["explain"] == nil)
        #expect(j["rows"] == p["rows"])
        guard case .object(let keys) = j else { Issue.record("not an object"); return }
        #expect(keys.map(\.0) == ["columns", "rows", "stats", "explain"])
        let e = j["explain"]
        #expect(e?["mask"]?["mask_id"] == .int(7))
        #expect(e?["decisions"]?["verified"] == j["stats"]?["verified"])
        guard case .int(let lower)? = e?["mask"]?["index"]?["lower"], case .int(let upper)? = e?["mask"]?["index"]?["upper"],
              case .int(let exact)? = e?["mask"]?["exact"] else {
            Issue.record("no one-mask bounds in \(json.stdout)")
            return
        }
        #expect(lower <= exact && exact <= upper)

        let bad = try CLI.run(["query", db, sql, "--explain-mask", "100000"])
        #expect(bad.status == 2 && bad.stderr.contains("no mask has this mask_id"), "\(bad.stderr)")
    }
}
