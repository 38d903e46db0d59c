import ArgumentParser
import Foundation
import MaskExport

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Run a query and write its result to a directory (CONTRACT.md section 7).",
        discussion: """
        Writes DIR/result.csv (the query's columns and rows, as `query --format csv`
        prints them) and, per result mask (through the result's mask_id column, else
        every mask of each image_id):
          --masks npy  DIR/masks/<mask_id>.npy: (H, W), stored dtype, stored bytes
          --masks png  DIR/masks/<mask_id>.png: 8-bit grey, v as round(v * 255)
          --overlays   DIR/overlays/<mask_id>.png: the mask colour-mapped over its
                       image, the 'object' box outlined
          --images     DIR/images/<image_id>.png|jpg: copied from the image folder
        DIR must be missing or empty. Files are written to a hidden sibling renamed
        onto DIR at the end: on failure DIR is left as it was, nothing else remains.
        Exit 2: bad query, DIR not empty, a result without a mask_id or image_id
        column, --images without an image folder, a sharded database.
        """)

    @Argument(help: "The database directory.") var db: String
    @Argument(help: "The query.") var sql: String
    @Option(name: .customLong("to"), help: "The output directory (missing or empty).") var to: String
    @Option(help: "Also write each result mask: npy (exact) or png (8-bit).") var masks: String?
    @Flag(help: "Also write each result mask's overlay over its image.") var overlays = false
    @Flag(help: "Also copy each result image from the image folder.") var images = false
    @Option(name: .customLong("image-folder"),
            help: "The image folder (<image_id>.png/.jpg); default: the one `ingest --images` recorded.")
    var imageFolder: String?

    func validate() throws {
        if let masks, ExportRequest.MaskFiles(rawValue: masks) == nil {
            throw ValidationError("--masks must be npy or png, not '\(masks)'")
        }
    }

    func run() throws {
        let (result, database) = try ResultOutput.query(db, sql: sql, command: "export")
        let folder = try ResultOutput.imageFolder(imageFolder, database: database)
        if images, folder == nil {
            throw CommandFailure("error: --images: the database has no image folder (ingest --images DIR, or --image-folder DIR)", code: 2)
        }
        let request = ExportRequest(masks: masks.flatMap(ExportRequest.MaskFiles.init(rawValue:)), overlays: overlays, images: images)
        try ResultOutput.writing { () throws(ExportError) in
            try ResultExport.export(result: result, request: request, database: database, imageFolder: folder, to: to)
        }
        print("export: \(result.rows.count) rows to \(to)")
    }
}
