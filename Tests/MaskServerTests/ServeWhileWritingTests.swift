import Foundation
import Hummingbird
import HummingbirdTesting
import MaskIndex
import MaskQuery
import MaskStorage
import MaskTestSupport
import Testing
@testable import MaskServer

/// The server answering while another writer changes the database (issue 14, item 3d): a
/// thread ingests 200 masks, builds the index and replaces the ROI set `object` through the
/// library (each step after the client got 3 more answers) while the client sends
/// `/api/query` in a loop. Every answer is 200 and its rows
/// equal the brute-force rows of one committed state (computed on a twin), never going back;
/// once the writer is done, queries, `/api/info` and the new masks' details show the new state
/// (the server reopens its sessions and catalog when the MANIFEST changes).
@Suite struct ServeWhileWritingTests {
    static let queries = [
        "SELECT COUNT(*), SUM(CP(mask, object, 0.5, 1.0)), SUM(CP(mask, full, 0.2, 0.9)) FROM masks",
        "SELECT mask_id FROM masks WHERE CP(mask, full, 0.6, 1.0) > 20 ORDER BY mask_id",
        "SELECT mask_id, CP(mask, object, 0.3, 1.0) AS c FROM masks ORDER BY c DESC LIMIT 4",
    ]
    static let added = 200

    /// Step 1 ingests masks 113…312 (pixel pattern of rows 12…211, image_id = mask_id);
    /// step 2 builds the index; step 3 replaces `object` with boxes shifted by 3 columns.
    static func write(_ f: ServerFixture, step: Int) throws {
        switch step {
        case 1:
            var meta = "mask_id,image_id,model_id,mask_type,label,pred\n"
            var bytes: [UInt8] = []
            for i in ServerFixture.count..<(ServerFixture.count + added) {
                meta += "\(101 + i),\(101 + i),1,1,0,0\n"
                for y in 0..<ServerFixture.height { for x in 0..<ServerFixture.width { bytes.append(ServerFixture.pixel(i, x: x, y: y)) } }
            }
            try meta.write(toFile: f.dir + "/added.csv", atomically: true, encoding: .utf8)
            var options = Ingester.Options()
            options.metaPath = f.dir + "/added.csv"
            try bytes.withUnsafeBytes { raw in
                let buffer = MaskBuffer(base: raw.baseAddress!, count: added, height: ServerFixture.height,
                                        width: ServerFixture.width, elementType: .uint8)
                _ = try Ingester.ingest(into: f.db, sources: [.buffer(buffer)], options: options)
            }
        case 2: _ = try IndexBuilder.build(databasePath: f.db, bins: nil, cell: nil)
        default:
            var rois = "image_id,x0,y0,x1,y1\n"
            for image in 1...6 { rois += "\(image),\(image + 3),4,\(image + 15),18\n" }
            _ = try ROISetLoader.load(into: f.db, name: "object", csvText: rois)
        }
    }

    /// The rows of a query's JSON, re-serialised (the text compared between answers).
    static func rows(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object["rows"] ?? [])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Each query's rows in each committed state, brute force, on a twin fixture.
    static func states() throws -> [[String]] {
        let twin = try ServerFixture()
        var states: [[String]] = []
        for step in 0...3 {
            if step > 0 { try write(twin, step: step) }
            let scan = try QuerySession(path: twin.db, useIndex: false)
            states.append(try queries.map { sql in
                let text = ResultFormatter.format(try scan.run(sql), as: .json)
                return rows((try JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:])
            })
        }
        return states
    }

    @Test func queriesDuringWritesSeeOldOrNewAndThenNew() async throws {
        let states = try Self.states()
        #expect(states[0][0] != states[1][0] && states[1] == states[2] && states[2][0] != states[3][0])
        let f = try ServerFixture()
        let answers = Answers()
        try await f.withClient { client in
            try await client.execute(uri: "/api/masks/312", method: .get) { r in #expect(r.status == .notFound) }
            // Before each step the writer waits for 3 more answers: every state is queried.
            let writer = Task.detached {
                defer { answers.finish() }
                for step in 1...3 {
                    answers.wait(forCount: answers.all.count + 3)
                    try Self.write(f, step: step)
                }
            }
            // Until the writer is done, then one more round of every query.
            var i = 0, after = 0
            while after < Self.queries.count {
                if answers.finished { after += 1 }
                let q = i % Self.queries.count
                try await client.execute(uri: "/api/query", method: .post,
                                         body: jsonBody(["sql": Self.queries[q], "use_index": i % 3 != 2])) { r in
                    answers.add(ReaderLoop.Answer(query: q, status: r.status == .ok ? 0 : Int32(r.status.code),
                                                  text: r.status == .ok ? Self.rows(json(r)) : String(buffer: r.body)))
                }
                i += 1
            }
            try await writer.value
            try await client.execute(uri: "/api/info", method: .get) { r in
                #expect(json(r)["masks"] as? Int == ServerFixture.count + Self.added)
                #expect(json(r)["index"] is [String: Any])
            }
            try await client.execute(uri: "/api/masks/312", method: .get) { r in
                #expect(r.status == .ok && json(r)["mask_id"] as? Int == 312, "\(String(buffer: r.body))")
            }
        }
        let report = StateCheck.check([answers.all], states: states)
        #expect(report.failures.isEmpty, "\(report.failures.prefix(3))")
        #expect(report.finalStates == [states.count - 1])
        print("concurrency(server): \(answers.all.count) /api/query requests during and after the writes, "
              + "states seen \(report.seen), errors \(report.failures.count)")
    }
}

/// Answers collected by the client, and whether the writer finished.
final class Answers: @unchecked Sendable {
    private let condition = NSCondition()
    private var list: [ReaderLoop.Answer] = []
    private var done = false

    func add(_ a: ReaderLoop.Answer) {
        condition.lock()
        list.append(a)
        condition.broadcast()
        condition.unlock()
    }

    func finish() { condition.lock(); done = true; condition.unlock() }
    var finished: Bool { condition.lock(); defer { condition.unlock() }; return done }
    var all: [ReaderLoop.Answer] { condition.lock(); defer { condition.unlock() }; return list }

    /// Waits until `n` answers were added (at most 5 minutes: then the test's checks fail).
    func wait(forCount n: Int) {
        condition.lock()
        let deadline = Date().addingTimeInterval(300)
        while list.count < n && condition.wait(until: deadline) {}
        condition.unlock()
    }
}
