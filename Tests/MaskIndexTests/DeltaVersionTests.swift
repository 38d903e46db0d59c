import Foundation
import MaskFormat
import MaskInspect
import MaskStorage
import MaskTestSupport
import Testing
@testable import MaskIndex

/// Index version 4 (Format/index.md, "Delta region"): the delta capacity is stored in the
/// delta header and new files hold every mask there, the records sparse until written, so
/// small queries append and never merge; `masksearch index` empties the region. Version-3
/// files keep the capacity by formula.
@Suite struct DeltaVersionTests {
    let base = DeltaRegionTests()

    @Test func versionFourHoldsEveryMaskWithoutMerging() throws {
        let dir = try base.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try base.databases(dir)
        _ = try IndexBuilder.build(databasePath: dir + "/b", bins: nil, cell: nil)
        let count = DeltaRegionTests.count
        var rng = SplitMix64(seed: 17)
        var indexed = Set<Int>()
        for _ in 0..<20 {
            let batch = (0..<5).map { _ in Int(rng.next() % UInt64(count)) }
            try base.observe(batch, in: dir + "/a")
            indexed.formUnion(batch)
            let f = try #require(try base.reopened(dir + "/a").files[0])
            let delta = try #require(f.delta)
            #expect(f.header.readVersion == 4 && delta.capacity == count && f.header.deltaCapacity == count)
            #expect(delta.generation == 0 && f.validCount == 0 && delta.storedCount == indexed.count)
        }
        // Beyond version 3's capacity (8 records), no merge.
        #expect(indexed.count > (count + 15) / 16)
        let path = try base.indexPath(dir + "/a")
        let h = try #require(try base.reopened(dir + "/a").files[0]?.header)
        // Sparse: the records not written take no blocks.
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_size == h.fileSize)
        #expect(Int(st.st_blocks) * 512 <= h.reservedSize + indexed.count * h.deltaRecordSize + 64 * 1024,
                "\(st.st_blocks) blocks for \(h.fileSize) bytes")
        let dump = try FileDump.open(path: path)
        #expect(dump.corruptions.isEmpty, "\(dump.corruptions)")
        guard case .object(let fields)? = (dump as? IndexDump)?.json() else { Issue.record("dump JSON is not an object"); return }
        #expect(fields.contains { $0.0 == "delta_capacity" && $0.1 == .int(count) } && fields.contains { $0.0 == "delta_records" && $0.1 == .int(indexed.count) })
        try base.expectSameBounds(try base.reopened(dir + "/a"), try base.reopened(dir + "/b"), rows: indexed, seed: 5)
        // `masksearch index` stores the rest into the columns and empties the region.
        let summary = try IndexBuilder.build(databasePath: dir + "/a", bins: nil, cell: nil)
        #expect(summary.built == count && summary.indexBytes == h.reservedSize)
        let full = try base.reopened(dir + "/a")
        #expect(full.files[0]!.delta!.storedCount == 0 && full.files[0]!.delta!.generation == 1 && full.files[0]!.validCount == count)
        try base.expectSameBounds(full, try base.reopened(dir + "/b"), rows: Set(0..<count), seed: 6)
    }

    /// A version-4 file made into the version-3 layout it has the same bytes as (read and write
    /// version 3, header checksum, capacity field zeroed, the capacity the formula's): read
    /// with the formula's capacity, filled and merged as before, and it stays version 3.
    @Test func versionThreeFilesKeepTheFormulaCapacity() throws {
        let dir = try base.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try base.databases(dir)
        try base.withSmallDelta(dir + "/a")
        _ = try IndexBuilder.build(databasePath: dir + "/b", bins: nil, cell: nil)
        let path = try base.indexPath(dir + "/a")
        let h4 = try #require(try base.reopened(dir + "/a").files[0]?.header)
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[8] = 3; data[9] = 0; data[10] = 3; data[11] = 0
        for i in 0..<4 { data[h4.deltaOffset + IndexLayout.deltaCapacityOffset + i] = 0 }
        let crc = data.withUnsafeBytes { IndexHeader.checksum($0) }
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { data[60 + i] = $0[i] } }
        try data.write(to: URL(fileURLWithPath: path))
        var rng = SplitMix64(seed: 23)
        var indexed = Set<Int>()
        for _ in 0..<12 {
            let batch = (0..<4).map { _ in Int(rng.next() % UInt64(DeltaRegionTests.count)) }
            try base.observe(batch, in: dir + "/a")
            indexed.formUnion(batch)
            let f = try #require(try base.reopened(dir + "/a").files[0])
            #expect(f.header.readVersion == 3 && f.delta!.capacity == 8 && f.header.fileSize == h4.fileSize)
            #expect(f.delta!.storedCount <= 8 && f.indexedCount == indexed.count)
        }
        #expect(try base.reopened(dir + "/a").files[0]!.delta!.generation >= 2)
        #expect(try FileDump.open(path: path).corruptions.isEmpty)
        try base.expectSameBounds(try base.reopened(dir + "/a"), try base.reopened(dir + "/b"), rows: indexed, seed: 9)
    }

    /// A stored capacity out of range (0, or more than the masks) is damage the open reports.
    @Test func versionFourCapacityOutOfRangeIsCorrupt() throws {
        let dir = try base.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try base.databases(dir)
        try base.observe([1, 2], in: dir + "/a")
        let path = try base.indexPath(dir + "/a")
        let h = try #require(try base.reopened(dir + "/a").files[0]?.header)
        for value: UInt8 in [0, 0xFF] {
            try base.patch(path, at: h.deltaOffset + IndexLayout.deltaCapacityOffset) { $0 = value }
            try base.patch(path, at: h.deltaOffset + IndexLayout.deltaCapacityOffset + 1) { $0 = value }
            let index = try base.reopened(dir + "/a")
            #expect(index.files[0] == nil && index.unusableFiles.count == 1)
            #expect((0..<DeltaRegionTests.count).allSatisfy { !index.isIndexed(row: $0) })
        }
    }
}
