import Foundation
import Hummingbird
import MaskExport
import MaskImaging
import MaskQuery
import Synchronization

/// The body of `POST /api/augment`.
struct AugmentRequest: Decodable, Sendable {
    var sql: String
    var roi: String?
    var method: String?
    var seed: UInt64?
}

/// The body of `POST /api/export`.
struct ExportRequestBody: Decodable, Sendable {
    var sql: String
    var format: String?
    var masks: String?
    var overlays: Bool?
    var images: Bool?
}

extension MaskServer {
    /// `POST /api/augment`: runs the query, then writes `<output>/augment-<UTC time>-<n>/` by
    /// `ResultExport.augment` (CONTRACT.md section 7): per image of the result with a box in
    /// `roi` (default `object`), the image with every pixel outside the box replaced by
    /// `method` (noise, mean or blur; default noise), seeded by `seed` (default 0).
    func augment(_ request: AugmentRequest) async throws -> Response {
        let roi = request.roi ?? "object"
        guard let method = Augmentation.Method(rawValue: request.method ?? "noise") else {
            throw APIError.badRequest("method must be noise, mean or blur, not '\(request.method ?? "")'")
        }
        guard database.roiSet(named: roi) != nil else { throw APIError.badRequest("unknown ROI set '\(roi)'") }
        guard let images else { throw APIError.badRequest("the server has no image folder (serve --images DIR)") }
        let result = try await runQuery(request.sql, useIndex: true)
        try checkImagesContained(result)
        let (name, dir) = try outputDirectory("augment")
        let db = database, seed = request.seed ?? 0
        let summary = try await writingOutput(result) {
            try ResultExport.augment(result: result, database: db, roiSet: roi, method: method, seed: seed,
                                     imageFolder: images.root, to: dir)
        }
        let items: [JSON] = summary.images.map { image in
            .object([("image_id", .int(image.imageID)), ("source", .string("/api/images/\(image.imageID)")),
                     ("output", .string("/api/output/\(name)/\(image.output)")),
                     ("label", image.label.map(JSON.init) ?? .null)])
        }
        return Reply.json(.object([
            ("dir", .string(name)), ("images", .array(items)),
            ("without_box", .array(summary.withoutBox.map { .int($0) })),
        ]))
    }

    /// `POST /api/export`: `csv` the result as `query --format csv` prints it; `json` the query's
    /// JSON; `zip` a zip of `ResultExport.export`'s directory (result.csv and, as asked, masks,
    /// overlays, images), also kept as `<output>/export-<UTC time>-<n>/`. Each as an attachment.
    func export(_ request: ExportRequestBody) async throws -> Response {
        let format = request.format ?? "csv"
        guard ["csv", "json", "zip"].contains(format) else { throw APIError.badRequest("format must be csv, json or zip, not '\(format)'") }
        var files: ExportRequest.MaskFiles?
        if let masks = request.masks {
            guard let m = ExportRequest.MaskFiles(rawValue: masks) else { throw APIError.badRequest("masks must be npy, png or null, not '\(masks)'") }
            files = m
        }
        if request.images == true, images == nil { throw APIError.badRequest("the server has no image folder (serve --images DIR)") }
        let result = try await runQuery(request.sql, useIndex: true)
        switch format {
        case "csv":
            return Reply.bytes(Array(ResultFormatter.format(result, as: .csv).utf8), contentType: "text/csv; charset=utf-8",
                               headers: Reply.attachment("result.csv"))
        case "json":
            return Reply.bytes(Array(ResultFormatter.format(result, as: .json).utf8), contentType: "application/json; charset=utf-8",
                               headers: Reply.attachment("result.json"))
        default:
            if request.images == true { try checkImagesContained(result) }
            let (name, dir) = try outputDirectory("export")
            let exportRequest = ExportRequest(masks: files, overlays: request.overlays ?? false, images: request.images ?? false)
            let db = database, folder = images?.root
            let zip = try await writingOutput(result) { () throws -> [UInt8] in
                try ResultExport.export(result: result, request: exportRequest, database: db, imageFolder: folder, to: dir)
                return try DirectoryZip.bytes(of: dir)
            }
            return Reply.bytes(zip, contentType: "application/zip", headers: Reply.attachment("\(name).zip"))
        }
    }

    /// Refuses (400) a result whose images would be read through a path leaving the image
    /// folder (a symlink out of it): MaskExport reads `<id>.png|jpg` by name, so the server
    /// checks first that each image it would read resolves inside the folder.
    func checkImagesContained(_ result: QueryResult) throws {
        guard let images else { return }
        let folder = ImageFolder(path: images.root)
        for id in imageIDs(of: result) where folder.file(imageID: id) != nil && imagePath(id) == nil {
            throw APIError.badRequest("the file of image \(id) resolves outside the image folder")
        }
    }

    /// The distinct image ids of a result (by its mask_id column, else its image_id column), ascending.
    func imageIDs(of result: QueryResult) -> [Int64] {
        var ids = Set<Int64>()
        if let c = result.columns.firstIndex(where: { $0.lowercased() == "mask_id" }) {
            for row in result.rows { if case .int(let id) = row[c], let r = catalog.lookup.row(maskID: id) { ids.insert(catalog.imageID(r)) } }
        } else if let c = result.columns.firstIndex(where: { $0.lowercased() == "image_id" }) {
            for row in result.rows { if case .int(let id) = row[c] { ids.insert(id) } }
        }
        return ids.sorted()
    }

    /// Runs an augment or export's writing step; a failure caused by an image file that cannot
    /// be decoded becomes that image's 422.
    func writingOutput<T: Sendable>(_ result: QueryResult, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await Blocking.run(body)
        } catch let error as ExportError where error.kind == .io {
            throw unreadableImage(in: result) ?? error
        }
    }

    /// A new name `<kind>-<YYYYMMDD-HHMMSS>-<n>` under the output folder (created when missing)
    /// and its path; the directory itself is created by the writer.
    func outputDirectory(_ kind: String) throws -> (name: String, path: String) {
        let root = configuration.outputFolder
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw APIError(status: .internalServerError, message: "cannot create the output folder \(root): \(error.localizedDescription)")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let name = "\(kind)-\(formatter.string(from: Date()))-\(MaskServer.outputCounter.add(1, ordering: .relaxed).newValue)"
        return (name, root + "/" + name)
    }

    /// Numbers the output directories of this process.
    static let outputCounter = Atomic<Int>(0)
}
