import Foundation
import MaskFormat
@testable import MaskStorage
import Testing

/// The shard map (Format/shards.md): the partition rule's test vectors, the encoding round trip,
/// damage at every byte detected, and recovery of an interrupted sharded write.
@Suite struct ShardMapTests {
    @Test func partitionRuleTestVectors() {
        let rule = PartitionRule.splitMix64
        for (id, n4, n3) in [(Int64(0), 3, 1), (1, 1, 2), (2, 2, 1), (42, 1, 1), (-1, 0, 2)] {
            #expect(rule.shard(ofImage: id, count: 4) == n4, "image \(id)")
            #expect(rule.shard(ofImage: id, count: 3) == n3, "image \(id)")
        }
    }

    @Test func roundTripAndEveryDamagedByteIsCaught() throws {
        var map = ShardMap(shardCount: 3)
        map.epoch = 7
        map.maskCounts = [5, 0, 9]
        map.journal = [[1, 2, 3], nil, []]
        let bytes = map.encoded()
        #expect(try bytes.withUnsafeBytes { try ShardMap.decode($0, file: "SHARDS") } == map)
        for i in bytes.indices {
            var damaged = bytes
            damaged[i] ^= 0x10
            #expect(throws: FormatError.self, "byte \(i)") { try damaged.withUnsafeBytes { try ShardMap.decode($0, file: "SHARDS") } }
        }
        #expect(throws: FormatError.self) { try Array(bytes.dropLast()).withUnsafeBytes { try ShardMap.decode($0, file: "SHARDS") } }
    }

    /// A writer that died after journaling and after one shard committed: the next `readClean`
    /// restores every shard and sweeps the new files.
    @Test func interruptedWriteIsRolledBack() throws {
        let dir = NSTemporaryDirectory() + "ms-shardmap-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ShardedDatabase.create(at: dir, shards: 2)
        let shard0 = dir + "/shard-000"
        let before = try FileManager.default.contentsOfDirectory(atPath: shard0)
        var journaled = try ShardMap.read(dir)
        journaled.journal = [nil, nil]
        try journaled.write(to: dir)
        // The dead writer's work in shard 0: a manifest and a segment file.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: shard0 + "/MANIFEST"))
        try Data([4]).write(to: URL(fileURLWithPath: shard0 + "/seg-000001.mss"))
        let clean = try ShardedDatabase.readClean(dir)
        #expect(clean.journal == nil && clean.epoch == journaled.epoch + 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: shard0).filter { $0 != "LOCK" } == before.filter { $0 != "LOCK" })
        #expect(try ShardMap.read(dir) == clean)
    }
}
