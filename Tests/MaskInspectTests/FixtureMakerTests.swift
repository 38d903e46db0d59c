import Foundation
import MaskFormat
import MaskStorage
import Testing

/// Makes `Fixtures/tinydb` from `tiny.npy`, `tiny-meta.csv` and `tiny-rois.csv` — what
/// `masksearch ingest DB tiny.npy --meta tiny-meta.csv` + `masksearch roi DB object
/// tiny-rois.csv` do, with band rows 2 (the CLI has no option for it). Runs only with
///     MASKINSPECT_MAKE_FIXTURE=1 swift test --scratch-path .build-inspect --filter FixtureMaker
/// The committed files are the version-1 compatibility fixture: do not regenerate them
/// after a format change (add a new fixture beside them instead).
@Suite struct FixtureMakerTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MASKINSPECT_MAKE_FIXTURE"] == "1"))
    func makeTinyDatabase() throws {
        try make("tinydb")
    }

    /// `Fixtures/v2db`, the version-2 fixture (column statistics), from the same inputs:
    ///     MASKINSPECT_MAKE_V2_FIXTURE=1 swift test --filter FixtureMaker
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MASKINSPECT_MAKE_V2_FIXTURE"] == "1"))
    func makeV2Database() throws {
        try make("v2db")
    }

    /// `Fixtures/v3db`, the version-3 fixture (block directory in pieces), from the same
    /// inputs with 3 blocks per piece (its 4 blocks: a piece of 3 and a piece of 1):
    ///     MASKINSPECT_MAKE_V3_FIXTURE=1 swift test --filter FixtureMaker
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MASKINSPECT_MAKE_V3_FIXTURE"] == "1"))
    func makeV3Database() throws {
        try make("v3db", blocksPerPiece: 3)
    }

    func make(_ name: String, blocksPerPiece: Int = SegmentLayout.defaultBlocksPerPiece) throws {
        let src = Fixtures.sourceDirectory
        let tmp = Fixtures.temporaryDirectory()
        defer { Fixtures.cleanup(tmp) }
        let db = tmp + "/tinydb"
        var options = Ingester.Options()
        options.metaPath = src + "/tiny-meta.csv"
        options.bandRows = 2
        options.blocksPerPiece = blocksPerPiece
        _ = try Ingester.ingest(into: db, inputs: [src + "/tiny.npy"], options: options)
        _ = try ROISetLoader.load(into: db, name: "object", csvPath: src + "/tiny-rois.csv")
        let out = src + "/" + name
        try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for file in ["MANIFEST", "seg-000001.mss", "roi-000002.msr"] {
            try FileManager.default.copyItem(atPath: db + "/" + file, toPath: out + "/" + file)
        }
    }
}
