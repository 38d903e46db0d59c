import Foundation
import MaskImaging
import Testing

/// `masksearch export` and `masksearch augment` (CONTRACT.md section 7) through the real binary:
/// the files written, their bytes against the inputs, determinism, and failures that leave
/// nothing behind.
@Suite struct ExportCLITests {
    /// A generated dataset of 12 uint8 masks (32×32) with images and object boxes, ingested
    /// with its image folder recorded.
    final class Fixture {
        let scratch = Scratch()
        var data: String { scratch.path + "/data" }
        var db: String { scratch.path + "/db" }
        var out: String { scratch.path + "/out" }

        init() throws {
            try must(["generate", data, "--masks", "12", "--size", "32,32", "--seed", "3"])
            try must(["ingest", db, data + "/masks.npy", "--meta", data + "/meta.csv", "--images", data + "/images"])
            try must(["roi", db, "object", data + "/rois/object.csv"])
        }

        func must(_ args: [String]) throws {
            let r = try CLI.run(args)
            #expect(r.status == 0, "\(args.joined(separator: " ")): \(r.stderr)")
        }

        /// The bytes of mask `index` of the input masks.npy (uint8, 32×32).
        func inputMask(_ index: Int) throws -> [UInt8] {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: data + "/masks.npy")))
            let start = npyDataOffset(bytes) + index * 32 * 32
            return Array(bytes[start..<(start + 32 * 32)])
        }
    }

    static let sql = "SELECT mask_id, CP(mask, full, 0.5, 1.0) AS v FROM masks WHERE mask_id < 6 ORDER BY v DESC"

    @Test func exportWritesTheQueryRowsAndExactMasks() throws {
        let f = try Fixture()
        let r = try CLI.run(["export", f.db, Self.sql, "--to", f.out, "--masks", "npy"])
        #expect(r.status == 0, "\(r.stderr)")
        let query = try CLI.run(["query", f.db, Self.sql, "--format", "csv"])
        let csv = try String(contentsOfFile: f.out + "/result.csv", encoding: .utf8)
        #expect(csv == query.stdout)
        let ids = csv.split(separator: "\n").dropFirst().compactMap { Int($0.split(separator: ",")[0]) }
        #expect(ids.count == 6)
        for id in ids {
            let npy = try [UInt8](Data(contentsOf: URL(fileURLWithPath: f.out + "/masks/\(id).npy")))
            let header = String(decoding: npy[10..<npyDataOffset(npy)], as: UTF8.self)
            #expect(header.contains("'|u1'") && header.contains("(32, 32)"))
            #expect(Array(npy[npyDataOffset(npy)...]) == (try f.inputMask(id)))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.out).sorted() == ["masks", "result.csv"])
    }

    @Test func exportPNGMasksOverlaysAndImages() throws {
        let f = try Fixture()
        let r = try CLI.run(["export", f.db, Self.sql, "--to", f.out, "--masks", "png", "--overlays", "--images"])
        #expect(r.status == 0, "\(r.stderr)")
        for id in 0..<6 {
            let png = try PNGCodec.decode(ImageFile.readBytes(path: f.out + "/masks/\(id).png"))
            #expect(png.bitDepth == 8 && png.channels == 1 && png.width == 32 && png.height == 32)
            // uint8 code c is the value c/255, written as round(c/255 · 255) = c.
            #expect(png.samples.map { UInt8($0) } == (try f.inputMask(id)))
            let overlay = try ImageFile.read(path: f.out + "/overlays/\(id).png")
            #expect(overlay.width == 32 && overlay.height == 32)
        }
        let meta = try String(contentsOfFile: f.data + "/meta.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let imageIDs = Set(meta.prefix(6).map { String($0.split(separator: ",")[1]) })
        let images = try FileManager.default.contentsOfDirectory(atPath: f.out + "/images")
        #expect(Set(images) == Set(imageIDs.map { "\($0).png" }))
        for name in images {
            #expect(FileManager.default.contentsEqual(atPath: f.out + "/images/" + name, andPath: f.data + "/images/" + name))
        }
    }

    @Test func augmentKeepsTheBoxAndIsSeeded() throws {
        let f = try Fixture()
        let sql = "SELECT mask_id FROM masks"
        for (dir, seed) in [("a", "7"), ("b", "7"), ("c", "8")] {
            let r = try CLI.run(["augment", f.db, sql, "--to", f.out + "/" + dir, "--roi", "object", "--seed", seed])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let csv = try String(contentsOfFile: f.out + "/a/augmented.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "image_id,source,output,label")
        let boxes = try String(contentsOfFile: f.data + "/rois/object.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(csv.count - 1 == boxes.count)
        var anyOutsideChanged = false
        for line in boxes {
            let p = line.split(separator: ",")
            let id = String(p[0]), box = p[1...].compactMap { Double($0) }
            let source = try ImageFile.read(path: f.data + "/images/\(id).png")
            let output = try ImageFile.read(path: f.out + "/a/images/\(id).png")
            #expect(source.width == output.width && source.channels == output.channels)
            // Pixels wholly inside the (fractional) box are kept, whatever the rounding.
            for y in Int(box[1].rounded(.up))..<Int(box[3].rounded(.down)) {
                for x in Int(box[0].rounded(.up))..<Int(box[2].rounded(.down)) {
                    #expect(source.rgb(x: x, y: y) == output.rgb(x: x, y: y))
                }
            }
            anyOutsideChanged = anyOutsideChanged || source.rgb(x: 0, y: 0) != output.rgb(x: 0, y: 0)
            #expect(FileManager.default.contentsEqual(atPath: f.out + "/a/images/\(id).png", andPath: f.out + "/b/images/\(id).png"))
            #expect(csv.contains { $0.hasPrefix("\(id),") && $0.contains(",images/\(id).png,") })
        }
        #expect(anyOutsideChanged)
        let names = try FileManager.default.contentsOfDirectory(atPath: f.out + "/a/images")
        #expect(names.contains { !FileManager.default.contentsEqual(atPath: f.out + "/a/images/" + $0, andPath: f.out + "/c/images/" + $0) })
    }

    @Test func failuresExitTwoAndLeaveNothing() throws {
        let f = try Fixture()
        let cases: [[String]] = [
            ["export", f.db, "SELECT mask_id FROM masks WHERE", "--to", f.out],
            ["export", f.db, "SELECT COUNT(*) AS n FROM masks", "--to", f.out, "--masks", "npy"],
            ["export", f.db, Self.sql, "--to", f.out, "--masks", "tiff"],
            ["augment", f.db, "SELECT mask_id FROM masks", "--to", f.out, "--roi", "nope"],
            ["augment", f.db, "SELECT mask_id FROM masks", "--to", f.out, "--roi", "object", "--method", "paint"],
            ["augment", f.db, "SELECT mask_id FROM masks", "--to", f.out, "--roi", "object", "--images", f.scratch.path + "/none"],
        ]
        for args in cases {
            let r = try CLI.run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(!r.stderr.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: f.out), "\(args)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: f.scratch.path).sorted() == ["data", "db"], "\(args)")
        }
        let bad = try CLI.run(["export", f.db, "SELECT mask_id FROM masks WHERE", "--to", f.out])
        #expect(bad.stderr.contains("1:"))
        // A non-empty target stays as it was.
        try FileManager.default.createDirectory(atPath: f.out, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: f.out + "/mine.txt"))
        let busy = try CLI.run(["export", f.db, Self.sql, "--to", f.out, "--masks", "npy"])
        #expect(busy.status == 2 && busy.stderr.contains("not empty"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.out) == ["mine.txt"])
    }

    @Test func shardedDatabasesAreRefused() throws {
        let f = try Fixture()
        let sharded = f.scratch.path + "/sharded"
        try f.must(["shard", "create", sharded, "--shards", "2"])
        try f.must(["ingest", sharded, f.data + "/masks.npy", "--meta", f.data + "/meta.csv", "--images", f.data + "/images"])
        for args in [["export", sharded, Self.sql, "--to", f.out],
                     ["augment", sharded, "SELECT mask_id FROM masks", "--to", f.out, "--roi", "object"]] {
            let r = try CLI.run(args)
            #expect(r.status == 2 && r.stderr.contains("sharded"), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: f.out))
        }
    }

    @Test func imagesWithoutAFolderAreRefused() throws {
        let f = try Fixture()
        let bare = f.scratch.path + "/bare"
        try f.must(["ingest", bare, f.data + "/masks.npy", "--meta", f.data + "/meta.csv"])
        try f.must(["roi", bare, "object", f.data + "/rois/object.csv"])
        for args in [["export", bare, Self.sql, "--to", f.out, "--images"],
                     ["augment", bare, "SELECT mask_id FROM masks", "--to", f.out, "--roi", "object"]] {
            let r = try CLI.run(args)
            #expect(r.status == 2 && r.stderr.contains("image folder"), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: f.out))
        }
        let help = try CLI.run(["help", "export"])
        for flag in ["--to", "--masks", "--overlays", "--images"] { #expect(help.stdout.contains(flag)) }
        let augmentHelp = try CLI.run(["help", "augment"])
        for flag in ["--to", "--roi", "--method", "--seed", "--images"] { #expect(augmentHelp.stdout.contains(flag)) }
    }
}

/// The offset of an .npy file's data: 10 bytes of preamble (version 1) plus the header length.
func npyDataOffset(_ bytes: [UInt8]) -> Int {
    10 + Int(bytes[8]) + Int(bytes[9]) << 8
}
