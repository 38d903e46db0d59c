import Foundation
import MaskFormat
import MaskQuery
import MaskStorage
import Testing

/// Bad queries: the error's kind, position, token and message.
@Suite struct ErrorTests {
    static let table = try! TestTables.conformance()

    static func error(_ sql: String) -> QueryError? {
        do {
            _ = try QueryEngine(table: table).run(sql)
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownROISetNamesTheKnownOnes() {
        let e = Self.error("SELECT mask_id FROM masks WHERE CP(mask, objetc, 0.5, 1) > 3")
        #expect(e?.description == "error at 1:42 near 'objetc': unknown ROI set 'objetc' (known: object)")
        #expect(e?.exitCode == 2)
    }

    @Test(arguments: [
        ("SELECT mask_idd FROM masks", "error at 1:8 near 'mask_idd': unknown column 'mask_idd' (known: mask_id, image_id, model_id, mask_type, label, pred, kind)"),
        ("SELECT mask_id FROM masks WHERE FOO(mask_id) > 1", "error at 1:33 near 'FOO': unknown function 'FOO' (known: CP, AREA, SUM, AVG, MIN, MAX, COUNT)"),
        ("SELECT CP(mask, full, 0.5) FROM masks", "error at 1:8 near 'CP': wrong number of arguments: CP takes (mask, roi, lv, uv) or (mask, roi, (lv, uv))"),
        ("SELECT AREA(full, full) FROM masks", "error at 1:8 near 'AREA': wrong number of arguments: AREA takes one argument (roi)"),
        ("SELECT mask_id FROM masks WHERE SUM(mask_id) > 1", "error at 1:33 near 'SUM': aggregate SUM is not allowed in WHERE"),
        ("SELECT CP(INTERSECT(mask > 0.5), full, 0.5, 1) FROM masks", "error at 1:8 near 'CP': mask aggregate INTERSECT(mask > 0.5) requires GROUP BY"),
        ("SELECT mask_id, COUNT(*) FROM masks GROUP BY image_id", "error at 1:8 near 'mask_id': column 'mask_id' must be the GROUP BY column or be used inside an aggregate (the query is grouped by image_id)"),
        ("SELECT mask_id FROM masks WHERE kind + 1 > 2", "error at 1:38 near '+': TEXT value in arithmetic"),
        ("SELECT mask_id FROM masks WHERE kind > 2", "error at 1:38 near '>': cannot compare TEXT with INT64"),
        ("SELECT mask_id FROM masks WHERE", "error at 1:32 near end of input: expected an expression, found end of input"),
        ("SELECT mask_id FROM masks WHERE mask_id = 'a", "error at 1:43 near ''a': unterminated string literal"),
        ("SELECT mask_id FROM masks LIMIT 1 2", "error at 1:35 near '2': unexpected token after LIMIT"),
        ("SELECT mask_id FROM masks WHERE mask_id > 99999999999999999999", "error at 1:43 near '99999999999999999999': integer literal out of range"),
        ("SELECT mask_id FROM images", "error at 1:21 near 'images': unknown table 'images' (known: masks)"),
        ("SELECT mask_id FROM masks ORDER BY 3", "error at 1:36 near '3': ORDER BY position 3 is out of range (1...1)"),
        ("SELECT mask_id FROM masks WHERE mask > 0.5", "error at 1:33 near 'mask': the mask can only be used as the first argument of CP"),
        ("SELECT mask_id FROM masks WHERE CP(mask, (1, 2, 3), 0, 1) > 0", "error at 1:50 near ')': expected ',' in ROI box (x0, y0, x1, y1)"),
        ("SELECT mask_id\\nFROM masks\\nWHERE mask_id >> 2", "error at 3:16 near '>': expected an expression"),
        ("SELECT mask_id FROM masks WHERE CP(mask, full, 0.5, 1)", "error at 1:33 near 'CP': WHERE needs a condition (a comparison, IN, BETWEEN, ...), not a value"),
        ("SELECT image_id, SUM(AVG(mask_id)) FROM masks GROUP BY image_id", "error at 1:22 near 'AVG': aggregates cannot be nested"),
        ("SELECT image_id, CP(mask, full, 0.5, 1) FROM masks GROUP BY image_id", "error at 1:18 near 'CP': CP(mask, ...) in a grouped query must be inside an aggregate (or use a mask aggregate)"),
        ("SELECT mask_id FROM masks WHERE mask_id @ 2", "error at 1:41 near '@': unexpected character '@'"),
        ("SELECT mask_id AS v FROM masks WHERE v > 2", "error at 1:38 near 'v': unknown column 'v' (known: mask_id, image_id, model_id, mask_type, label, pred, kind)"),
    ])
    func messages(sql: String, expected: String) {
        let e = Self.error(sql.replacingAll("\\n", "\n"))
        #expect(e?.description == expected)
        #expect(e?.exitCode == 2)
    }

    /// An I/O failure while reading pixels is an internal error (exit 1) naming the mask.
    @Test func ioErrorsAreInternal() {
        final class FailingTable: MaskTable, @unchecked Sendable {
            let base: InMemoryMaskTable
            init(_ base: InMemoryMaskTable) { self.base = base }
            var height: Int { base.height }
            var width: Int { base.width }
            var pixelFormat: PixelFormat { base.pixelFormat }
            var count: Int { base.count }
            var columns: [ColumnDescriptor] { base.columns }
            func value(row: Int, column: Int) -> ColumnValue { base.value(row: row, column: column) }
            var roiSetNames: [String] { base.roiSetNames }
            func roiSet(named name: String) -> ROISet? { base.roiSet(named: name) }
            struct Broken: Error {}
            func readPixels(row: Int, rows: Range<Int>, into buffer: UnsafeMutableRawBufferPointer) throws {
                if row == 5 { throw Broken() }
                try base.readPixels(row: row, rows: rows, into: buffer)
            }
        }
        do {
            _ = try QueryEngine(table: FailingTable(Self.table)).run("SELECT mask_id FROM masks WHERE CP(mask, full, 0.5, 1) > 3")
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .io)
            #expect(error.exitCode == 1)
            #expect(error.description.hasPrefix("error: reading mask 5 (row 5)"))
        }
    }
}

extension String {
    func replacingAll(_ a: String, _ b: String) -> String { components(separatedBy: a).joined(separator: b) }
}
