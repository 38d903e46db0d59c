import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Export and augmentation (CONTRACT.md section 7, through `masksearch serve`; `masksearch
/// export` and `augment` write through the same `ResultExport` and `StagingDirectory`) crashed at every write event and cut at every sync: the output folder then
/// holds the complete target directory or nothing — no partial target, no staging leftover —
/// and the database (whose index the request's query may extend) passes the checks of
/// CrashSweepTests. A power cut after the request was answered keeps the complete directory.
@Suite(.serialized) struct CrashExportTests {
    /// A generated dataset of 12 masks with images and object boxes, ingested under `base/db`.
    struct Fixture {
        let scratch = Scratch()
        var data: String { scratch.path + "/data" }
        var base: String { scratch.path + "/base" }
        var root: String { scratch.path + "/root" }

        init() throws {
            try FileManager.default.createDirectory(atPath: scratch.path + "/base", withIntermediateDirectories: true)
            try WritePath.must(["generate", data, "--masks", "12", "--size", "32,32", "--seed", "3"])
            try WritePath.must(["ingest", base + "/db", data + "/masks.npy", "--meta", data + "/meta.csv"])
            try WritePath.must(["roi", base + "/db", "object", data + "/rois/object.csv"])
        }
    }

    enum Request: String, CaseIterable, Sendable {
        case export, augment
        var body: String {
            switch self {
            case .export:
                return #"{"sql": "SELECT mask_id, CP(mask, full, 0.5, 1.0) AS v FROM masks WHERE CP(mask, object, 0.6, 1.0) > 20", "format": "zip", "masks": "npy", "overlays": true, "images": true}"#
            case .augment:
                return #"{"sql": "SELECT mask_id FROM masks WHERE CP(mask, (0, 0, 16, 16), 0.5, 1.0) > 10", "roi": "object", "method": "noise", "seed": 7}"#
            }
        }
    }

    /// Starts `serve` under the shim with `environment`, sends `request`, then stops the server
    /// (SIGTERM; it may have died by then). Returns the HTTP status (nil: no answer).
    static func serve(_ f: Fixture, _ request: Request, _ environment: [String: String]) throws -> Int? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["serve", f.root + "/db", "--port", "0", "--images", f.data + "/images", "--output", f.root + "/out"]
        p.environment = ProcessInfo.processInfo.environment.merging(environment.merging(["LD_PRELOAD": try FaultShim.library.get()]) { $1 }) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer {
            if p.isRunning { p.terminate() }
            p.waitUntilExit()
        }
        var text = ""
        while !text.contains("\n") {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let url = text.split(separator: " ").first(where: { $0.hasPrefix("http://") }) else { return nil }
        return post(url + "api/\(request.rawValue)", body: request.body)
    }

    static func post(_ url: String, body: String) -> Int? {
        var r = URLRequest(url: URL(string: url)!)
        r.httpMethod = "POST"
        r.httpBody = Data(body.utf8)
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        r.timeoutInterval = 60
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var status: Int?
        URLSession.shared.dataTask(with: r) { _, response, _ in
            status = (response as? HTTPURLResponse)?.statusCode
            done.signal()
        }.resume()
        done.wait()
        return status
    }

    /// The output folder's directories, each as its files (relative name → bytes).
    static func outputs(_ root: String) -> [String: [String: Data]] {
        let out = root + "/out"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        return Dictionary(uniqueKeysWithValues: names.map { ($0, Trees.files(out + "/" + $0)) })
    }

    /// The output folder holds nothing, or exactly one directory equal to `complete` (and maybe
    /// the killed writer's hidden staging sibling, which the next request must remove); the
    /// database checks pass. Returns true when the directory is there.
    static func verify(_ f: Fixture, _ request: Request, complete: [String: Data], old: [String], boot: Bool,
                       context: String) throws -> Bool {
        var dirs = outputs(f.root)
        let visible = dirs.filter { !$0.key.hasPrefix(".") }
        #expect(visible.count <= 1, "\(context): more than the target in the output folder: \(dirs.keys.sorted())")
        for (name, files) in visible {
            #expect(files == complete, "\(context): \(name) is incomplete: \(files.keys.sorted()) of \(complete.keys.sorted())")
        }
        if dirs.count > visible.count {
            #expect(dirs.keys.allSatisfy { !$0.hasPrefix(".") || $0.contains(".partial-") }, "\(context): \(dirs.keys.sorted())")
            #expect(try serve(f, request, boot ? ["FI_BOOT_ID": FaultShim.newBoot] : [:]) == 200, "\(context): the next request")
            dirs = outputs(f.root)
            #expect(dirs.keys.allSatisfy { !$0.hasPrefix(".") }, "\(context): staging left after the next request: \(dirs.keys.sorted())")
            #expect(dirs.values.allSatisfy { $0 == complete }, "\(context): after the next request")
        }
        let db = f.root + "/db"
        let queries = [WritePath.values, WritePath.roi]
        #expect(try CrashSweepTests.answers(db, queries, indexed: true, boot: boot) == old, "\(context): answers changed")
        var tally = CrashSweepTests.Tally()
        try CrashSweepTests.checkIntegrity(db, boot: boot, tally: &tally, context: context)
        return !visible.isEmpty
    }

    @Test(arguments: Request.allCases)
    func crashAndCutEveryWrite(request: Request) throws {
        let start = Date()
        let f = try Fixture()
        let old = try CrashSweepTests.answers(f.base + "/db", [WritePath.values, WritePath.roi], indexed: false, boot: false)
        try Trees.copy(f.base, to: f.root)
        let counted = try FaultShim.counting(root: f.root) { env in try Self.serve(f, request, env) }
        #expect(counted.result == 200)
        let (events, syncs) = (counted.events, counted.syncs)
        let complete = try #require(Self.outputs(f.root).values.first, "\(request): nothing written")
        var killed = 0, present = 0
        for n in CrashSweepTests.points(events, seed: 0xE4 &+ UInt64(events)) {
            try Trees.copy(f.base, to: f.root)
            _ = try Self.serve(f, request, ["FI_DIR": f.root, "FI_MODE": "crash", "FI_N": String(n)])
            killed += 1
            if try Self.verify(f, request, complete: complete, old: old, boot: false, context: "\(request), kill before event \(n)") { present += 1 }
        }
        CrashSweepTests.report("crash \(request): \(events) write events, \(syncs) syncs; killed \(killed), target complete in \(present), absent in \(killed - present); \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        try cutEverySync(f, request, syncs: syncs, complete: complete, old: old)
        CrashSweepTests.report("\(request) total \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }

    func cutEverySync(_ f: Fixture, _ request: Request, syncs: Int, complete: [String: Data], old: [String]) throws {
        for names in PowerCut.Names.allCases {
            let cuts = CrashSweepTests.points(syncs + 1, seed: 0xC7 &+ UInt64(syncs))  // always holds syncs + 1
            var present = 0
            for n in cuts {
                try Trees.copy(f.base, to: f.root)
                let status = try FaultShim.powerCut(root: f.root, at: n, names: names) { env in try Self.serve(f, request, env) }
                let context = "\(request), power cut (\(names) names) before sync \(n) of \(syncs)"
                let isThere = try Self.verify(f, request, complete: complete, old: old, boot: true, context: context)
                if isThere { present += 1 }
                if status == 200 { #expect(isThere, "\(context): answered 200, then the directory was lost") }
            }
            CrashSweepTests.report("powercut \(request) (\(names) names): \(syncs) syncs; cut \(cuts.count), target complete in \(present)")
        }
    }
}
