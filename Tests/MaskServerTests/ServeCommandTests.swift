import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `masksearch serve` as users run it: the real binary prints its URL, answers on it, and
/// stops with exit code 0 on SIGINT and SIGTERM; bad arguments exit 2.
@Suite struct ServeCommandTests {
    static let binary: String = {
        let dirs = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                    Bundle.main.bundleURL.deletingLastPathComponent().deletingLastPathComponent()]
        let candidates = dirs.map { $0.appendingPathComponent("masksearch").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }()

    /// Starts `serve` and returns the process and the URL it printed (nil if none in 30 s).
    static func start(_ args: [String]) throws -> (Process, String?, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["serve"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !text.contains("\n"), p.isRunning {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        let url = text.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init)
        return (p, url, out)
    }

    static func get(_ url: String) async throws -> (Int, Data) {
        try await withCheckedThrowingContinuation { c in
            URLSession.shared.dataTask(with: URL(string: url)!) { data, response, error in
                if let error { c.resume(throwing: error); return }
                c.resume(returning: ((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data()))
            }.resume()
        }
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func printsItsURLAnswersAndStops(signal: Int32) async throws {
        let f = try ServerFixture()
        let (p, url, _) = try Self.start([f.db, "--port", "0", "--images", f.images, "--output", f.output])
        defer { if p.isRunning { p.terminate() } }
        let base = try #require(url)
        #expect(base.hasPrefix("http://127.0.0.1:"))
        let (status, data) = try await Self.get(base + "api/info")
        #expect(status == 200)
        let info = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(info?["masks"] as? Int == 12)
        let (pageStatus, _) = try await Self.get(base)
        #expect(pageStatus == 200)
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == 0)
    }

    @Test func badArgumentsExit2() throws {
        let f = try ServerFixture()
        for args in [[f.dir + "/missing"], [f.db, "--images", f.dir + "/missing"], [f.db, "--port", "70000"]] {
            let (p, url, _) = try Self.start(args)
            p.waitUntilExit()
            #expect(url == nil)
            #expect(p.terminationStatus == 2, "\(args)")
        }
    }
}
