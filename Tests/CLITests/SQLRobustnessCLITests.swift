import Foundation
import Testing

/// The inputs that crashed the released binary (issue 10, item 7: SIGSEGV, SIGILL, SIGABRT) now
/// exit 0 with the answer or 2 with a positioned error, through the real binary, with and
/// without the index.
@Suite struct SQLRobustnessCLITests {
    static let root = Bundle.module.resourcePath! + "/Fixtures/conformance"

    static let prefix = "SELECT mask_id FROM masks WHERE "
    /// (SQL, expected exit code, text expected on stdout (0) or stderr (2)).
    static let cases: [(String, Int32, String)] = [
        (prefix + String(repeating: "(", count: 5_000) + "mask_id = 1" + String(repeating: ")", count: 5_000), 2,
         "error at 1:288 near '(': expression nested too deeply"),
        (prefix + String(repeating: "NOT ", count: 20_000) + "mask_id = 1", 2, "error at 1:1053 near 'NOT'"),
        (prefix + String(repeating: "- ", count: 20_000) + "mask_id = 1", 2, "error at 1:543 near '-'"),
        (prefix + String(repeating: "1 + ", count: 20_000) + "mask_id = 1", 2, "error at 1:1055 near '+'"),
        ("SELECT mask_id, CP(mask, full, 0.2, 0.6) AS v FROM masks ORDER BY v DESC LIMIT 9223372036854775807", 0,
         "mask_id,v\n21,433\n5,423\n16,321\n"),
        ("SELECT image_id, COUNT(*) AS n FROM masks GROUP BY image_id ORDER BY image_id DESC LIMIT 100000000000", 0,
         "image_id,n\n7,3\n6,3\n5,3\n4,3\n3,3\n2,3\n1,3\n0,3\n"),
    ]

    @Test(arguments: [false, true])
    func knownCrashInputs(noIndex: Bool) throws {
        let s = Scratch()
        let db = s.path + "/db"
        let ingest = try CLI.run(["ingest", db, Self.root + "/data/masks.npy", "--meta", Self.root + "/data/meta.csv"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        for (sql, status, text) in Self.cases {
            let r = try CLI.run(["query", db, sql, "--format", "csv"] + (noIndex ? ["--no-index"] : []))
            #expect(r.status == status, "\(sql.prefix(80)): \(r.status) \(r.stderr)")
            if status == 0 {
                #expect(r.stdout.hasPrefix(text), "\(sql.prefix(80)): \(r.stdout)")
            } else {
                #expect(r.stderr.contains(text) && r.stdout.isEmpty, "\(sql.prefix(80)): \(r.stderr)")
            }
        }
    }
}
