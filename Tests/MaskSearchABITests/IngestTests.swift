import Foundation
import MaskSearchABI
import Testing

/// `ms_ingest` from buffers of every input dtype, `ms_read_masks` round trips, bad buffers.
@Suite struct IngestTests {
    let n = 3, h = 5, w = 4

    /// Reads masks `ids` through `ms_read_masks`.
    func read(_ db: OpaquePointer?, _ ids: [Int64], error: CError = CError()) -> [Float]? {
        var out = [Float](repeating: -1, count: ids.count * h * w)
        let rc = ids.withUnsafeBufferPointer { ms_read_masks(db, $0.baseAddress, Int64(ids.count), &out, error.pointer) }
        return rc == 0 ? out : nil
    }

    /// Values in [0, 1] that are exact in float16: k/64.
    var values: [Double] { (0..<(n * h * w)).map { Double(($0 * 7) % 65) / 64 } }

    @Test func uint8RoundTrip() {
        let dir = ScratchDirectory()
        let e = CError()
        let db = ms_open(dir.db, 1, e.pointer)
        defer { ms_close(db) }
        let codes = uint8Masks(count: n, height: h, width: w)
        let s = object(ingest(db, codes, count: Int64(n), height: Int64(h), width: Int64(w), type: 0, error: e))
        #expect(s["masks"] as? Int == n && s["created_database"] as? Bool == true)
        #expect(read(db, [2, 0]) == (codes[(2 * h * w)...] + codes[0..<(h * w)]).map { Float(Double($0) / 255) })
        let info = object(take(ms_info(db, e.pointer)))
        #expect(info["pixel_format"] as? String == "uint8" && info["masks"] as? Int == n && info["height"] as? Int == h)
    }

    @Test func floatInputsRoundTrip() {
        for (type, storage) in [(Int32(1), Int32(-1)), (2, -1), (3, -1), (3, 1), (2, 0)] {
            let dir = ScratchDirectory()
            let e = CError()
            let db = ms_open(dir.db, 1, e.pointer)
            defer { ms_close(db) }
            let summary: String?
            switch type {
            case 1: summary = ingest(db, values.map { Float16($0) }, count: 3, height: 5, width: 4, type: 1, storage: storage, error: e)
            case 2: summary = ingest(db, values.map { Float($0) }, count: 3, height: 5, width: 4, type: 2, storage: storage, error: e)
            default: summary = ingest(db, values, count: 3, height: 5, width: 4, type: 3, storage: storage, error: e)
            }
            #expect(summary != nil, "\(type) \(storage): \(e.message ?? "")")
            let expected: [Float] = storage == 0
                ? values.map { Float(Double(UInt8(($0 * 255).rounded())) / 255) }
                : values.map { Float($0) }
            #expect(read(db, [0, 1, 2]) == expected, "type \(type) storage \(storage)")
            let format = object(take(ms_info(db, e.pointer)))["pixel_format"] as? String
            #expect(format == ["uint8", "float16", "float32"][storage >= 0 ? Int(storage) : 2])
        }
    }

    @Test func badBuffersAreRejectedAndChangeNothing() {
        let dir = ScratchDirectory()
        let e = CError()
        let db = ms_open(dir.db, 1, e.pointer)
        defer { ms_close(db) }
        _ = ingest(db, values.map { Float($0) }, count: 3, height: 5, width: 4, type: 2, error: e)
        let before = snapshot(dir.db)
        func rejected(_ fragments: [String], _ call: (CError) -> String?) {
            let err = CError()
            #expect(call(err) == nil)
            #expect(err.kind == 2, "\(err.message ?? "")")
            for f in fragments { #expect(err.message?.contains(f) == true, "'\(f)' not in \(err.message ?? "nil")") }
            #expect(snapshot(dir.db) == before)
        }
        var nan = values.map { Float($0) }
        nan[1 * 20 + 2 * 4 + 3] = .nan
        rejected(["array: mask 1, pixel (row 2, col 3)", "not finite"]) { ingest(db, nan, count: 3, height: 5, width: 4, type: 2, error: $0) }
        var big = values
        big[2 * 20 + 1] = 1.5
        rejected(["array: mask 2, pixel (row 0, col 1)", "1.5 is outside [0, 1]"]) { ingest(db, big, count: 3, height: 5, width: 4, type: 3, error: $0) }
        rejected(["4x5", "5x4"]) { ingest(db, values, count: 3, height: 4, width: 5, type: 3, error: $0) }
        rejected(["empty input"]) { ingest(db, values, count: 0, height: 5, width: 4, type: 3, error: $0) }
        rejected(["shape"]) { ingest(db, values, count: -1, height: 5, width: 4, type: 3, error: $0) }
        rejected(["shape"]) { ingest(db, values, count: Int64.max / 2, height: 1 << 20, width: 1 << 20, type: 3, error: $0) }
        rejected(["element_type"]) { ingest(db, values, count: 3, height: 5, width: 4, type: 7, error: $0) }
        rejected(["storage"]) { ingest(db, values, count: 3, height: 5, width: 4, type: 3, storage: 3, error: $0) }
        rejected(["float16"]) { ingest(db, values, count: 3, height: 5, width: 4, type: 3, storage: 1, error: $0) }
        rejected(["meta", "2 metadata rows for 3 masks"]) {
            ingest(db, values, count: 3, height: 5, width: 4, type: 3, meta: "mask_id\n10\n11\n", error: $0)
        }
        let unknown = CError()
        #expect(read(db, [0, 77], error: unknown) == nil)
        #expect(unknown.kind == 2 && unknown.message?.contains("mask_id 77: no such mask") == true, "\(unknown.message ?? "")")
        // Clipping takes values above 1.
        let clipped = CError()
        #expect(ingest(db, big, count: 3, height: 5, width: 4, type: 3, clip: 1, error: clipped) != nil)
        #expect(read(db, [5])?[1] == 1)
    }

    @Test func metadataTextAndROIText() {
        let dir = ScratchDirectory()
        let e = CError()
        let db = ms_open(dir.db, 1, e.pointer)
        defer { ms_close(db) }
        let meta = "mask_id,image_id,model_id,mask_type,label\n10,1,0,1,cat\n11,1,1,1,dog\n12,2,0,2,\n"
        #expect(ingest(db, uint8Masks(count: 3, height: 5, width: 4), count: 3, height: 5, width: 4, type: 0, meta: meta, error: e) != nil,
                "\(e.message ?? "")")
        let rois = object(take(ms_load_rois(db, "object", "image_id,x0,y0,x1,y1\n1,0,0,2,2\n2,1.5,1,4,5\n", e.pointer)))
        #expect(rois["boxes"] as? Int == 2 && rois["key"] as? String == "image_id" && rois["replaced"] as? Bool == false)
        let info = object(take(ms_info(db, e.pointer)))
        #expect(info["roi_sets"] as? [String] == ["object"])
        #expect((info["columns"] as? [[String: String]])?.last == ["name": "label", "type": "TEXT"])
        let got = rows(db, "SELECT mask_id, label, AREA(object) FROM masks WHERE mask_type = 1 ORDER BY mask_id")
        #expect(got?.map { $0[0] as? Int } == [10, 11])
        #expect(got?.map { $0[1] as? String } == ["cat", "dog"])
        #expect(got?.map { $0[2] as? Int } == [4, 4])
        // Replacing the set is seen by the next query (the pool dropped its sessions).
        _ = take(ms_load_rois(db, "object", "mask_id,x0,y0,x1,y1\n10,0,0,1,1\n", e.pointer))
        #expect(rows(db, "SELECT AREA(object) FROM masks WHERE mask_id = 10")?.first?.first as? Int == 1)
        let bad = CError()
        #expect(ms_load_rois(db, "object", "image_id,x0,y0,x1\n1,0,0,2\n", bad.pointer) == nil)
        #expect(bad.kind == 2 && bad.message?.contains("boxes: line 1: missing column 'y1'") == true, "\(bad.message ?? "")")
        let badMeta = CError()
        #expect(ingest(db, uint8Masks(count: 1, height: 5, width: 4), count: 1, height: 5, width: 4, type: 0,
                       meta: "mask_id,image_id,model_id,mask_type,label\nx,1,0,1,cat\n", error: badMeta) == nil)
        #expect(badMeta.kind == 2 && badMeta.message?.contains("meta: line 2, column 'mask_id'") == true, "\(badMeta.message ?? "")")
    }

    @Test func indexBuildsEveryMask() {
        let dir = ScratchDirectory()
        let e = CError()
        let db = ms_open(dir.db, 1, e.pointer)
        defer { ms_close(db) }
        _ = ingest(db, uint8Masks(count: 4, height: 5, width: 4), count: 4, height: 5, width: 4, type: 0, error: e)
        let s = object(take(ms_index(db, 8, 0, e.pointer)))
        #expect(s["built"] as? Int == 4 && s["bins"] as? Int == 8 && e.kind == 0, "\(e.message ?? "")")
        let bad = CError()
        #expect(ms_index(db, 1000, 0, bad.pointer) == nil && bad.kind == 2)
        let sql = "SELECT mask_id FROM masks ORDER BY CP(mask, full, 0.5, 1.0) DESC, mask_id LIMIT 2"
        #expect(rows(db, sql)?.map { $0[0] as? Int } == rows(db, sql, useIndex: false)?.map { $0[0] as? Int })
    }
}
