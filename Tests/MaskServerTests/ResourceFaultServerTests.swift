import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import MaskServer
import MaskTestSupport
import Testing

/// Resource faults under the server (issue 14, item 4):
/// - a segment truncated under the running `masksearch serve`: an error naming the segment
///   (SIGBUS on lost pages stops the process with exit 1; zeros read past the end fail the
///   block checks) — never a wrong answer;
/// - an export to an output folder on a full file system (a tmpfs, when one can be mounted):
///   an error naming the folder, and the output folder as it was.
@Suite(.serialized) struct ResourceFaultServerTests {
    /// Starts `masksearch serve` with both outputs captured; the URL it printed (nil when it
    /// printed none: it exited).
    static func start(_ args: [String]) throws -> (Process, String?, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ServeCommandTests.binary)
        p.arguments = ["serve"] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        var text = ""
        while !text.contains("\n") {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        return (p, text.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init), err)
    }

    /// POSTs `body` as JSON; the status (0 when the connection failed) and the body.
    static func post(_ url: String, _ body: [String: Any]) async -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = try? JSONSerialization.data(withJSONObject: body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        return await withCheckedContinuation { c in
            URLSession.shared.dataTask(with: request) { data, response, _ in
                c.resume(returning: ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self)))
            }.resume()
        }
    }

    /// Cut to 0 bytes, every page of the mapping is lost: the scan's read raises SIGBUS and the
    /// server stops (exit 1, the message naming the segment). Cut to 64 bytes, the first page
    /// stays mapped and reads zeros past the end: the block checks find the damage and the
    /// query answers with an error naming the segment (the server stays up). Never a 200.
    @Test(arguments: [0, 64])
    func aSegmentTruncatedUnderTheServerIsAnError(length: Int) async throws {
        let f = try ServerFixture()
        let (p, url, err) = try Self.start([f.db, "--port", "0", "--images", f.images, "--output", f.output])
        defer { if p.isRunning { p.terminate() } }
        let base = try #require(url)
        let sql = "SELECT mask_id, CP(mask, full, 0.5, 1.0) AS c FROM masks ORDER BY c DESC LIMIT 3"
        // A full scan maps the segment in the pooled scan session; the same session runs the next.
        let (first, _) = await Self.post(base + "api/query", ["sql": sql, "use_index": false])
        #expect(first == 200)
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: f.db).first { $0.hasPrefix("seg-") })
        #expect(truncate(f.db + "/" + segment, off_t(length)) == 0)
        let (status, body) = await Self.post(base + "api/query", ["sql": sql, "use_index": false])
        if status != 0 { p.terminate() }
        p.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if length == 0 {
            #expect(status == 0, "an answer after the truncation: \(status) \(body)")
            #expect(p.terminationReason == .exit && p.terminationStatus == 1)
            #expect(message.contains("error: reading \(f.db)/\(segment)") && message.contains("SIGBUS"), "\(message)")
        } else {
            #expect(status == 500 && body.contains(segment), "\(status) \(body)")
        }
    }

    @Test func anExportOnAFullDiskFailsAndLeavesTheOutputFolder() async throws {
        guard let fs = SmallFileSystem(bytes: 1 << 20) else {
            // Exports write through Foundation, beyond the storage layer's fault hook.
            print(SmallFileSystem.fallbackNote.replacingOccurrences(of: "is simulated by MASKSEARCH_FAIL_ENOSPC", with: "export test skipped"))
            return
        }
        let f = try ServerFixture()
        let output = fs.path + "/out"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        try "kept\n".write(toFile: output + "/note.txt", atomically: true, encoding: .utf8)
        fs.fill(leaving: 0)
        let before = try directorySnapshot(output)
        var configuration = f.configuration()
        configuration.outputFolder = output
        let server = try MaskServer(configuration: configuration)
        try await Application(router: server.router()).test(.router) { client in
            let body = jsonBody(["sql": "SELECT mask_id FROM masks", "format": "zip", "masks": "npy", "images": true])
            try await client.execute(uri: "/api/export", method: .post, body: body) { r in
                #expect(r.status.code >= 400, "\(r.status)")
                let message = errorObject(r)["message"] as? String ?? String(buffer: r.body)
                #expect(message.contains(output) && message.lowercased().contains("space"), "\(message)")
                print("full disk (tmpfs): /api/export → \(r.status.code): \(message.prefix(200))")
            }
        }
        #expect(try directorySnapshot(output) == before)
    }
}
