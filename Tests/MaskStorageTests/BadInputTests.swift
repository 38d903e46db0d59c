import Foundation
import MaskFormat
import Testing
@testable import MaskStorage

/// Every bad input of issue 2: a typed error naming the file and the place, and the
/// database byte-identical afterwards (or absent when it did not exist).
@Suite struct BadInputTests {
    /// Ingests `inputs` into a database holding the u8 fixture already, expects
    /// `invalidInput` whose description contains every `fragment`, and checks that the
    /// directory did not change.
    func expectRejected(_ inputs: [String], options: Ingester.Options = .init(), existing: Bool = true,
                        fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let t = TempDirectory()
        if existing {
            var o = Ingester.Options()
            o.metaPath = Fixtures.file("meta_ok.csv")
            _ = try Ingester.ingest(into: t.db, inputs: [Fixtures.npy("u8_3x5x7.npy")], options: o)
        }
        let before = snapshot(t.db)
        do {
            _ = try Ingester.ingest(into: t.db, inputs: inputs, options: options)
            Issue.record("expected a rejection", sourceLocation: sourceLocation)
        } catch {
            #expect(error.isUserError, "\(error)", sourceLocation: sourceLocation)
            for f in fragments {
                #expect(error.description.contains(f), "'\(f)' not in: \(error)", sourceLocation: sourceLocation)
            }
        }
        #expect(snapshot(t.db) == before, "database changed", sourceLocation: sourceLocation)
        if !existing { #expect(!FileManager.default.fileExists(atPath: t.db), sourceLocation: sourceLocation) }
    }

    @Test func nanIsRejectedWithMaskAndPixel() throws {
        try expectRejected([Fixtures.npy("nan_3x5x7.npy")], fragments: ["nan_3x5x7.npy", "mask 1", "row 2, col 3", "not finite"])
        try expectRejected([Fixtures.npy("nan_3x5x7.npy")], existing: false, fragments: ["mask 1"])
    }

    @Test func infinityIsRejected() throws {
        try expectRejected([Fixtures.npy("neg_inf_3x5x7.npy")], existing: false, fragments: ["mask 0", "row 0, col 1", "not finite"])
    }

    @Test func outOfRangeIsRejectedUnlessClipped() throws {
        try expectRejected([Fixtures.npy("above_one_3x5x7.npy")], existing: false,
                           fragments: ["above_one", "mask 2", "row 4, col 6", "outside [0, 1]"])
        let t = TempDirectory()
        var o = Ingester.Options()
        o.clip = true
        _ = try Ingester.ingest(into: t.db, inputs: [Fixtures.npy("above_one_3x5x7.npy")], options: o)
        #expect(try values(Database(path: t.db), row: 2)[34] == 1.0)
        // NaN is never clipped.
        let t2 = TempDirectory()
        #expect(throws: StorageError.self) { try Ingester.ingest(into: t2.db, inputs: [Fixtures.npy("nan_3x5x7.npy")], options: o) }
    }

    @Test func otherShapeIsRejected() throws {
        try expectRejected([Fixtures.npy("u8_9x11.npy")], fragments: ["u8_9x11.npy", "9x11", "5x7"])
        try expectRejected([Fixtures.npy("u8_3x5x7.npy"), Fixtures.npy("u8_9x11.npy")], existing: false, fragments: ["9x11"])
    }

    @Test func duplicateMaskIDs() throws {
        var o = Ingester.Options()
        o.metaPath = Fixtures.file("meta_dup.csv")
        try expectRejected([Fixtures.npy("u8_3x5x7.npy")], options: o, existing: false, fragments: ["meta_dup.csv", "line 4", "duplicate mask_id 5", "twice"])
        o.metaPath = Fixtures.file("meta_ok.csv")
        try expectRejected([Fixtures.npy("u8_3x5x7.npy")], options: o, fragments: ["line 2", "duplicate mask_id 10", "already in the database"])
    }

    @Test func metadataRowCountMustMatch() throws {
        var o = Ingester.Options()
        o.metaPath = Fixtures.file("meta_two_rows.csv")
        try expectRejected([Fixtures.npy("u8_3x5x7.npy")], options: o, existing: false, fragments: ["meta_two_rows.csv", "2 metadata rows for 3 masks"])
    }

    @Test func unparsableCSVCell() throws {
        var o = Ingester.Options()
        o.metaPath = Fixtures.file("meta_bad_image_id.csv")
        try expectRejected([Fixtures.npy("u8_3x5x7.npy")], options: o, existing: false, fragments: ["line 3", "column 'image_id'", "'cat' is not an integer"])
    }

    @Test func malformedNpy() throws {
        try expectRejected([Fixtures.npy("truncated_header.npy")], fragments: ["truncated_header.npy", "truncated"])
        try expectRejected([Fixtures.npy("truncated_data.npy")], fragments: ["truncated_data.npy", "truncated"])
        try expectRejected([Fixtures.npy("bad_magic.npy")], fragments: ["bad magic"])
        try expectRejected([Fixtures.npy("fortran_5x7.npy")], fragments: ["Fortran"])
        try expectRejected([Fixtures.npy("i32_5x7.npy")], fragments: ["unsupported dtype '<i4'"])
        try expectRejected([Fixtures.npy("u8_4d.npy")], fragments: ["is not (H, W) or (N, H, W)"])
    }

    @Test func emptyInputAndMissingFiles() throws {
        try expectRejected([], fragments: ["no input files"])
        try expectRejected(["/nonexistent/x.npy"], fragments: ["/nonexistent/x.npy", "no such file"])
        var o = Ingester.Options()
        o.raw = .init(count: 0, height: 5, width: 7, elementType: .uint8)
        let t = TempDirectory()
        t.create()
        #expect(FileManager.default.createFile(atPath: t.path + "/empty.bin", contents: Data()))
        try expectRejected([t.path + "/empty.bin"], options: o, fragments: ["empty input"])
    }

    @Test func rawDumpOfWrongSize() throws {
        var o = Ingester.Options()
        o.raw = .init(count: 4, height: 5, width: 7, elementType: .float32)
        try expectRejected([Fixtures.npy("raw_f32_3x5x7.bin")], options: o, fragments: ["--raw-shape 4,5,7"])
    }

    @Test func otherPrecisionThanTheDatabase() throws {
        var o = Ingester.Options()
        o.pixelFormat = .float32
        try expectRejected([Fixtures.npy("f32_3x5x7.npy")], options: o, fragments: ["stores uint8"])
    }

    @Test func badROIFiles() throws {
        let t = TempDirectory()
        _ = try Ingester.ingest(into: t.db, inputs: [Fixtures.npy("u8_3x5x7.npy")], options: .init())
        let before = snapshot(t.db)
        for (csv, name, fragment) in [("boxes_bad.csv", "object", "'two' is not a finite number"),
                                      ("boxes_nokey.csv", "object", "needs an image_id or mask_id"), ("meta_ok.csv", "object", "both image_id and mask_id"),
                                      ("boxes_float.csv", "full", "not a valid name"),
                                      ("missing.csv", "object", "no such file")] {
            #expect {
                try ROISetLoader.load(into: t.db, name: name, csvPath: Fixtures.file(csv))
            } throws: { error in
                (error as? StorageError)?.description.contains(fragment) == true
            }
        }
        #expect(snapshot(t.db) == before)
    }
}

extension Error {
    var isUserError: Bool { (self as? StorageError)?.isUserError ?? false }
    var description: String { "\(self)" }
}
