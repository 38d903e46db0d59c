import Foundation
import MaskInspect

/// The fault-injection shim (`Tests/FaultInjection/faultshim.c`, an LD_PRELOAD library: see its
/// header) compiled once per test process with the system C compiler, and the runs it drives:
/// count the write events of a command, SIGKILL it before its n-th write event, or cut the power
/// before its n-th sync and rebuild the directory from what was durable.
enum FaultShim {
    static let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FaultInjection/faultshim.c").path

    /// The compiled library, or the compilers' complaints: the Swift toolchain's `clang` (there
    /// wherever SwiftPM builds the C targets), else the system's `cc`. Kept in the temporary
    /// folder under a name of the source's hash (FNV-1a), so test runs share one build.
    static let library: Result<String, ShimError> = {
        let text = FileManager.default.contents(atPath: source) ?? Data()
        let hash = text.reduce(UInt64(0xcbf29ce484222325)) { ($0 ^ UInt64($1)) &* 0x100000001b3 }
        let final = NSTemporaryDirectory() + "faultshim-\(String(hash, radix: 16)).so"
        if FileManager.default.fileExists(atPath: final) { return .success(final) }
        let out = final + ".tmp-\(getpid())"
        var complaints: [String] = []
        for compiler in ["clang", "cc"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [compiler, "-shared", "-fPIC", "-O1", "-o", out, source, "-ldl", "-lpthread"]
            let err = Pipe()
            p.standardError = err
            do { try p.run() } catch { complaints.append("\(compiler): \(error)"); continue }
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            if p.terminationStatus == 0, rename(out, final) == 0 { return .success(final) }
            complaints.append("\(compiler): \(message)")
        }
        return .failure(ShimError(message: "cannot compile \(source): \(complaints.joined(separator: "; "))"))
    }()

    struct ShimError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// A boot id file for the processes that run after a simulated power cut (a new boot: index
    /// bits that relied on unsynced stores of the old one are not trusted).
    static let newBoot: String = {
        let path = NSTemporaryDirectory() + "faultshim-boot"
        try? "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }()

    /// Runs the binary with the shim loaded and `environment` added.
    static func run(_ args: [String], _ environment: [String: String]) throws -> CLI.Result {
        try CLI.run(args, environment: environment.merging(["LD_PRELOAD": try library.get()]) { $1 })
    }

    /// Runs `args` in count mode over `root`: (write events, sync events).
    static func count(_ args: [String], root: String) throws -> (events: Int, syncs: Int, result: CLI.Result) {
        try counting(root: root) { env in try run(args, env) }
    }

    /// Runs `body` with the count-mode environment for `root`; its result and the counts.
    static func counting<T>(root: String, _ body: ([String: String]) throws -> T) throws -> (events: Int, syncs: Int, result: T) {
        let counts = root + ".count"
        defer { try? FileManager.default.removeItem(atPath: counts) }
        let r = try body(["FI_DIR": root, "FI_MODE": "count", "FI_OUT": counts])
        let fields = try String(contentsOfFile: counts, encoding: .utf8).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard fields.count == 2 else { throw ShimError(message: "no event counts in \(counts)") }
        return (fields[0], fields[1], r)
    }

    /// Runs `args`, SIGKILLed before its `n`-th write event under `root`.
    static func crash(_ args: [String], root: String, at n: Int) throws -> CLI.Result {
        try run(args, ["FI_DIR": root, "FI_MODE": "crash", "FI_N": String(n)])
    }

    /// Runs `args` with the power cut before its `n`-th sync under `root` (n = syncs + 1: after it
    /// ended), then replaces `root` by what survives the cut: names as `names` says, each file
    /// with its durable content (the last synced, empty if never synced since its creation).
    static func powerCut(_ args: [String], root: String, at n: Int, names: PowerCut.Names) throws -> CLI.Result {
        try powerCut(root: root, at: n, names: names) { env in try run(args, env) }
    }

    /// `powerCut` for any `body` that runs the binary with the environment it is given.
    static func powerCut<T>(root: String, at n: Int, names: PowerCut.Names, _ body: ([String: String]) throws -> T) throws -> T {
        let shadow = root + ".shadow"
        try FileManager.default.createDirectory(atPath: shadow, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: shadow) }
        let rootInode = try PowerCut.inode(root)
        let r = try body(["FI_DIR": root, "FI_MODE": "powercut", "FI_N": String(n), "FI_SHADOW": shadow])
        let rebuilt = root + ".cut"
        try PowerCut.rebuild(root: root, rootInode: rootInode, shadow: shadow, names: names, into: rebuilt)
        try FileManager.default.removeItem(atPath: root)
        try FileManager.default.moveItem(atPath: rebuilt, toPath: root)
        return r
    }
}

/// Rebuilding a directory tree as a power cut leaves it, from the shim's shadow (by inode:
/// `ino-<i>` durable contents, `dir-<i>` durable entry lists).
enum PowerCut {
    /// Which names survive: those made durable by a directory fsync (or present at the start),
    /// or every name as it was at the cut (a journal that committed each name change but no data).
    enum Names: String, CaseIterable, Sendable { case synced, eager }

    static func inode(_ path: String) throws -> UInt64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
    }

    static func rebuild(root: String, rootInode: UInt64, shadow: String, names: Names, into out: String) throws {
        try? FileManager.default.removeItem(atPath: out)
        switch names {
        case .synced: try rebuildSynced(inode: rootInode, shadow: shadow, into: out)
        case .eager: try rebuildEager(path: root, shadow: shadow, into: out)
        }
    }

    /// The durable content of file `inode`: empty when it was never synced since its creation.
    static func content(_ inode: UInt64, shadow: String) -> Data {
        FileManager.default.contents(atPath: shadow + "/ino-\(inode)") ?? Data()
    }

    /// Directory `inode` from its durable entry list (empty when it was never synced).
    static func rebuildSynced(inode: UInt64, shadow: String, into out: String) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        let list = (try? String(contentsOfFile: shadow + "/dir-\(inode)", encoding: .utf8)) ?? ""
        for line in list.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count == 3, let child = UInt64(fields[1]) else { continue }
            let path = out + "/" + fields[2]
            if fields[0] == "d" {
                try rebuildSynced(inode: child, shadow: shadow, into: path)
            } else {
                try content(child, shadow: shadow).write(to: URL(fileURLWithPath: path))
            }
        }
    }

    /// The tree at `path` as it is, every file's content replaced by its durable content.
    static func rebuildEager(path: String, shadow: String, into out: String) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            let child = path + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: child, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                try rebuildEager(path: child, shadow: shadow, into: out + "/" + name)
            } else {
                try content(try inode(child), shadow: shadow).write(to: URL(fileURLWithPath: out + "/" + name))
            }
        }
    }
}

/// Copies of directory trees (the test process itself is not under the shim).
enum Trees {
    static func copy(_ from: String, to: String) throws {
        try? FileManager.default.removeItem(atPath: to)
        try FileManager.default.copyItem(atPath: from, toPath: to)
    }

    /// Every regular file under `root`, relative, sorted, with its bytes.
    static func files(_ root: String) -> [String: Data] {
        var result: [String: Data] = [:]
        guard let e = FileManager.default.enumerator(atPath: root) else { return result }
        while let relative = e.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[relative] = FileManager.default.contents(atPath: root + "/" + relative) ?? Data()
            }
        }
        return result
    }
}

/// The integrity check of a database directory, in process (MaskInspect, as `masksearch dump`):
/// the manifest and every file it names. Returns the damaged files' names (index files apart).
enum Integrity {
    struct Report: Equatable {
        var damaged: [String] = []
        var damagedIndex: [String] = []
    }

    static func check(database db: String) -> Report {
        var report = Report()
        guard let manifest = dump(db + "/MANIFEST") else { return Report(damaged: ["MANIFEST"]) }
        if manifest.corruptions > 0 { report.damaged.append("MANIFEST") }
        let regex = try! NSRegularExpression(pattern: "(seg|roi|chi)-[0-9]+\\.(mss|msr|chi)")
        let text = manifest.text as NSString
        let names = Set(regex.matches(in: manifest.text, range: NSRange(location: 0, length: text.length)).map { text.substring(with: $0.range) })
        for name in names.sorted() {
            guard let d = dump(db + "/" + name), d.corruptions == 0 else {
                if name.hasPrefix("chi-") { report.damagedIndex.append(name) } else { report.damaged.append(name) }
                continue
            }
        }
        return report
    }

    static func dump(_ path: String) -> (text: String, corruptions: Int)? {
        guard let dumper = try? FileDump.open(path: path) else { return nil }
        var text = ""
        let n = dumper.write(DumpOptions(), to: &text)
        return (text, n)
    }
}
