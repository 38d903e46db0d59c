import Foundation
import Hummingbird
import HummingbirdTesting
import MaskQuery
import Testing
@testable import MaskServer

/// `POST /api/query`: the CLI's JSON byte for byte (plus `row_info`), errors with their token
/// and position, limits, and concurrent clients.
@Suite struct QueryAPITests {
    static let topK = "SELECT mask_id, CP(mask, object, 0.5, 1.0) / AREA(object) AS r FROM masks WHERE mask_type = 1 ORDER BY r DESC LIMIT 4"
    static let filter = "SELECT mask_id FROM masks WHERE CP(mask, full, 0.6, 1.0) > 20 ORDER BY mask_id"
    static let grouped = "SELECT image_id, AVG(CP(mask, object, 0.3, 1.0)) AS a FROM masks GROUP BY image_id ORDER BY a DESC LIMIT 3"

    /// The query JSON with its time blanked (the one field two runs may not share).
    static func timeless(_ text: String) -> String {
        text.replacingOccurrences(of: #""elapsed_ms": [0-9.e+-]+"#, with: #""elapsed_ms": T"#, options: .regularExpression)
    }

    /// What `masksearch query --format json [--no-index]` prints for `sql` on the fixture now.
    static func cliJSON(_ f: ServerFixture, _ sql: String, useIndex: Bool, explain: Bool = false) throws -> String {
        let session = try QuerySession(path: f.db, useIndex: useIndex)
        return ResultFormatter.format(try session.run(sql, explain: explain ? ExplainRequest() : nil), as: .json)
    }

    @Test(arguments: [topK, filter, grouped])
    func sameJSONAsTheCLI(sql: String) async throws {
        // Two identical databases: the server queries one, the CLI's path the other, in the same order.
        let f = try ServerFixture(), twin = try ServerFixture()
        try await f.withClient { client in
            for useIndex in [false, true, true, false, true] {
                let served = try await client.execute(uri: "/api/query", method: .post,
                                                      body: jsonBody(["sql": sql, "use_index": useIndex])) { r in
                    #expect(r.status == .ok)
                    return String(buffer: r.body)
                }
                let cli = try Self.cliJSON(twin, sql, useIndex: useIndex)
                let prefix = String(cli.dropLast(2))  // without "}\n"
                #expect(Self.timeless(served).hasPrefix(Self.timeless(prefix) + ", \"row_info\": "), "\(served)\n\(cli)")
                #expect(served.hasSuffix("}\n"))
            }
        }
    }

    @Test func explainAndRowInfo() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            try await client.execute(uri: "/api/query", method: .post, body: jsonBody(["sql": Self.topK, "explain": true])) { r in
                #expect(r.status == .ok)
                let o = json(r)
                #expect(o["explain"] is [String: Any])
                let rows = o["rows"] as? [[Any]] ?? []
                let info = o["row_info"] as? [[String: Any]] ?? []
                #expect(rows.count == 4 && info.count == 4)
                for (row, i) in zip(rows, info) {
                    #expect(row.first as? Int == i["mask_id"] as? Int)
                    #expect(i["mask_type"] as? Int == 1)
                    #expect(i["label"] is Int && i["pred"] is Int && i["image_id"] is Int && i["model_id"] is Int)
                }
                let text = String(buffer: r.body)
                let cliKeys = ["\"columns\"", "\"rows\"", "\"stats\"", "\"explain\"", "\"row_info\""].map { text.range(of: $0)!.lowerBound }
                #expect(cliKeys == cliKeys.sorted())
            }
            try await client.execute(uri: "/api/query", method: .post, body: jsonBody(["sql": Self.grouped])) { r in
                let info = json(r)["row_info"] as? [[String: Any]] ?? []
                #expect(info.count == 3)
                for i in info { #expect((i["mask_ids"] as? [Int])?.count == 2) }
            }
            try await client.execute(uri: "/api/query", method: .post, body: jsonBody(["sql": "SELECT COUNT(*) FROM masks"])) { r in
                #expect(r.status == .ok)
                #expect(json(r)["row_info"] is NSNull)
            }
        }
    }

    @Test func badQueriesAre400WithTokenAndPosition() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            let cases: [(String, String, Int)] = [
                ("SELECT mask_id FROM masks WHERE CP(mask, objetc, 0.5, 1.0) > 3", "objetc", 42),
                ("SELECT mask_id FRM masks", "masks", 20),
                ("SELECT mask_id FROM masks WHERE", "", 32),
                ("SELECT nope FROM masks", "nope", 8),
            ]
            for (sql, token, position) in cases {
                try await client.execute(uri: "/api/query", method: .post, body: jsonBody(["sql": sql])) { r in
                    #expect(r.status == .badRequest, "\(sql)")
                    let e = errorObject(r)
                    #expect(e["token"] as? String == token, "\(sql): \(e)")
                    #expect(e["position"] as? Int == position, "\(sql): \(e)")
                    #expect((e["message"] as? String)?.isEmpty == false)
                }
            }
        }
    }

    @Test func badBodiesAre4xx() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            let bodies: [ByteBuffer] = [
                ByteBuffer(string: "not json"), ByteBuffer(string: "{}"), ByteBuffer(string: "{\"sql\": 3}"),
                ByteBuffer(string: "{\"sql\": \"SELECT 1\", \"use_index\": \"yes\"}"), ByteBuffer(string: ""),
                ByteBuffer(string: "[1, 2]"),
            ]
            for body in bodies {
                try await client.execute(uri: "/api/query", method: .post, body: body) { r in
                    #expect(r.status == .badRequest, "\(String(buffer: body))")
                    #expect(errorObject(r)["message"] is String)
                }
            }
            let big = "{\"sql\": \"" + String(repeating: " ", count: ServerConfiguration.maxBodyBytes + 10) + "SELECT 1\"}"
            try await client.execute(uri: "/api/query", method: .post, body: ByteBuffer(string: big)) { r in
                #expect(r.status == .contentTooLarge)
                #expect(errorObject(r)["message"] is String)
            }
        }
    }

    @Test func concurrentQueriesGiveTheSequentialAnswers() async throws {
        let f = try ServerFixture()
        let queries = [Self.topK, Self.filter, Self.grouped,
                       "SELECT mask_id, CP(mask, full, 0.2, 0.9) AS c FROM masks ORDER BY c ASC LIMIT 5"]
        try await f.withClient(runners: 2) { client in
            func rows(_ sql: String, _ useIndex: Bool) async throws -> String {
                try await client.execute(uri: "/api/query", method: .post, body: jsonBody(["sql": sql, "use_index": useIndex])) { r in
                    #expect(r.status == .ok)
                    let o = json(r)
                    return "\(o["columns"] ?? "") \(o["rows"] ?? "")"
                }
            }
            var expected: [String] = []
            for q in queries { expected.append(try await rows(q, false)) }
            let got = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for i in 0..<48 {
                    group.addTask { (i, try await rows(queries[i % queries.count], i % 3 != 0)) }
                }
                var all: [(Int, String)] = []
                for try await x in group { all.append(x) }
                return all
            }
            #expect(got.count == 48)
            for (i, answer) in got { #expect(answer == expected[i % queries.count], "query \(i % queries.count)") }
        }
    }
}
