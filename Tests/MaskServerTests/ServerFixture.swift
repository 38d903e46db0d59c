import Foundation
import Hummingbird
import HummingbirdTesting
import MaskImaging
import MaskServer
import MaskStorage

/// A small database on disk for the API tests, in a new temporary directory (removed at deinit):
/// 12 masks of 24×32 uint8 on 6 images (mask_id 101…112, image_id 1…6, two models, mask_type
/// 1 and 2), `label` and `pred` columns (images 2 and 5 misclassified), an `object` box per
/// image, an image folder with `<id>.png` for images 1–5 (image 6 has none), a file outside
/// the folder and a symlink to it inside (`7.png`), and an output folder.
final class ServerFixture: @unchecked Sendable {
    let dir: String
    var db: String { dir + "/db" }
    var images: String { dir + "/images" }
    var output: String { dir + "/out" }
    static let height = 24, width = 32, count = 12

    init() throws {
        dir = NSTemporaryDirectory() + "ms-server-\(UUID().uuidString.prefix(8))"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        try Data(ServerFixture.npy()).write(to: URL(fileURLWithPath: dir + "/masks.npy"))
        var meta = "mask_id,image_id,model_id,mask_type,label,pred\n"
        for i in 0..<ServerFixture.count {
            let image = i / 2 + 1, label = image % 3, pred = image == 2 || image == 5 ? (label + 1) % 3 : label
            meta += "\(101 + i),\(image),\(i % 2 + 1),\(i % 2 + 1),\(label),\(pred)\n"
        }
        try meta.write(toFile: dir + "/meta.csv", atomically: true, encoding: .utf8)
        var rois = "image_id,x0,y0,x1,y1\n"
        for image in 1...6 { rois += "\(image),\(image),2,\(image + 12),14\n" }
        try rois.write(toFile: dir + "/object.csv", atomically: true, encoding: .utf8)
        var options = Ingester.Options()
        options.metaPath = dir + "/meta.csv"
        _ = try Ingester.ingest(into: db, inputs: [dir + "/masks.npy"], options: options)
        _ = try ROISetLoader.load(into: db, name: "object", csvPath: dir + "/object.csv")
        for image in 1...5 {
            try Data(ServerFixture.imageBytes(image)).write(to: URL(fileURLWithPath: "\(images)/\(image).png"))
        }
        try "secret\n".write(toFile: dir + "/secret.png", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: images + "/7.png", withDestinationPath: dir + "/secret.png")
        try "written\n".write(toFile: output + "/note.txt", atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// The stored value of pixel (x, y) of mask `i` (0-based row): a smooth blob per mask.
    static func pixel(_ i: Int, x: Int, y: Int) -> UInt8 {
        let cx = 4 + (i * 5) % 24, cy = 3 + (i * 7) % 18
        let d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy)
        return UInt8(max(0, 255 - d2 * 6))
    }

    static func npy() -> [UInt8] {
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(count), \(height), \(width)), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        for i in 0..<count {
            for y in 0..<height { for x in 0..<width { bytes.append(pixel(i, x: x, y: y)) } }
        }
        return bytes
    }

    /// Image `id`: a 32×24 RGB PNG, pixel (x, y) = (8x, 10y, 40·id).
    static func imageBytes(_ id: Int) -> [UInt8] {
        var pixels: [UInt8] = []
        for y in 0..<height { for x in 0..<width { pixels += [UInt8(8 * x), UInt8(10 * y), UInt8(40 * id)] } }
        let image = try? RasterImage(width: width, height: height, channels: 3, pixels: pixels)
        return image.flatMap { try? PNGCodec.encode($0) } ?? []
    }

    func configuration(runners: Int = 2) -> ServerConfiguration {
        ServerConfiguration(databasePath: db, port: 0, imageFolder: images, outputFolder: output, queryRunners: runners)
    }

    func server(runners: Int = 2) throws -> MaskServer {
        try MaskServer(configuration: configuration(runners: runners), web: StaticFiles(files: [
            "index.html": Array("<!doctype html><title>t</title>".utf8), "app.css": Array("body{}".utf8),
        ]))
    }

    /// Runs `body` with a client of the server's router (no socket).
    func withClient(runners: Int = 2, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: try server(runners: runners).router())
        try await app.test(.router, body)
    }
}

/// A JSON body for a POST.
func jsonBody(_ object: [String: Any]) -> ByteBuffer {
    let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    return ByteBuffer(bytes: Array(data))
}

/// The parsed JSON object of a response.
func json(_ response: TestResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))) as? [String: Any] ?? [:]
}

/// The error object of an error response.
func errorObject(_ response: TestResponse) -> [String: Any] {
    json(response)["error"] as? [String: Any] ?? [:]
}
