import Foundation
import MaskTestSupport
import Testing

/// Crashes at every write and power cuts at every sync, for every write path (CrashWritePaths):
/// the command runs under the fault shim (CrashInjection.swift), SIGKILLed before its n-th write
/// event, or with the power cut before its n-th sync (the directory then rebuilt from what was
/// durable, under two models of which names survive). After each: the database opens, the
/// integrity check finds no damage (index damage only, which `masksearch index` rebuilds), every
/// check query — indexed and `--no-index` (brute force) — answers as on the old state or as on
/// the new one, all the same one, and the next writer works and leaves no temporary file.
/// A power cut after the command succeeded must keep the new state.
///
/// `MASKSEARCH_CRASH_SWEEP=full` runs every n; otherwise a seeded sample of at most
/// `sampleSize` points per path and model (always the first and last).
@Suite(.serialized) struct CrashSweepTests {
    static let sampleSize = 12
    static let full = ProcessInfo.processInfo.environment["MASKSEARCH_CRASH_SWEEP"] == "full"

    /// A write path ready to sweep: the base root, the old and the new answers, the event counts.
    struct Fixture {
        let scratch = Scratch()
        let path: WritePath
        var inputs: String { scratch.path + "/inputs" }
        var base: String { scratch.path + "/base" }
        var root: String { scratch.path + "/root" }
        var old: [String] = []
        var new: [String] = []
        var events = 0
        var syncs = 0

        init(_ path: WritePath) throws {
            self.path = path
            try FileManager.default.createDirectory(atPath: scratch.path + "/inputs/x", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: scratch.path + "/base", withIntermediateDirectories: true)
            try WritePath.writeInputs(inputs)
            try path.prepare(inputs, base)
            old = try CrashSweepTests.answers(base + "/db", path.queries, indexed: false, boot: false)
            try Trees.copy(base, to: root)
            let counted = try FaultShim.count(path.command(inputs, root), root: root)
            guard counted.result.status == 0 else { throw FaultShim.ShimError(message: "\(path): \(counted.result.stderr)") }
            (events, syncs) = (counted.events, counted.syncs)
            new = try CrashSweepTests.answers(root + "/db", path.queries, indexed: false, boot: false)
        }

        var hadDatabase: Bool { FileManager.default.fileExists(atPath: base + "/db") }
    }

    /// What one sweep saw, for the report.
    struct Tally: CustomStringConvertible {
        var runs = 0, newState = 0, indexRebuilt = 0
        var description: String { "\(runs) runs, \(newState) in the new state, \(runs - newState) in the old, \(indexRebuilt) index rebuilds" }
    }

    static func run(_ args: [String], boot: Bool) throws -> CLI.Result {
        boot ? try FaultShim.run(args, ["FI_BOOT_ID": FaultShim.newBoot]) : try CLI.run(args)
    }

    /// Each query's exit status and CSV output.
    static func answers(_ db: String, _ queries: [String], indexed: Bool, boot: Bool) throws -> [String] {
        try queries.map { q in
            let r = try run(["query", db, q, "--format", "csv"] + (indexed ? [] : ["--no-index"]), boot: boot)
            return "\(r.status)\n\(r.stdout)"
        }
    }

    /// The database directories under `db` (the shards of a sharded one).
    static func databases(_ db: String) -> [String] {
        guard FileManager.default.fileExists(atPath: db + "/SHARDS") else { return [db] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: db)) ?? []
        return names.filter { $0.hasPrefix("shard-") }.sorted().map { db + "/" + $0 }
    }

    /// The checks after one crash or cut; true when the new state was found.
    static func verify(_ f: Fixture, boot: Bool, tally: inout Tally, context: String) throws -> Bool {
        let db = f.root + "/db"
        let plain = try answers(db, f.path.queries, indexed: false, boot: boot)
        let isNew = plain == f.new
        #expect(isNew || plain == f.old, "\(context): --no-index answers are neither the old nor the new state: \(plain)")
        let indexed = try answers(db, f.path.queries, indexed: true, boot: boot)
        #expect(indexed == plain, "\(context): indexed answers differ from brute force: \(indexed) vs \(plain)")
        guard isNew || f.hadDatabase else {
            // No database before: the next ingest must work over whatever the crash left.
            let again = try run(["ingest", db, f.inputs + "/a.npy"], boot: boot)
            #expect(again.status == 0, "\(context): ingest after the crash: \(again.stderr)")
            return isNew
        }
        try checkIntegrity(db, boot: boot, tally: &tally, context: context)
        return isNew
    }

    /// No damage (index damage rebuilt by `masksearch index`); the next writer leaves no strays.
    static func checkIntegrity(_ db: String, boot: Bool, tally: inout Tally, context: String) throws {
        var indexDamage = false
        for d in databases(db) {
            let report = Integrity.check(database: d)
            #expect(report.damaged.isEmpty, "\(context): \(d) damaged: \(report.damaged)")
            indexDamage = indexDamage || !report.damagedIndex.isEmpty
        }
        if FileManager.default.fileExists(atPath: db + "/SHARDS") {
            #expect(Integrity.dump(db + "/SHARDS")?.corruptions == 0, "\(context): SHARDS damaged")
        }
        if indexDamage { tally.indexRebuilt += 1 }
        let index = try run(["index", db], boot: boot)
        #expect(index.status == 0, "\(context): index after the crash: \(index.stderr)")
        for d in databases(db) {
            #expect(Integrity.check(database: d) == Integrity.Report(), "\(context): \(d) after index")
            let strays = ((try? FileManager.default.contentsOfDirectory(atPath: d)) ?? []).filter { $0.contains(".tmp-") }
            #expect(strays.isEmpty, "\(context): strays after the next writer: \(strays)")
        }
    }

    /// The n to run in 1...count: all, or a seeded sample with both ends.
    static func points(_ count: Int, seed: UInt64) -> [Int] {
        guard count > 0 else { return [] }
        guard !full, count > sampleSize else { return Array(1...count) }
        var rng = SplitMix64(seed: seed)
        var chosen: Set<Int> = [1, count]
        while chosen.count < sampleSize { chosen.insert(1 + Int(rng.next() % UInt64(count))) }
        return chosen.sorted()
    }

    /// Prints `line` and appends it to `$MASKSEARCH_CRASH_REPORT` when set.
    static func report(_ line: String) {
        print(line)
        guard let file = ProcessInfo.processInfo.environment["MASKSEARCH_CRASH_REPORT"] else { return }
        let old = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        try? (old + line + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    }

    @Test(arguments: WritePath.all)
    func crashAtEveryWrite(path: WritePath) throws {
        let start = Date()
        let f = try Fixture(path)
        #expect(f.events > 0, "\(path): no write event seen")
        var tally = Tally()
        for n in Self.points(f.events, seed: 0xC0A5 &+ UInt64(f.events)) {
            try Trees.copy(f.base, to: f.root)
            let r = try FaultShim.crash(path.command(f.inputs, f.root), root: f.root, at: n)
            #expect(r.status != 0, "\(path) at event \(n): not killed")
            tally.runs += 1
            if try Self.verify(f, boot: false, tally: &tally, context: "\(path), kill before write event \(n)") { tally.newState += 1 }
        }
        Self.report("crash \(path): \(f.events) write events, \(f.syncs) syncs; killed: \(tally); \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }

    @Test(arguments: WritePath.all)
    func powerCutAtEverySync(path: WritePath) throws {
        let start = Date()
        let f = try Fixture(path)
        for names in PowerCut.Names.allCases {
            var tally = Tally()
            let cuts = Self.points(f.syncs + 1, seed: 0x5EED &+ UInt64(f.syncs))  // always holds syncs + 1
            for n in cuts {
                try Trees.copy(f.base, to: f.root)
                _ = try FaultShim.powerCut(path.command(f.inputs, f.root), root: f.root, at: n, names: names)
                tally.runs += 1
                let context = "\(path), power cut (\(names) names) before sync \(n) of \(f.syncs)"
                let isNew = try Self.verify(f, boot: true, tally: &tally, context: context)
                if isNew { tally.newState += 1 }
                if n == f.syncs + 1 { #expect(isNew, "\(context): the command had succeeded, its data is lost") }
            }
            Self.report("powercut \(path) (\(names) names): \(f.syncs) syncs; cut: \(tally); \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        }
    }
}
