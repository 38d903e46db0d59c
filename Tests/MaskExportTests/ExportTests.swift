import Foundation
import MaskFormat
import MaskImaging
import MaskQuery
import Testing
import ZIPFoundation
@testable import MaskExport

@Suite("Export and augmentation")
struct ExportTests {
    static let topK = "SELECT mask_id, CP(mask, object, 0.5, 1.0) AS c FROM masks WHERE mask_type = 1 ORDER BY c DESC LIMIT 6"

    @Test("result.csv is the query's CSV; masks/*.npy are the stored masks; overlays and images are written")
    func export() throws {
        let f = try ExportFixture()
        defer { f.cleanUp() }
        let result = try f.query(Self.topK)
        let out = f.output("export")
        try ResultExport.export(result: result, request: ExportRequest(masks: .npy, overlays: true, images: true),
                                database: f.database(), imageFolder: f.images, to: out)
        let csv = try String(contentsOfFile: out + "/result.csv", encoding: .utf8)
        #expect(csv == ResultFormatter.format(result, as: .csv))
        let ids: [Int64] = result.rows.map { if case .int(let v) = $0[0] { return v } else { return -1 } }
        #expect(csv.split(separator: "\n").dropFirst().map { Int64($0.split(separator: ",")[0])! } == ids)
        #expect(ExportFixture.list(out + "/masks") == ids.map { "\($0).npy" }.sorted())
        for id in ids {
            let npy = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/masks/\(id).npy")))
            let header = Int(npy[8]) | Int(npy[9]) << 8
            #expect(String(decoding: npy[10..<(10 + header)], as: UTF8.self).contains("'shape': (32, 44)"))
            #expect(Array(npy[(10 + header)...]) == (try f.generatedMask(Int(id))))
            let overlay = try ImageFile.read(path: out + "/overlays/\(id).png")
            #expect(overlay.width == 44 && overlay.height == 32 && overlay.channels == 3)
        }
        let imageIDs = Set(ids.map { $0 / 3 })
        #expect(ExportFixture.list(out + "/images") == imageIDs.map { "\($0).png" }.sorted())
        for id in imageIDs {
            #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/images/\(id).png"))
                    == Data(contentsOf: URL(fileURLWithPath: f.images + "/\(id).png")))
        }
        #expect(ExportFixture.list(f.root.path) == ["data", "db", "export"])
    }

    @Test("PNG masks are 8-bit grey of the stored values; a grouped result exports every mask of its images")
    func pngMasksAndGroups() throws {
        let f = try ExportFixture()
        defer { f.cleanUp() }
        let grouped = try f.query("SELECT image_id, COUNT(*) AS n FROM masks GROUP BY image_id ORDER BY image_id LIMIT 2")
        let out = f.output("grouped")
        try ResultExport.export(result: grouped, request: ExportRequest(masks: .png), database: f.database(), imageFolder: nil, to: out)
        #expect(ExportFixture.list(out + "/masks") == ["0.png", "1.png", "2.png", "3.png", "4.png", "5.png"])
        let png = try PNGCodec.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/masks/4.png"))))
        let stored = try f.generatedMask(4)
        #expect(png.channels == 1 && png.bitDepth == 8)
        #expect(png.samples.map { UInt8($0) } == stored)
        // CSV only: any result, even one without ids.
        let scalar = try f.query("SELECT model_id, COUNT(*) AS n FROM masks GROUP BY model_id")
        try ResultExport.export(result: scalar, request: ExportRequest(), database: f.database(), imageFolder: nil, to: f.output("scalar"))
        #expect(ExportFixture.list(f.output("scalar")) == ["result.csv"])
        #expect(throws: ExportError.self) {
            try ResultExport.export(result: scalar, request: ExportRequest(masks: .npy), database: f.database(), imageFolder: nil, to: f.output("bad"))
        }
    }

    @Test("augment: per image, inside the object box byte-identical, outside replaced; augmented.csv; same seed same bytes",
          arguments: Augmentation.Method.allCases)
    func augment(method: Augmentation.Method) throws {
        let f = try ExportFixture()
        defer { f.cleanUp() }
        let result = try f.query(Self.topK)
        let database = try f.database()
        let out = f.output("augment")
        let summary = try ResultExport.augment(result: result, database: database, roiSet: "object", method: method,
                                               seed: 5, imageFolder: f.images, to: out)
        let set = try #require(database.roiSet(named: "object"))
        var expected: [Int64] = []
        for row in result.rows { if case .int(let id) = row[0], !expected.contains(id / 3) { expected.append(id / 3) } }
        #expect(summary.images.map(\.imageID) + summary.withoutBox == expected.filter { summary.images.map(\.imageID).contains($0) } + summary.withoutBox)
        #expect(Set(summary.images.map(\.imageID)).union(summary.withoutBox) == Set(expected))
        for image in summary.images {
            let source = try ImageFile.read(path: f.images + "/\(image.imageID).png")
            let output = try ImageFile.read(path: out + "/" + image.output)
            let box = try #require(set.box(maskID: image.imageID * 3, imageID: image.imageID)).clipped(width: 44, height: 32)
            var outsideChanged = 0, outside = 0
            for y in 0..<32 {
                for x in 0..<44 {
                    if x >= box.x0, x < box.x1, y >= box.y0, y < box.y1 {
                        #expect(source.rgb(x: x, y: y) == output.rgb(x: x, y: y))
                    } else {
                        outside += 1
                        if source.rgb(x: x, y: y) != output.rgb(x: x, y: y) { outsideChanged += 1 }
                    }
                }
            }
            // Flat tiles survive a blur and the mean may match a tile, so only noise changes (almost) all;
            // every method's output is exactly the library's, with the per-image seed.
            if method == .noise { #expect(outside == 0 || Double(outsideChanged) / Double(outside) > 0.98) }
            let imageSeed = UInt64(5) ^ (UInt64(image.imageID) &* 0x9E37_79B9_7F4A_7C15)
            #expect(output == Augmentation.apply(source, keeping: box, method: method, seed: imageSeed))
        }
        let csv = try String(contentsOfFile: out + "/augmented.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "image_id,source,output,label")
        #expect(csv.dropFirst().map { String($0.split(separator: ",")[0]) } == summary.images.map { String($0.imageID) })
        #expect(csv.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 4 })
        let again = f.output("again")
        try ResultExport.augment(result: result, database: database, roiSet: "object", method: method, seed: 5, imageFolder: f.images, to: again)
        for image in summary.images {
            #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/" + image.output)) == Data(contentsOf: URL(fileURLWithPath: again + "/" + image.output)))
        }
    }

    @Test("a failure leaves no directory and nothing else behind; a non-empty target is refused untouched")
    func atomicity() throws {
        let f = try ExportFixture()
        defer { f.cleanUp() }
        let result = try f.query(Self.topK)
        let database = try f.database()
        // Damage the last image the result needs: the first ones are written before the failure.
        var imageIDs: [Int64] = []
        for row in result.rows { if case .int(let id) = row[0], !imageIDs.contains(id / 3) { imageIDs.append(id / 3) } }
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: f.images + "/\(imageIDs.last!).png"))
        let before = ExportFixture.list(f.root.path)
        #expect(throws: ExportError.self) {
            try ResultExport.augment(result: result, database: database, roiSet: "object", method: .noise, seed: 1,
                                     imageFolder: f.images, to: f.output("augment"))
        }
        #expect(throws: ExportError.self) {
            try ResultExport.export(result: result, request: ExportRequest(overlays: true), database: database,
                                    imageFolder: f.images, to: f.output("export"))
        }
        #expect(ExportFixture.list(f.root.path) == before)
        // Non-empty target: refused, left as it was.
        let full = f.output("full")
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: full + "/keep.txt"))
        #expect { try ResultExport.export(result: result, request: ExportRequest(), database: database, imageFolder: nil, to: full) }
            throws: { ($0 as? ExportError)?.kind == .invalidArgument }
        #expect(ExportFixture.list(full) == ["keep.txt"])
        // An empty existing directory is filled.
        let empty = f.output("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try ResultExport.export(result: result, request: ExportRequest(), database: database, imageFolder: nil, to: empty)
        #expect(ExportFixture.list(empty) == ["result.csv"])
        #expect(throws: ExportError.self) {
            try ResultExport.augment(result: result, database: database, roiSet: "nope", method: .mean, seed: 1, imageFolder: f.images, to: f.output("x"))
        }
    }

    @Test("the zip holds every exported file with its bytes")
    func zip() throws {
        let f = try ExportFixture()
        defer { f.cleanUp() }
        let result = try f.query(Self.topK)
        let out = f.output("export")
        try ResultExport.export(result: result, request: ExportRequest(masks: .npy, overlays: true, images: true),
                                database: f.database(), imageFolder: f.images, to: out)
        let bytes = try DirectoryZip.bytes(of: out)
        #expect(bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        let archive = try Archive(data: Data(bytes), accessMode: .read)
        var paths: [String] = []
        for entry in archive {
            paths.append(entry.path)
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            #expect(data == (try Data(contentsOf: URL(fileURLWithPath: out + "/" + entry.path))))
        }
        let files = try DirectoryZip.files(under: URL(fileURLWithPath: out))
        #expect(paths.sorted() == files && files.contains("result.csv") && files.count > 10)
    }
}
