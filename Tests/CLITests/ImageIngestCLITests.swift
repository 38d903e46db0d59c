import Foundation
import MaskImaging
import Testing

/// `masksearch ingest` of PNG and JPEG masks (CONTRACT.md section 8) through the real binary.
/// Stored masks are compared, through `export --masks npy` (the stored bytes exactly), with an
/// `.npy` ingest of the values the contract gives them.
@Suite struct ImageIngestCLITests {
    static let (w, h) = (12, 9)

    /// Deterministic samples in 0...max (a linear congruential generator).
    static func samples(seed: UInt64, max: Int) -> [Int] {
        var state = seed
        return (0..<(w * h)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % (max + 1)
        }
    }

    static func writePNG8(_ path: String, _ values: [Int], channels: Int = 1) throws {
        let image = try RasterImage(width: w, height: h, channels: channels, pixels: values.map { UInt8($0) })
        try Data(PNGCodec.encode(image)).write(to: URL(fileURLWithPath: path))
    }

    /// Writes an (n, h, w) .npy of `descr` ('|u1' or '<f4') over `data`.
    static func writeNpy(_ path: String, descr: String, count: Int, data: [UInt8]) throws {
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(count), \(h), \(w)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8) + data
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func float32(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    /// The stored masks of `db`, in mask_id order, as `export --masks npy` writes them.
    static func storedMasks(_ db: String, _ scratch: Scratch) throws -> [Data] {
        let out = scratch.path + "/export-\(UUID().uuidString.prefix(6))"
        let r = try CLI.run(["export", db, "SELECT mask_id FROM masks ORDER BY mask_id", "--to", out, "--masks", "npy"])
        #expect(r.status == 0, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out + "/masks").sorted { Int($0.dropLast(4))! < Int($1.dropLast(4))! }
        return try names.map { try Data(contentsOf: URL(fileURLWithPath: out + "/masks/" + $0)) }
    }

    static func ingest(_ args: [String]) throws -> CLI.Result {
        try CLI.run(["ingest"] + args)
    }

    @Test func eightAndSixteenBitPNGAreExactlyVOver255AndVOver65535() throws {
        let s = Scratch()
        try FileManager.default.createDirectory(atPath: s.path + "/p8", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: s.path + "/p16", withIntermediateDirectories: true)
        let a = Self.samples(seed: 1, max: 255), b = Self.samples(seed: 2, max: 255)
        try Self.writePNG8(s.path + "/p8/20.png", a)
        try Self.writePNG8(s.path + "/p8/3.png", b)
        // Sorted by name: "20.png" before "3.png".
        try Self.writeNpy(s.path + "/u8.npy", descr: "|u1", count: 2, data: (a + b).map { UInt8($0) })
        #expect(try Self.ingest([s.path + "/db8", s.path + "/p8"]).status == 0)
        #expect(try Self.ingest([s.path + "/ref8", s.path + "/u8.npy"]).status == 0)
        #expect(try Self.storedMasks(s.path + "/db8", s) == Self.storedMasks(s.path + "/ref8", s))
        let ids = try CLI.run(["query", s.path + "/db8", "SELECT image_id FROM masks ORDER BY mask_id", "--format", "csv"])
        #expect(ids.stdout == "image_id\n20\n3\n")

        let c = Self.samples(seed: 3, max: 65_535)
        let png16 = try PNGCodec.encodeGrey16(width: Self.w, height: Self.h, samples: c.map { UInt16($0) })
        try Data(png16).write(to: URL(fileURLWithPath: s.path + "/p16/mask.png"))
        try Self.writeNpy(s.path + "/f32.npy", descr: "<f4", count: 1, data: Self.float32(c.map { Float($0) / 65_535 }))
        #expect(try Self.ingest([s.path + "/db16", s.path + "/p16/mask.png"]).status == 0)
        #expect(try Self.ingest([s.path + "/ref16", s.path + "/f32.npy"]).status == 0)
        let stored = try Self.storedMasks(s.path + "/db16", s)
        #expect(stored == (try Self.storedMasks(s.path + "/ref16", s)))
        #expect(String(decoding: stored[0].prefix(80), as: UTF8.self).contains("<f4"))
    }

    @Test func greyJPEGIsItsDecodedValues() throws {
        let s = Scratch()
        let image = try RasterImage(width: Self.w, height: Self.h, channels: 1, pixels: Self.samples(seed: 4, max: 255).map { UInt8($0) })
        let jpeg = try JPEGCodec.encode(image, quality: 90)
        try Data(jpeg).write(to: URL(fileURLWithPath: s.path + "/m.jpg"))
        let decoded = try JPEGCodec.decode(jpeg)
        try Self.writeNpy(s.path + "/u8.npy", descr: "|u1", count: 1, data: decoded.pixels)
        #expect(try Self.ingest([s.path + "/db", s.path + "/m.jpg"]).status == 0)
        #expect(try Self.ingest([s.path + "/ref", s.path + "/u8.npy"]).status == 0)
        #expect(try Self.storedMasks(s.path + "/db", s) == Self.storedMasks(s.path + "/ref", s))
    }

    @Test func colourIsRefusedUnlessAChannelIsPicked() throws {
        let s = Scratch()
        let g = Self.samples(seed: 5, max: 255), alpha = Self.samples(seed: 6, max: 255)
        let rgba = (0..<(Self.w * Self.h)).flatMap { [($0 * 7) % 256, g[$0], 9, alpha[$0]] }
        try Self.writePNG8(s.path + "/rgba.png", rgba, channels: 4)
        try Self.writePNG8(s.path + "/rgb.png", (0..<(Self.w * Self.h)).flatMap { [1, g[$0], 3] }, channels: 3)
        for file in ["rgb.png", "rgba.png"] {
            let r = try Self.ingest([s.path + "/db", s.path + "/" + file])
            #expect(r.status == 2 && r.stderr.contains("--channel") && r.stderr.contains(file), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: s.path + "/db"))
        }
        let noAlpha = try Self.ingest([s.path + "/db", s.path + "/rgb.png", "--channel", "a"])
        #expect(noAlpha.status == 2 && noAlpha.stderr.contains("alpha"))
        try Self.writeNpy(s.path + "/ref.npy", descr: "|u1", count: 3, data: (g + g + alpha).map { UInt8($0) })
        #expect(try Self.ingest([s.path + "/db", s.path + "/rgb.png", s.path + "/rgba.png", "--channel", "g"]).status == 0)
        #expect(try Self.ingest([s.path + "/db", s.path + "/rgba.png", "--channel", "a"]).status == 0)
        #expect(try Self.ingest([s.path + "/ref", s.path + "/ref.npy"]).status == 0)
        #expect(try Self.storedMasks(s.path + "/db", s) == Self.storedMasks(s.path + "/ref", s))
    }

    @Test func labelMapsGiveOneMaskPerClass() throws {
        let s = Scratch()
        let labels = Self.samples(seed: 7, max: 2).map { [0, 3, 7][$0] }
        try FileManager.default.createDirectory(atPath: s.path + "/labels", withIntermediateDirectories: true)
        try Self.writePNG8(s.path + "/labels/42.png", labels)
        let r = try Self.ingest([s.path + "/db", s.path + "/labels", "--label-map"])
        #expect(r.status == 0, "\(r.stderr)")
        let q = try CLI.run(["query", s.path + "/db", "SELECT mask_id, image_id, mask_type, CP(mask, full, 0.5, 1.0) AS n FROM masks ORDER BY mask_id",
                             "--format", "csv"])
        let counts = [0, 3, 7].map { c in labels.filter { $0 == c }.count }
        #expect(q.stdout == "mask_id,image_id,mask_type,n\n0,42,0,\(counts[0])\n1,42,3,\(counts[1])\n2,42,7,\(counts[2])\n")
        let data = [0, 3, 7].flatMap { c in labels.map { $0 == c ? UInt8(255) : 0 } }
        try Self.writeNpy(s.path + "/ref.npy", descr: "|u1", count: 3, data: data)
        #expect(try Self.ingest([s.path + "/ref", s.path + "/ref.npy"]).status == 0)
        #expect(try Self.storedMasks(s.path + "/db", s) == Self.storedMasks(s.path + "/ref", s))
    }

    /// Every file of `dir` with its bytes.
    static func snapshot(_ dir: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: dir) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            }
        }
        return files
    }

    @Test func aBadFileLeavesTheDatabaseByteIdentical() throws {
        let s = Scratch()
        let dir = s.path + "/in"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.writePNG8(dir + "/1.png", Self.samples(seed: 8, max: 255))
        #expect(try Self.ingest([s.path + "/db", dir + "/1.png"]).status == 0)
        let before = try Self.snapshot(s.path + "/db")
        try Self.writePNG8(dir + "/2.png", Self.samples(seed: 9, max: 255))
        let good = try Data(contentsOf: URL(fileURLWithPath: dir + "/2.png"))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: dir + "/3.png"))
        let corrupt = try Self.ingest([s.path + "/db", dir])
        #expect(corrupt.status == 2 && corrupt.stderr.contains("3.png"), "\(corrupt.stderr)")
        #expect(try Self.snapshot(s.path + "/db") == before)
        // Another shape: the ingest's shape error, database unchanged.
        try FileManager.default.removeItem(atPath: dir + "/3.png")
        let other = try RasterImage(width: 5, height: 5, channels: 1, repeating: 7)
        try Data(PNGCodec.encode(other)).write(to: URL(fileURLWithPath: dir + "/4.png"))
        let shape = try Self.ingest([s.path + "/db", dir])
        #expect(shape.status == 2 && shape.stderr.contains("4.png") && shape.stderr.contains("5x5"), "\(shape.stderr)")
        #expect(try Self.snapshot(s.path + "/db") == before)
        let mixed = try Self.ingest([s.path + "/db", dir + "/1.png", s.path + "/none.npy"])
        #expect(mixed.status == 2)
        #expect(try Self.snapshot(s.path + "/db") == before)
        // Sharded databases take .npy only: refused, every shard as it was.
        #expect(try CLI.run(["shard", "create", s.path + "/sharded", "--shards", "2"]).status == 0)
        let shardedBefore = try Self.snapshot(s.path + "/sharded")
        let sharded = try Self.ingest([s.path + "/sharded", dir + "/1.png"])
        #expect(sharded.status == 2 && sharded.stderr.contains("sharded"), "\(sharded.stderr)")
        #expect(try Self.snapshot(s.path + "/sharded") == shardedBefore)
    }
}
