import ArgumentParser
import Foundation
import MaskExport
import MaskImaging

struct AugmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augment",
        abstract: "Run a query and write its images with everything outside a ROI box replaced (CONTRACT.md section 7).",
        discussion: """
        Per distinct image of the result (through its mask_id column, else its
        image_id column) that has a box in ROI set NAME, writes
        DIR/images/<image_id>.png: the image with every pixel outside the box
        replaced (noise: uniform random, seeded; mean: the image's mean colour;
        blur) and every pixel inside the box byte-identical to the source; and
        DIR/augmented.csv (image_id,source,output,label). Images without a box are
        left out (listed on stderr). The same seed gives the same bytes.
        DIR must be missing or empty; on failure DIR is left as it was and nothing
        else remains.
        Exit 2: bad query, DIR not empty, unknown ROI set, no image folder, a
        sharded database.
        """)

    @Argument(help: "The database directory.") var db: String
    @Argument(help: "The query.") var sql: String
    @Option(name: .customLong("to"), help: "The output directory (missing or empty).") var to: String
    @Option(help: "The ROI set whose boxes are kept.") var roi: String
    @Option(help: "How pixels outside the box are replaced: noise, mean or blur.") var method = "noise"
    @Option(help: "The seed of the noise.") var seed: UInt64 = 0
    @Option(help: "The image folder (<image_id>.png/.jpg); default: the one `ingest --images` recorded.")
    var images: String?

    func validate() throws {
        guard Augmentation.Method(rawValue: method) != nil else {
            throw ValidationError("--method must be noise, mean or blur, not '\(method)'")
        }
    }

    func run() throws {
        let (result, database) = try ResultOutput.query(db, sql: sql, command: "augment")
        guard database.roiSet(named: roi) != nil else {
            throw CommandFailure("error: --roi: no ROI set named '\(roi)' (masksearch roi DB \(roi) boxes.csv adds it)", code: 2)
        }
        guard let folder = try ResultOutput.imageFolder(images, database: database) else {
            throw CommandFailure("error: the database has no image folder (ingest --images DIR, or --images DIR here)", code: 2)
        }
        let method = Augmentation.Method(rawValue: method) ?? .noise
        var summary: AugmentationSummary?
        try ResultOutput.writing { () throws(ExportError) in
            summary = try ResultExport.augment(result: result, database: database, roiSet: roi, method: method,
                                               seed: seed, imageFolder: folder, to: to)
        }
        if let summary, !summary.withoutBox.isEmpty {
            let ids = summary.withoutBox.map(String.init).joined(separator: ",")
            FileHandle.standardError.write(Data("augment: no '\(roi)' box for image(s) \(ids): left out\n".utf8))
        }
        print("augment: \(summary?.images.count ?? 0) images to \(to)")
    }
}
