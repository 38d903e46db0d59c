import Foundation
import MaskFormat
import MaskStorage

/// The dump of a shard map (`SHARDS`, Format/shards.md): header fields read at their offsets
/// even when the file is damaged, the shard names and mask counts, the journal of a sharded
/// write in progress (or interrupted), and cross-checks against the directory: every shard
/// directory exists, and a shard the map says holds masks has a MANIFEST.
public struct ShardMapDump: FileDumper {
    public let displayName: String
    public let fileSize: Int
    public let map: ShardMap?
    public let corruptions: [FormatError]
    public let warnings: [FormatError]
    let fields: [(String, String)]

    init(file: MappedFile) {
        displayName = FileDump.lastComponent(file.path)
        let bytes = file.bytes
        fileSize = bytes.count
        var f: [(String, String)] = []
        typealias O = ShardMapLayout.Offset
        if bytes.count >= ShardMapLayout.headerSize {
            f.append(("version", String(loadLittleEndian(UInt32.self, from: bytes, at: O.version))))
            f.append(("shards", String(loadLittleEndian(UInt32.self, from: bytes, at: O.shardCount))))
            f.append(("rule", String(loadLittleEndian(UInt32.self, from: bytes, at: O.partitionRule)) + " (1: splitmix64(image_id) mod N)"))
            f.append(("state", String(loadLittleEndian(UInt32.self, from: bytes, at: O.state)) + " (0 clean, 1 write in progress)"))
            f.append(("epoch", String(loadLittleEndian(UInt64.self, from: bytes, at: O.epoch))))
        }
        fields = f
        var found: [FormatError] = []
        var warned: [FormatError] = []
        var decoded: ShardMap?
        do throws(FormatError) {
            decoded = try ShardMap.decode(bytes, file: "")
        } catch {
            found.append(error)
        }
        map = decoded
        if let m = decoded {
            let dir = (file.path as NSString).deletingLastPathComponent
            for (i, name) in m.shardNames.enumerated() {
                let shard = dir + "/" + name
                var isDirectory: ObjCBool = false
                if !FileManager.default.fileExists(atPath: shard, isDirectory: &isDirectory) || !isDirectory.boolValue {
                    found.append(FormatError(.invalidField, structure: "shard map", offset: nil, detail: "shard directory \(name) is missing"))
                } else if m.maskCounts[i] > 0 && !FileManager.default.fileExists(atPath: shard + "/MANIFEST") {
                    found.append(FormatError(.invalidField, structure: "shard map", offset: nil,
                                             detail: "shard \(name) holds \(m.maskCounts[i]) masks but has no MANIFEST"))
                }
            }
            if m.journal != nil {
                warned.append(FormatError(.invalidField, structure: "shard map", offset: UInt64(O.state),
                                          detail: "a sharded write is in progress or was interrupted (the next write or query rolls it back)"))
            }
        }
        corruptions = found
        warnings = warned
    }

    @discardableResult
    public func write<Out: TextOutputStream>(_ options: DumpOptions, to out: inout Out) -> Int {
        if options.json {
            var items: [(String, JSONValue)] = [("file", .string(displayName)), ("kind", .string("shard map")), ("size", .int(fileSize))]
            for (k, v) in fields { items.append((k, .string(v))) }
            if let m = map {
                items.append(("shard_names", .array(m.shardNames.map { .string($0) })))
                items.append(("mask_counts", .array(m.maskCounts.map { .int($0) })))
            }
            items.append(("corruptions", .array(corruptions.map(FileDump.json))))
            out.write(JSONValue.object(items).rendered() + "\n")
            return corruptions.count
        }
        func line(_ k: String, _ v: String) { out.write((k + ":").padding(to: 14) + v + "\n") }
        line("file", displayName)
        line("kind", "shard map")
        line("size", "\(fileSize) bytes")
        for (k, v) in fields { line(k, v) }
        if let m = map {
            for (i, name) in m.shardNames.enumerated() {
                line("shard \(i)", "\(name): \(m.maskCounts[i]) masks" + (m.journal.map { $0[i] == nil ? " (journal: no database before)" : " (journal: MANIFEST of \($0[i]!.count) bytes)" } ?? ""))
            }
        }
        FileDump.writeCorruptions(corruptions, warnings: warnings, to: &out)
        return corruptions.count
    }
}
