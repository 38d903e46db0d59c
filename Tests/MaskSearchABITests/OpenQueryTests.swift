import Foundation
import MaskSearchABI
import Testing

/// `ms_open`, `ms_query_json`, `ms_close` and the error struct, called through their C signatures.
@Suite struct OpenQueryTests {
    /// A database of 5 uint8 masks of 6×7 made through `ms_ingest`; the handle stays open.
    static func makeDatabase(_ dir: ScratchDirectory) -> OpaquePointer? {
        let error = CError()
        let db = ms_open(dir.db, 1, error.pointer)
        let summary = ingest(db, uint8Masks(count: 5, height: 6, width: 7), count: 5, height: 6, width: 7, type: 0, error: error)
        #expect(error.kind == 0, "\(error.message ?? "")")
        #expect(object(summary)["masks"] as? Int == 5)
        return db
    }

    @Test func versionIsStatic() {
        #expect(String(cString: ms_version()) == maskSearchABIVersion)
    }

    @Test func queryGivesTheCLIJSON() throws {
        let dir = ScratchDirectory()
        let db = Self.makeDatabase(dir)
        defer { ms_close(db) }
        let error = CError()
        let text = take(ms_query_json(db, "SELECT mask_id, CP(mask, full, 0.5, 1.0) AS c FROM masks ORDER BY mask_id", 1, error.pointer))
        #expect(error.kind == 0 && error.message == nil)
        let json = object(text)
        #expect(json["columns"] as? [String] == ["mask_id", "c"])
        let codes = uint8Masks(count: 5, height: 6, width: 7)
        let expected = (0..<5).map { m in codes[(m * 42)..<((m + 1) * 42)].filter { Double($0) / 255 >= 0.5 }.count }
        let got = (json["rows"] as? [[Any]])?.map { $0[1] as? Int ?? -1 }
        #expect(got == expected)
        #expect((json["stats"] as? [String: Any])?["elapsed_ms"] != nil)
        // The same with --no-index.
        #expect((rows(db, "SELECT mask_id, CP(mask, full, 0.5, 1.0) AS c FROM masks ORDER BY mask_id", useIndex: false)?.map { $0[1] as? Int ?? -1 }) == expected)
    }

    @Test func badQueriesGiveTokenAndPosition() {
        let dir = ScratchDirectory()
        let db = Self.makeDatabase(dir)
        defer { ms_close(db) }
        let syntax = CError()
        #expect(ms_query_json(db, "SELECT mask_id FROM masks WHERE", 1, syntax.pointer) == nil)
        #expect(syntax.kind == 1)
        #expect(syntax.token == "")
        #expect(syntax.position == 32)
        #expect(syntax.message?.hasPrefix("error at 1:32 near end of input") == true, "\(syntax.message ?? "")")
        let semantic = CError()
        #expect(ms_query_json(db, "SELECT nope FROM masks", 1, semantic.pointer) == nil)
        #expect(semantic.kind == 1)
        #expect(semantic.token == "nope")
        #expect(semantic.position == 8)
        // A second line: the position counts characters from the start of the text.
        let multiline = CError()
        #expect(ms_query_json(db, "SELECT mask_id\nFROM masks ORDER BY nope", 1, multiline.pointer) == nil)
        #expect(multiline.token == "nope" && multiline.position == 36)
        // Success after an error resets the struct's kind.
        let reused = CError()
        _ = ms_query_json(db, "SELECT", 1, reused.pointer)
        #expect(reused.kind == 1)
        ms_error_clear(reused.pointer)
        #expect(reused.kind == 0 && reused.message == nil && reused.token == nil)
        #expect(rows(db, "SELECT COUNT(*) FROM masks", error: reused)?.first?.first as? Int == 5)
        #expect(reused.kind == 0)
    }

    @Test func openChecksThePath() throws {
        let dir = ScratchDirectory()
        let missing = CError()
        #expect(ms_open(dir.path + "/nothing", 0, missing.pointer) == nil)
        #expect(missing.kind == 2 && missing.message?.contains("nothing") == true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir.path + "/file"))
        let file = CError()
        #expect(ms_open(dir.path + "/file", 1, file.pointer) == nil)
        #expect(file.kind == 2 && file.message?.contains("not a masksearch database") == true)
        let null = CError()
        #expect(ms_open(nil, 1, null.pointer) == nil)
        #expect(null.kind == 2)
        // NULL error pointers are allowed.
        #expect(ms_open(nil, 1, nil) == nil)
        // create makes an empty directory; info shows an empty database; a query is bad input.
        let created = CError()
        let db = ms_open(dir.db, 1, created.pointer)
        defer { ms_close(db) }
        #expect(db != nil && created.kind == 0)
        let info = object(take(ms_info(db, created.pointer)))
        #expect(info["masks"] as? Int == 0 && info["height"] as? Int == 0)
        #expect(ms_query_json(db, "SELECT mask_id FROM masks", 1, created.pointer) == nil)
        #expect(created.kind == 2)
    }

    @Test func nullArgumentsAreInputErrors() {
        let dir = ScratchDirectory()
        let db = Self.makeDatabase(dir)
        defer { ms_close(db) }
        let e = CError()
        #expect(ms_query_json(nil, "SELECT 1", 1, e.pointer) == nil && e.kind == 2)
        #expect(ms_query_json(db, nil, 1, e.pointer) == nil && e.kind == 2)
        #expect(ms_ingest(db, nil, e.pointer) == nil && e.kind == 2)
        #expect(ms_load_rois(db, nil, "mask_id,x0,y0,x1,y1\n", e.pointer) == nil && e.kind == 2)
        #expect(ms_load_rois(db, "object", nil, e.pointer) == nil && e.kind == 2)
        #expect(ms_info(nil, e.pointer) == nil && e.kind == 2)
        #expect(ms_index(nil, 0, 0, e.pointer) == nil && e.kind == 2)
        var id: Int64 = 0
        var out = [Float](repeating: 0, count: 42)
        #expect(ms_read_masks(db, nil, 1, &out, e.pointer) == -1 && e.kind == 2)
        #expect(ms_read_masks(db, &id, 1, nil, e.pointer) == -1 && e.kind == 2)
        #expect(ms_read_masks(db, &id, -1, &out, e.pointer) == -1 && e.kind == 2)
        #expect(ms_read_masks(db, nil, 0, nil, e.pointer) == 0 && e.kind == 0)
        ms_close(nil)
        ms_free(nil)
        ms_error_clear(nil)
    }
}
