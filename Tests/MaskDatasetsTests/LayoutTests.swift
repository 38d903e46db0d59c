import Foundation
import Testing
@testable import MaskDatasets

@Suite("Interchange layout")
struct LayoutTests {
    @Test("masks.npy has a valid NPY 1.0 header and N·H·W elements", arguments: MaskElementType.allCases)
    func npyHeader(elementType: MaskElementType) throws {
        let c = smallConfiguration(masks: 31, elementType: elementType, images: false)
        let directory = try generate(c)
        defer { directory.cleanUp() }
        let npy = try ParsedNPY(Data(contentsOf: directory.url.appendingPathComponent("masks.npy")))
        #expect(npy.major == 1 && npy.minor == 0)
        #expect((10 + npy.headerLength) % 64 == 0)
        #expect(npy.dictionary.hasPrefix("{") && npy.dictionary.hasSuffix("\n"))
        #expect(npy.descriptor == (elementType == .uint8 ? "|u1" : "<f4"))
        #expect(npy.fortranOrder == "False")
        #expect(npy.shape == [31, 32, 44])
        #expect(npy.data.count == 31 * 32 * 44 * elementType.byteCount)
    }

    @Test("an empty dataset still has a valid header and CSV headers")
    func emptyDataset() throws {
        let directory = try generate(smallConfiguration(masks: 0))
        defer { directory.cleanUp() }
        let npy = try ParsedNPY(Data(contentsOf: directory.url.appendingPathComponent("masks.npy")))
        #expect(npy.shape == [0, 32, 44])
        #expect(npy.data.isEmpty)
        #expect(try csvRows(directory.url.appendingPathComponent("meta.csv")).rows.isEmpty)
    }

    @Test("meta.csv has one row per mask: ids in order, three masks per image, planted kinds")
    func metaRows() throws {
        let c = smallConfiguration(masks: 31)
        let directory = try generate(c)
        defer { directory.cleanUp() }
        let (header, rows) = try csvRows(directory.url.appendingPathComponent("meta.csv"))
        #expect(header == ["mask_id", "image_id", "model_id", "mask_type", "label", "pred", "kind"])
        #expect(rows.count == 31)
        for (m, row) in rows.enumerated() {
            #expect(row.count == 7)
            #expect(Int(row[0]) == m)
            #expect(Int(row[1]) == m / 3)
            #expect(Int(row[2]) == [1, 2, 0][m % 3])
            #expect(Int(row[3]) == (m % 3 == 2 ? 2 : 1))
            #expect((0..<20).contains(Int(row[4]) ?? -1) && (0..<20).contains(Int(row[5]) ?? -1))
            let kind = SaliencyKind(rawValue: row[6])
            #expect(kind != nil)
            #expect((kind == .human) == (m % 3 == 2))
            if kind == .human { #expect(row[4] == row[5]) }
        }
        // 31 masks = 10 full images + 1 mask of image 10; one thumbnail per image.
        let images = try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("images").path)
        #expect(Set(images) == Set((0...10).map { "\($0).png" }))
    }

    @Test("rois/object.csv lists most images once, ascending, with two-decimal boxes inside the mask")
    func objectRows() throws {
        let c = smallConfiguration(masks: 600, images: false)
        let directory = try generate(c)
        defer { directory.cleanUp() }
        let (header, rows) = try csvRows(directory.url.appendingPathComponent("rois/object.csv"))
        #expect(header == ["image_id", "x0", "y0", "x1", "y1"])
        #expect(rows.count < 200 && rows.count > 150)   // ~10 % of 200 images are left out
        var previous = -1
        for row in rows {
            let id = try #require(Int(row[0]))
            #expect(id > previous && id < 200)
            previous = id
            for field in row[1...] {
                let parts = field.split(separator: ".")
                #expect(parts.count == 2 && parts[1].count == 2, "\(field) should have two decimals")
            }
            let x0 = try #require(Double(row[1])), y0 = try #require(Double(row[2]))
            let x1 = try #require(Double(row[3])), y1 = try #require(Double(row[4]))
            #expect(0 <= x0 && x0 < x1 && x1 <= 44 && 0 <= y0 && y0 < y1 && y1 <= 32)
            let area = (x1 - x0) * (y1 - y0) / (44 * 32)
            #expect(area > 0.03 && area < 0.42, "box area fraction \(area)")
        }
    }

    @Test("an invalid configuration is rejected before anything is written")
    func invalidConfiguration() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var c = smallConfiguration()
        c.width = 0
        #expect(throws: DatasetGenerationError.self) {
            try DatasetGenerator(configuration: c).write(to: directory.url)
        }
        do {
            try DatasetGenerator(configuration: c).write(to: directory.url)
        } catch {
            #expect(error.code == .invalidConfiguration)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty)
    }

    @Test("NPY headers pad to 64 bytes for any shape")
    func headerPadding() throws {
        for shape in [[1], [0, 1, 1], [123_456_789, 224, 224], [3, 1000, 1000, 7]] {
            let bytes = try NPYHeader(descriptor: "<f4", shape: shape).encoded()
            #expect(bytes.count % 64 == 0)
            #expect(bytes.last == 0x0A)
            #expect(Int(bytes[8]) | Int(bytes[9]) << 8 == bytes.count - 10)
        }
        #expect(String(decoding: try NPYHeader(descriptor: "|u1", shape: [5]).encoded()[10...], as: UTF8.self)
            .hasPrefix("{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }"))
    }
}
