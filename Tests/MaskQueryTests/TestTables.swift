import Foundation
import MaskFormat
import MaskStorage

/// Builds `InMemoryMaskTable`s for tests: the conformance dataset (parsed like a user would
/// ingest it) and random tables.
enum TestTables {
    /// Splits a simple CSV (no quoted fields) into a header and rows.
    static func parseCSV(_ text: String) -> (header: [String], rows: [[String]]) {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (header, rows)
    }

    /// Metadata columns typed like ingest would: INT64 if every cell parses as an integer,
    /// FLOAT64 if every cell parses as a number, TEXT otherwise.
    static func metadata(_ csv: String) -> (columns: [ColumnDescriptor], rows: [[ColumnValue]]) {
        let (header, rows) = parseCSV(csv)
        var columns: [ColumnDescriptor] = []
        var values = Array(repeating: [ColumnValue](), count: rows.count)
        for (c, name) in header.enumerated() {
            let cells = rows.map { $0[c] }
            let type: ColumnType
            if cells.allSatisfy({ Int64($0) != nil }) {
                type = .int64
            } else if cells.allSatisfy({ Double($0) != nil }) {
                type = .float64
            } else {
                type = .text
            }
            columns.append(ColumnDescriptor(name: name, type: type))
            for (r, cell) in cells.enumerated() {
                switch type {
                case .int64: values[r].append(.int(Int64(cell)!))
                case .float64: values[r].append(.double(Double(cell)!))
                case .text: values[r].append(.text(cell))
                }
            }
        }
        return (columns, values)
    }

    /// A ROI CSV (`image_id,x0,y0,x1,y1` or `mask_id,...`), float coordinates rounded outward.
    static func roiSet(name: String, csv: String) -> ROISet {
        let (header, rows) = parseCSV(csv)
        var boxes: [Int64: PixelBox] = [:]
        for r in rows {
            let key = Int64(r[0])!
            let v = r[1...4].map { Double($0)! }
            boxes[key] = PixelBox(x0: Int(v[0].rounded(.down)), y0: Int(v[1].rounded(.down)),
                                  x1: Int(v[2].rounded(.up)), y1: Int(v[3].rounded(.up)))
        }
        return ROISet(name: name, key: header[0] == "mask_id" ? .maskID : .imageID, boxes: boxes)
    }

    static func conformance() throws -> InMemoryMaskTable {
        let base64 = ConformanceFixture.masksNPYBase64.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: base64) else { throw NPYArray.ReadError.malformed("base64") }
        let npy = try NPYArray(bytes: Array(data))
        precondition(npy.descr == "|u1" && npy.shape.count == 3)
        let (n, h, w) = (npy.shape[0], npy.shape[1], npy.shape[2])
        let pixels = (0..<n).map { Array(npy.data[($0 * h * w)..<(($0 + 1) * h * w)]) }
        let (columns, rows) = metadata(ConformanceFixture.metaCSV)
        return InMemoryMaskTable(height: h, width: w, pixelFormat: .uint8, columns: columns, rows: rows,
                                 pixels: pixels, roiSets: ["object": roiSet(name: "object", csv: ConformanceFixture.objectROICSV)])
    }
}
