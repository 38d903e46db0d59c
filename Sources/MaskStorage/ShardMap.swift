import MaskFormat

/// The shard map of a sharded database directory (`SHARDS`, Format/shards.md): the shard
/// subdirectories, the partition rule, an epoch, and — while a sharded write (ingest, roi, index)
/// is in progress — its journal: every shard's MANIFEST as it was before the write (nil: the
/// shard had no database yet). Written only by replacing the file atomically (write a temporary
/// file, fsync, rename, fsync the directory), as the manifest is.
public struct ShardMap: Sendable, Equatable {
    public var shardNames: [String]
    public var rule: PartitionRule
    public var epoch: UInt64
    /// Each shard's number of masks as of the last committed write.
    public var maskCounts: [Int]
    /// nil: clean. Else one entry per shard: the MANIFEST file's bytes before the write.
    public var journal: [[UInt8]?]?

    public init(shardCount: Int, rule: PartitionRule = .splitMix64) {
        shardNames = (0..<shardCount).map(ShardMapLayout.shardName)
        self.rule = rule
        epoch = 0
        maskCounts = Array(repeating: 0, count: shardCount)
        journal = nil
    }

    public static func path(_ directory: String) -> String { directory + "/" + ShardMapLayout.fileName }

    /// True when `directory` holds a shard map (it is a sharded database).
    public static func exists(at directory: String) -> Bool { SystemCalls.exists(path(directory)) }

    /// The directory of shard `i`.
    public func shardPath(_ directory: String, _ i: Int) -> String { directory + "/" + shardNames[i] }

    /// The file's bytes. - Complexity: O(size).
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.raw(ShardMapLayout.magic)
        w.u32(ShardMapLayout.version)
        w.u32(UInt32(shardNames.count))
        w.u32(rule.rawValue)
        w.u32(journal == nil ? ShardMapLayout.State.clean.rawValue : ShardMapLayout.State.writing.rawValue)
        w.u64(epoch)
        for n in shardNames { w.shortString(n) }
        for c in maskCounts { w.u64(UInt64(c)) }
        for entry in journal ?? [] {
            if let bytes = entry {
                w.u8(1)
                w.u32(UInt32(bytes.count))
                w.raw(bytes)
            } else {
                w.u8(0)
            }
        }
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    /// Replaces `directory/SHARDS` atomically by this map.
    public func write(to directory: String) throws(StorageError) {
        try writeFileAtomically(encoded(), to: Self.path(directory), directory: directory)
    }

    /// Reads and checks `directory/SHARDS`: a missing file is `notADatabase`, a damaged one
    /// `corrupt` (exit 1). - Complexity: O(file size).
    public static func read(_ directory: String) throws(StorageError) -> ShardMap {
        guard exists(at: directory) else {
            throw StorageError.notADatabase(path: directory, reason: "no \(ShardMapLayout.fileName) (not a sharded database)")
        }
        let file = try MappedFile(path: path(directory))
        defer { withExtendedLifetime(file) {} }
        do throws(FormatError) {
            return try decode(file.bytes, file: path(directory))
        } catch {
            throw StorageError.corrupt(error)
        }
    }
}
