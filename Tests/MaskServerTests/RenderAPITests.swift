import Foundation
import Hummingbird
import HummingbirdTesting
import MaskImaging
import Testing
@testable import MaskServer

/// Mask PNGs, overlays, aggregates, augmentation and export.
@Suite struct RenderAPITests {
    static func png(_ r: TestResponse) throws -> DecodedImage {
        try PNGCodec.decode(Array(r.body.readableBytesView))
    }

    @Test func greyAndColourMappedMasks() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            try await client.execute(uri: "/api/masks/105.png", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "image/png")
                let image = try Self.png(r)
                #expect(image.width == 32 && image.height == 24 && image.channels == 1)
                #expect(image.samples[7 * 32 + 9] == UInt16(ServerFixture.pixel(4, x: 9, y: 7)))
            }
            try await client.execute(uri: "/api/masks/105.png?colormap=jet&vmin=0.2&vmax=0.9", method: .get) { r in
                #expect(r.status == .ok)
                let image = try Self.png(r)
                #expect(image.channels == 3)
            }
            try await client.execute(uri: "/api/masks/105.png?colormap=jet&overlay=1&opacity=0.5&roi=object", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[MaskServer.overlayHeader] == nil)
                let image = try Self.png(r).raster()
                // The object box of image 3 is (3, 2, 15, 14): its outline is #00ff66.
                #expect(image.rgb(x: 3, y: 5) == (0x00, 0xFF, 0x66))
            }
            try await client.execute(uri: "/api/masks/105.png?colormap=viridis&roi=1,1,5,5", method: .get) { r in
                #expect(r.status == .ok)
                let image = try Self.png(r).raster()
                #expect(image.rgb(x: 1, y: 1) == (0x00, 0xFF, 0x66))
            }
            // Image 6 has no file: the mask alone, said in a header.
            try await client.execute(uri: "/api/masks/111.png?colormap=jet&overlay=1", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[MaskServer.overlayHeader] == "no-image")
            }
        }
    }

    @Test func badRenderParametersAre400() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            for q in ["colormap=rainbow", "opacity=2", "opacity=x", "vmin=0.8&vmax=0.2", "vmin=nan", "roi=nope",
                      "roi=1,2,3", "roi=5,5,1,1", "overlay=maybe"] {
                try await client.execute(uri: "/api/masks/101.png?\(q)", method: .get) { r in
                    #expect(r.status == .badRequest, "\(q)")
                    #expect(errorObject(r)["message"] is String, "\(q)")
                }
            }
        }
    }

    @Test func intersectAndUnionOfAnImagesMasks() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            var planes: [String: [UInt16]] = [:]
            for op in ["intersect", "union"] {
                try await client.execute(uri: "/api/aggregate/3.png?op=\(op)&t=0.5", method: .get) { r in
                    #expect(r.status == .ok)
                    planes[op] = try Self.png(r).raster().pixels.enumerated().filter { $0.offset % 3 == 0 }.map { UInt16($0.element) }
                }
            }
            // Masks of image 3 are rows 4 and 5; > 0.5 is a stored code above 127.5.
            for y in 0..<24 {
                for x in 0..<32 {
                    let a = ServerFixture.pixel(4, x: x, y: y) > 127, b = ServerFixture.pixel(5, x: x, y: y) > 127
                    #expect(planes["intersect"]?[y * 32 + x] == (a && b ? 255 : 0))
                    #expect(planes["union"]?[y * 32 + x] == (a || b ? 255 : 0))
                }
            }
            for uri in ["/api/aggregate/3.png?op=xor", "/api/aggregate/3.png?t=2", "/api/aggregate/3.png?mask_type=a"] {
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .badRequest, "\(uri)") }
            }
            for uri in ["/api/aggregate/99.png", "/api/aggregate/x.png", "/api/aggregate/3.png?mask_type=7", "/api/aggregate/3"] {
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .notFound, "\(uri)") }
            }
        }
    }

    @Test func augmentationKeepsTheBoxAndWritesUnderOutput() async throws {
        let f = try ServerFixture()
        try await f.withClient { client in
            let body = jsonBody(["sql": "SELECT mask_id FROM masks WHERE mask_type = 1 AND image_id <= 2", "method": "noise", "seed": 3])
            let output = try await client.execute(uri: "/api/augment", method: .post, body: body) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
                let o = json(r)
                let images = o["images"] as? [[String: Any]] ?? []
                #expect(images.map { $0["image_id"] as? Int } == [1, 2])
                #expect(images.first?["source"] as? String == "/api/images/1")
                return images.first?["output"] as? String ?? ""
            }
            #expect(output.hasPrefix("/api/output/augment-"))
            try await client.execute(uri: output, method: .get) { r in
                #expect(r.status == .ok)
                let image = try Self.png(r).raster()
                let source = try PNGCodec.decode(ServerFixture.imageBytes(1)).raster()
                // The object box of image 1 is (1, 2, 13, 14).
                #expect(image.rgb(x: 5, y: 5) == source.rgb(x: 5, y: 5))
                var changed = 0
                for y in 0..<24 { for x in 0..<32 where !(1..<13 ~= x && 2..<14 ~= y) && image.rgb(x: x, y: y) != source.rgb(x: x, y: y) { changed += 1 } }
                #expect(changed > 400)
            }
            for bad in [["sql": "SELECT mask_id FROM masks", "method": "paint"], ["sql": "SELECT mask_id FROM masks", "roi": "nope"],
                        ["sql": "SELECT COUNT(*) FROM masks"], ["sql": "SELEC"]] as [[String: Any]] {
                try await client.execute(uri: "/api/augment", method: .post, body: jsonBody(bad)) { r in
                    #expect(r.status == .badRequest, "\(bad): \(String(buffer: r.body))")
                }
            }
        }
    }

    @Test func exportAsCSVJSONAndZip() async throws {
        let f = try ServerFixture()
        let sql = "SELECT mask_id, image_id FROM masks WHERE image_id = 2 ORDER BY mask_id"
        try await f.withClient { client in
            try await client.execute(uri: "/api/export", method: .post, body: jsonBody(["sql": sql, "format": "csv"])) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentDisposition] == "attachment; filename=\"result.csv\"")
                #expect(String(buffer: r.body) == "mask_id,image_id\n103,2\n104,2\n")
            }
            try await client.execute(uri: "/api/export", method: .post, body: jsonBody(["sql": sql, "format": "json"])) { r in
                #expect(r.status == .ok)
                #expect(json(r)["rows"] as? [[Int]] == [[103, 2], [104, 2]])
            }
            try await client.execute(uri: "/api/export", method: .post,
                                     body: jsonBody(["sql": sql, "format": "zip", "masks": "npy", "overlays": true, "images": true])) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
                #expect(r.headers[.contentType] == "application/zip")
                let bytes = Array(r.body.readableBytesView)
                #expect(Array(bytes.prefix(2)) == [0x50, 0x4B])
            }
            let written = try FileManager.default.contentsOfDirectory(atPath: f.output).filter { $0.hasPrefix("export-") }
            #expect(written.count == 1)
            let dir = f.output + "/" + (written.first ?? "")
            #expect(FileManager.default.fileExists(atPath: dir + "/masks/103.npy"))
            #expect(FileManager.default.fileExists(atPath: dir + "/overlays/104.png"))
            #expect(FileManager.default.fileExists(atPath: dir + "/images/2.png"))
            for bad in [["sql": sql, "format": "xml"], ["sql": sql, "format": "zip", "masks": "tiff"], ["sql": "SELECT"]] as [[String: Any]] {
                try await client.execute(uri: "/api/export", method: .post, body: jsonBody(bad)) { r in
                    #expect(r.status == .badRequest, "\(bad)")
                }
            }
        }
    }
}
