import ArgumentParser
import Foundation
import MaskDatasets
import MaskIndex
import MaskQuery
import MaskStorage

/// The README's main job on an embedded default: generate a dataset, ingest it, load the
/// object boxes, build the index, and run the paper's example queries, each without and
/// with the index, printing their first rows and their stats.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a default dataset, ingest it, index it and run the paper's example queries.")

    @Option(help: "Working directory (replaced): DIR/data holds the dataset, DIR/db the database.")
    var dir: String = NSTemporaryDirectory() + "masksearch-demo"
    @Option(help: "Number of masks to generate (224x224 uint8, 3 per image).") var masks: Int = 12_000
    @Option(help: "Random seed.") var seed: UInt64 = 7

    /// The paper's example queries (MaskSearch, sections 1 and 4).
    static let queries: [(String, String)] = [
        ("Q1 filter, constant ROI: masks with many salient pixels in the centre",
         "SELECT mask_id FROM masks WHERE CP(mask, (56, 56, 168, 168), 0.8, 1.0) > 9000"),
        ("Q2 filter, object ROI: model masks with little saliency on the object",
         "SELECT mask_id, image_id FROM masks WHERE mask_type = 1 AND CP(mask, object, 0.8, 1.0) < 200"),
        ("Q3 top-k: lowest share of salient pixels inside the object box",
         "SELECT mask_id, CP(mask, object, 0.8, 1.0) / AREA(object) AS r FROM masks WHERE mask_type = 1 ORDER BY r ASC LIMIT 25"),
        ("Q4 top-k: most diffuse mid-range saliency (adversarial inputs)",
         "SELECT mask_id, CP(mask, full, (0.2, 0.6)) AS v FROM masks WHERE mask_type = 1 ORDER BY v DESC LIMIT 25"),
        ("Q5 aggregation: per-image AVG over the two models",
         "SELECT image_id, AVG(CP(mask, object, 0.8, 1.0)) AS a FROM masks WHERE mask_type = 1 GROUP BY image_id ORDER BY a DESC LIMIT 25"),
        ("Q6 IoU of model saliency and human attention, least overlap",
         "SELECT image_id, CP(INTERSECT(mask > 0.8), full, 0.5, 1) / CP(UNION(mask > 0.8), full, 0.5, 1) AS iou FROM masks WHERE mask_type IN (1, 2) GROUP BY image_id ORDER BY iou ASC LIMIT 25"),
    ]

    func run() throws {
        let data = dir + "/data", db = dir + "/db"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var t = Date()
        try generate(DatasetGenerator.Configuration(maskCount: masks, seed: seed), into: data, bar: ProgressBar("generate"))
        print(String(format: "generated %d masks of 224x224 into %@ (%.2f s)", masks, data, Date().timeIntervalSince(t)))

        t = Date()
        var options = Ingester.Options()
        options.metaPath = data + "/meta.csv"
        let ingest = try runReportingErrors { try Ingester.ingest(into: db, inputs: [data + "/masks.npy"], options: options) }
        let seconds = Date().timeIntervalSince(t)
        print(String(format: "ingested %d masks (%.0f MB raw -> %.0f MB stored) in %.2f s, %.0f MB/s", ingest.masks,
                     Double(ingest.rawBytes) / 1e6, Double(ingest.storedBytes) / 1e6, seconds, Double(ingest.rawBytes) / 1e6 / seconds))
        let roi = try runReportingErrors { try ROISetLoader.load(into: db, name: "object", csvPath: data + "/rois/object.csv") }
        print("loaded ROI set 'object': \(roi.boxes) boxes")
        let index = try runReportingErrors { try IndexBuilder.build(databasePath: db, bins: nil, cell: nil) }
        print(String(format: "indexed %d masks (bins %d, cell %d) in %.2f s; index %.1f MB", index.built, index.parameters.bins,
                     index.parameters.cell, index.seconds, Double(index.indexBytes) / 1e6))

        let scan = try runReportingErrors { try QuerySession(path: db, useIndex: false) }
        let indexed = try runReportingErrors { try QuerySession(path: db, useIndex: true) }
        for (title, sql) in Self.queries {
            print("\n== \(title)\n   \(sql)")
            let full = try runReportingErrors { try scan.run(sql) }
            let fast = try runReportingErrors { try indexed.run(sql) }
            guard full.rows == fast.rows else {
                throw CommandFailure("error: the indexed answer differs from the full scan for: \(sql)", code: 1)
            }
            var shown = fast
            shown.rows = Array(fast.rows.prefix(5))
            let table = ResultFormatter.format(shown, as: .table).split(separator: "\n").dropLast().joined(separator: "\n")
            print(table)
            print("(\(fast.rows.count) rows\(fast.rows.count > 5 ? ", first 5 shown" : ""))")
            let s = fast.stats
            print(String(format: "full scan %.1f ms (read %d masks) | indexed %.1f ms: pruned %d, accepted %d, verified %d, FML %.4f, %.0fx faster",
                         full.stats.elapsedMilliseconds, full.stats.verified, s.elapsedMilliseconds, s.pruned, s.acceptedByIndex,
                         s.verified, s.fml, full.stats.elapsedMilliseconds / max(s.elapsedMilliseconds, 0.001)))
        }
        print("\ndatabase: \(db)   try: masksearch query \(db) \"SELECT * FROM masks LIMIT 5\"")
    }
}
