import Foundation
import MaskInspect
import Testing

/// The dumper's output for the committed fixture, compared byte for byte to golden files
/// (see Support.swift for how to regenerate them).
@Suite struct GoldenTests {
    @Test func segmentSummary() throws {
        let (text, n) = try dump(Fixtures.segment)
        #expect(n == 0)
        expectGolden(text, "seg.summary.golden.txt")
    }

    @Test func segmentHeaderAndBlocks() throws {
        let (text, n) = try dump(Fixtures.segment, DumpOptions(header: true, blocks: true))
        #expect(n == 0)
        expectGolden(text, "seg.header-blocks.golden.txt")
    }

    @Test func segmentJSON() throws {
        let (text, n) = try dump(Fixtures.segment, DumpOptions(json: true))
        #expect(n == 0)
        expectGolden(text, "seg.json.golden.txt")
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(object?["corruption_count"] as? Int == 0)
        #expect((object?["blocks"] as? [Any])?.count == 4)
    }

    @Test func manifest() throws {
        let (text, n) = try dump(Fixtures.manifest, DumpOptions(header: true))
        #expect(n == 0)
        expectGolden(text, "manifest.golden.txt")
    }

    @Test func roiSet() throws {
        let (text, n) = try dump(Fixtures.roi, DumpOptions(header: true, blocks: true))
        #expect(n == 0)
        expectGolden(text, "roi.golden.txt")
    }

    @Test func notAMasksearchFile() throws {
        #expect(throws: DumpError.self) { _ = try FileDump.open(path: Fixtures.directory + "/tiny-meta.csv") }
        #expect(throws: DumpError.self) { _ = try FileDump.open(path: Fixtures.directory + "/does-not-exist") }
        #expect(throws: DumpError.self) { _ = try FileDump.open(path: Fixtures.directory) }
    }
}
