/// The shard map (`SHARDS`) of a sharded database directory, version 1 (Format/shards.md): the one
/// place that knows its layout. Little-endian:
///
///     offset size
///     0      8    magic "\x89MSKSHD\n"
///     8      4    u32 version (1)
///     12     4    u32 shard count N (1...`maximumShards`)
///     16     4    u32 partition rule (1: `PartitionRule.splitMix64`)
///     20     4    u32 state (0 clean, 1 write in progress: a journal follows the names)
///     24     8    u64 epoch (incremented by every committed sharded write)
///     32     ...  N shard directory names (u16 byte length + UTF-8 each)
///     ...    8N   N × u64 mask count of each shard as of the last committed write (a shard with
///                 masks but no database, or another count, is damaged or was written alone)
///     ...    ...  state 1 only: N journal entries, one per shard in order:
///                 u8 had a database (0/1), then if 1: u32 n + n bytes, the shard's MANIFEST file
///                 as it was before the write (its own frame and CRC)
///     end-4  4    u32 CRC-32C of every byte before it
public enum ShardMapLayout {
    public static let magic: [UInt8] = [0x89, 0x4D, 0x53, 0x4B, 0x53, 0x48, 0x44, 0x0A]
    public static let version: UInt32 = 1
    public static let fileName = "SHARDS"
    /// Bytes before the shard names.
    public static let headerSize = 32
    /// The smallest file: header, no name (never valid: N >= 1) and the CRC.
    public static let minimumSize = 36
    public static let maximumShards: UInt32 = 4096

    public enum Offset {
        public static let magic = 0
        public static let version = 8
        public static let shardCount = 12
        public static let partitionRule = 16
        public static let state = 20
        public static let epoch = 24
        public static let names = 32
    }

    public enum State: UInt32, Sendable {
        case clean = 0
        case writing = 1
    }

    /// The name of shard `i`'s subdirectory: `shard-000`, `shard-001`, … (at least 3 digits).
    public static func shardName(_ i: Int) -> String {
        let digits = String(i)
        return "shard-" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }
}

/// The deterministic partition of masks by image_id (Format/shards.md): every mask of an image
/// lands in the same shard, and the rule is a pure function of (image_id, shard count), so any
/// process (a Ray worker, another machine) computes it alike.
public enum PartitionRule: UInt32, Sendable {
    /// shard = splitmix64(image_id as u64) mod N, where splitmix64 is SplitMix64's finalizer
    /// (Steele, Lea, Flood 2014): z += 0x9E3779B97F4A7C15; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
    /// z = (z ^ (z >> 27)) * 0x94D049BB133111EB; z ^ (z >> 31) (wrapping arithmetic).
    case splitMix64 = 1

    /// The shard of a mask of image `imageID` among `count` shards. - Complexity: O(1).
    public func shard(ofImage imageID: Int64, count: Int) -> Int {
        var z = UInt64(bitPattern: imageID) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(max(count, 1)))
    }
}
