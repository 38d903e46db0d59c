import ArgumentParser
import Foundation
import MaskFormat
import MaskImaging
import MaskStorage

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Add masks (.npy, PNG or JPEG files, directories of them, or raw dumps) and their metadata to a database.",
        discussion: """
        Creates DB when missing; run again to append. A failed ingest changes nothing.
        meta.csv has a header row and one row per mask in input order; columns mask_id, image_id,
        model_id, mask_type are recognised, others become metadata columns (INT64, FLOAT64 or TEXT).
        Without --meta: mask_id counts on from the largest existing id, image_id = mask_id,
        model_id = 0, mask_type = 0.
        PNG and JPEG masks (CONTRACT.md section 8): 8-bit grey PNG and grey JPEG value v is v/255,
        16-bit grey PNG v/65535. Grey + alpha and colour files are refused unless --channel r|g|b|a
        picks one channel. Without --meta, files whose name stems are all integers (17.png) give
        their image_id. --label-map reads each file as class ids and ingests one binary mask per
        class present (1.0 where the pixel has that class) with mask_type = the class id.
        Default storage: uint8 for 8-bit PNG/JPEG and label maps, float32 when a 16-bit PNG is
        among the inputs. Every file is decoded and checked before the database is touched; a
        bad file stops the ingest (exit 2, naming it) with the database unchanged.
        """)

    @Argument(help: "The database directory.") var db: String
    @Argument(help: "Input files: .npy (H,W) or (N,H,W), PNG or JPEG masks, directories of .npy or of PNG/JPEG files, raw dumps with --raw-shape, or - for an .npy stream on standard input.")
    var masks: [String]
    @Option(help: "Metadata CSV, one row per mask in input order.") var meta: String?
    @Option(help: "Storage precision: uint8, float16 or float32 (default: uint8 for uint8 input, else float32; fixed once the database exists).") var dtype: String?
    @Flag(help: "Clip values into [0, 1] instead of rejecting them (NaN is still rejected).") var clip = false
    @Option(help: "Shape N,H,W of raw dump inputs.") var rawShape: String?
    @Option(help: "Element type of raw dump inputs: uint8, float16, float32 or float64 (little-endian).") var rawDtype: String?
    @Option(help: "The folder of the masks' images (<image_id>.png/.jpg), recorded in the database for `serve`.")
    var images: String?
    @Option(help: "PNG/JPEG inputs with several channels: the one to read (r, g, b or a).") var channel: String?
    @Flag(name: .customLong("label-map"),
          help: "PNG/JPEG inputs are label images: one binary mask per class present, mask_type = the class id.")
    var labelMap = false
    @Option(help: ArgumentHelp("Image rows per compressed block (fixed once the database exists).", visibility: .hidden))
    var bandRows: Int?

    func validate() throws {
        if let dtype, PixelFormat(name: dtype) == nil {
            throw ValidationError("--dtype must be uint8, float16 or float32, not '\(dtype)'")
        }
        if (rawShape == nil) != (rawDtype == nil) {
            throw ValidationError("--raw-shape and --raw-dtype go together")
        }
        if let rawDtype, NpyHeader.ElementType(name: rawDtype) == nil {
            throw ValidationError("--raw-dtype must be uint8, float16, float32 or float64, not '\(rawDtype)'")
        }
        if let channel, MaskPlane.Channel(rawValue: channel) == nil {
            throw ValidationError("--channel must be r, g, b or a, not '\(channel)'")
        }
        if let images {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: images, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--images \(images): no such directory")
            }
        }
        if let rawShape {
            let parts = rawShape.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--raw-shape must be N,H,W with positive integers, not '\(rawShape)'")
            }
        }
    }

    func run() throws {
        var options = Ingester.Options()
        options.metaPath = meta
        options.pixelFormat = dtype.flatMap(PixelFormat.init(name:))
        options.clip = clip
        if let bandRows { options.bandRows = bandRows }
        if let rawShape, let rawDtype, let type = NpyHeader.ElementType(name: rawDtype) {
            let p = rawShape.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            options.raw = .init(count: p[0], height: p[1], width: p[2], elementType: type)
        }
        let imageSources = try self.imageSources(&options)
        if ShardedCommands.isSharded(db) {
            guard imageSources == nil else {
                throw CommandFailure("error: PNG/JPEG inputs are not supported on a sharded database: ingest .npy files", code: 2)
            }
            return try ShardedCommands.ingest(db, inputs: masks, options: options, images: images)
        }
        let bar = ProgressBar("ingest")
        let summary = try runReportingErrors {
            let sources = imageSources ?? masks.map { $0 == "-" ? IngestSource.standardInput : .path($0) }
            return try Ingester.ingest(into: db, sources: sources, options: options, progress: bar.update)
        }
        bar.finish()
        if let images {
            let absolute = URL(fileURLWithPath: images).standardizedFileURL.resolvingSymlinksInPath().path
            try runReportingErrors { try Manifest.recordImageFolder(absolute, in: db) }
        }
        let ratio = summary.storedBytes > 0 ? Double(summary.rawBytes) / Double(summary.storedBytes) : 0
        print("ingested \(summary.masks) masks into \(db)/\(summary.segmentFile) (\(summary.rawBytes) bytes stored as \(summary.storedBytes), ratio \(String(format: "%.2f", ratio)))")
    }

    /// The sources of PNG/JPEG inputs (every file decoded and checked here, before the database
    /// is touched), with their metadata put into `options` when `--meta` is not given; nil
    /// for .npy and raw inputs.
    func imageSources(_ options: inout Ingester.Options) throws -> [IngestSource]? {
        guard try ImageMaskInputs.areImages(masks) else {
            if channel != nil || labelMap {
                throw CommandFailure("error: --channel and --label-map apply to PNG/JPEG inputs only", code: 2)
            }
            return nil
        }
        guard rawShape == nil else { throw CommandFailure("error: --raw-shape does not apply to PNG/JPEG inputs", code: 2) }
        let reader = ImageMaskInputs(channel: channel.flatMap(MaskPlane.Channel.init(rawValue:)), labelMap: labelMap)
        let files = try ImageMaskInputs.files(masks)
        guard !files.isEmpty else { throw CommandFailure("error: no PNG or JPEG files in \(masks.joined(separator: " "))", code: 2) }
        let entries = try runReportingErrors { try reader.scan(files) }
        if options.meta == nil { options.meta = reader.metadata(entries) }
        return reader.sources(entries)
    }
}
