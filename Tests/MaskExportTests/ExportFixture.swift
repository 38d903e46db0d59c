import Foundation
import MaskDatasets
import MaskQuery
import MaskStorage

/// A small generated dataset (30 masks of 32×44, images, seed 3) ingested with its metadata
/// and `object` ROI set, in a temporary directory removed by `cleanUp()`.
struct ExportFixture {
    let root: URL
    var data: URL { root.appendingPathComponent("data") }
    var db: String { root.appendingPathComponent("db").path }
    var images: String { data.appendingPathComponent("images").path }
    let configuration = DatasetGenerator.Configuration(maskCount: 30, height: 32, width: 44, seed: 3)

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("maskexport-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try DatasetGenerator(configuration: configuration).write(to: data)
        var options = Ingester.Options()
        options.metaPath = data.appendingPathComponent("meta.csv").path
        _ = try Ingester.ingest(into: db, inputs: [data.appendingPathComponent("masks.npy").path], options: options)
        _ = try ROISetLoader.load(into: db, name: "object", csvPath: data.appendingPathComponent("rois/object.csv").path)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: root) }

    func query(_ sql: String) throws -> QueryResult { try QuerySession(path: db).run(sql) }

    func database() throws -> Database { try Database(path: db) }

    /// A fresh path under the fixture (not created).
    func output(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// The bytes of mask `id` in the generated `masks.npy` (uint8, 32 × 44).
    func generatedMask(_ id: Int) throws -> [UInt8] {
        let file = try [UInt8](Data(contentsOf: data.appendingPathComponent("masks.npy")))
        let header = Int(file[8]) | Int(file[9]) << 8
        let size = configuration.height * configuration.width
        let start = 10 + header + id * size
        return Array(file[start..<(start + size)])
    }

    /// Names in `dir`, sorted (empty when missing).
    static func list(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}
