import Foundation
import MaskFormat
import MaskStorage
import MaskTestSupport
import Testing
@testable import MaskIndex

/// The delta directory's flat table (`DeltaSlots`) and a writer's extension of the directory a
/// query read (`DeltaRegion.scan(extending:)`): the same slots as a dictionary and as a full
/// scan would give.
@Suite struct DeltaSlotsTests {
    @Test func slotsBehaveLikeADictionaryOfMasks() {
        var slots = DeltaSlots(maskCount: 5_000)
        var reference: [Int: Int] = [:]
        var rng = SplitMix64(seed: 12)
        #expect(slots.isEmpty && slots[0] == nil && slots.listed.isEmpty)
        for slot in 0..<3_000 {
            let m = Int(rng.next() % 5_000)
            slots.set(mask: m, slot: slot)
            reference[m] = slot  // the last record of a mask wins
        }
        #expect(slots.count == reference.count)
        #expect((0..<5_000).allSatisfy { slots[$0] == reference[$0] })
        #expect(slots.listed.map(\.mask) == reference.keys.sorted())
        #expect(slots.listed.allSatisfy { reference[$0.mask] == $0.slot })
        #expect(slots[-1] == nil && slots[5_000] == nil)
    }

    @Test func aCopyIsIndependent() {
        var a = DeltaSlots(maskCount: 100)
        a.set(mask: 7, slot: 0)
        var b = a
        b.set(mask: 8, slot: 1)
        b.set(mask: 7, slot: 2)
        #expect(a.count == 1 && a[7] == 0 && a[8] == nil)
        #expect(b.count == 2 && b[7] == 2 && b[8] == 1)
    }

    /// A writer appending records after a reader read the directory: the reader's directory
    /// extended by the new records equals a full scan, and a merge (a new generation) makes the
    /// extension start over.
    @Test func extendingAReadDirectoryEqualsAFullScan() throws {
        let dir = NSTemporaryDirectory() + "ms-slots-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let suite = DeltaRegionTests()
        try suite.databases(dir)
        let path = dir + "/a"
        try suite.withSmallDelta(path)
        try suite.observe([3, 5], in: path)
        let reader = try #require(try DatabaseIndex(database: Database(path: path), incremental: false).files[0])
        let delta = try #require(reader.delta)
        let read = try #require(reader.deltaDirectory())
        #expect(read.storedCount == 2)
        try suite.observe([9, 11, 40], in: path)
        let extended = DeltaRegion.scan(delta.region, header: reader.header, verify: false, extending: read)
        let full = DeltaRegion.scan(delta.region, header: reader.header, verify: false)
        #expect(extended.storedCount == 5 && extended.generation == full.generation)
        #expect(extended.slots.listed.map(\.mask) == [3, 5, 9, 11, 40])
        #expect(extended.slots.listed.map(\.slot) == full.slots.listed.map(\.slot))
        // Four more masks overflow the 8 slots: the writer merges, the generation moves, and
        // the old directory is not extended (its slots may have been reused).
        try suite.observe([60, 61, 62, 63], in: path)
        let after = DeltaRegion.scan(delta.region, header: reader.header, verify: false, extending: read)
        #expect(after.generation != read.generation)
        #expect(after.slots.listed.map(\.mask) == DeltaRegion.scan(delta.region, header: reader.header, verify: false).slots.listed.map(\.mask))
    }
}
