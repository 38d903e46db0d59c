import Foundation
import Testing
@testable import MaskDatasets

@Suite("Determinism")
struct DeterminismTests {
    private let files = ["masks.npy", "meta.csv", "rois/object.csv", "images/0.png", "images/19.png"]

    private func contents(_ directory: URL) throws -> [Data] {
        try files.map { try Data(contentsOf: directory.appendingPathComponent($0)) }
    }

    @Test("the same seed gives byte-identical files")
    func sameSeedSameBytes() throws {
        let a = try generate(smallConfiguration(seed: 11)), b = try generate(smallConfiguration(seed: 11))
        defer { a.cleanUp(); b.cleanUp() }
        #expect(try contents(a.url) == contents(b.url))
    }

    @Test("a different seed gives different masks and metadata")
    func differentSeedDifferentBytes() throws {
        let a = try generate(smallConfiguration(seed: 11)), b = try generate(smallConfiguration(seed: 12))
        defer { a.cleanUp(); b.cleanUp() }
        let first = try contents(a.url), second = try contents(b.url)
        #expect(first[0] != second[0])
        #expect(first[1] != second[1])
    }

    @Test("the files do not depend on the thread count or the chunk size",
          arguments: [1, 2, 3, 8], [1, 5_000, DatasetGenerator.defaultChunkBytes])
    func threadCountDoesNotMatter(threads: Int, chunkBytes: Int) throws {
        // 200 masks of 32×44: one chunk by default, 67 chunks of one image at 1 byte, 17 of
        // four images at 5,000 bytes (the last one short).
        var configuration = smallConfiguration(masks: 200, seed: 5)
        let reference = try generate(configuration)
        configuration.threadCount = threads
        let other = try generate(configuration, chunkBytes: chunkBytes)
        defer { reference.cleanUp(); other.cleanUp() }
        #expect(try contents(reference.url) == contents(other.url))
        let images = try FileManager.default.contentsOfDirectory(atPath: other.url.appendingPathComponent("images").path)
        #expect(images.count == 67)
    }

    @Test("a smaller dataset is a prefix of a larger one with the same seed")
    func prefixProperty() throws {
        let small = try generate(smallConfiguration(masks: 31, images: false))
        let large = try generate(smallConfiguration(masks: 60, images: false))
        defer { small.cleanUp(); large.cleanUp() }
        let smallMasks = try ParsedNPY(Data(contentsOf: small.url.appendingPathComponent("masks.npy"))).data
        let largeMasks = try ParsedNPY(Data(contentsOf: large.url.appendingPathComponent("masks.npy"))).data
        #expect(smallMasks == largeMasks.prefix(smallMasks.count))
        let smallMeta = try csvRows(small.url.appendingPathComponent("meta.csv")).rows
        let largeMeta = try csvRows(large.url.appendingPathComponent("meta.csv")).rows
        #expect(smallMeta == Array(largeMeta.prefix(smallMeta.count)))
    }

    @Test("distinct streams of one seed give distinct sequences")
    func streamsDiffer() {
        var a = SeededRandom(seed: 1, stream: 0), b = SeededRandom(seed: 1, stream: 1)
        let first = (0..<8).map { _ in a.next() }, second = (0..<8).map { _ in b.next() }
        #expect(first != second)
        #expect(Set(first).isDisjoint(with: second))
    }
}
