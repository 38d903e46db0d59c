import Foundation
import Hummingbird
import MaskImaging
import MaskQuery

extension MaskServer {
    /// `GET /` and `/index.html`: the page.
    func page() -> Response {
        Reply.bytes(web.indexPage, contentType: "text/html; charset=utf-8")
    }

    /// `GET /static/PATH`: a file of the page, by its name in the table (404 otherwise).
    func staticFile(_ components: [Substring]) throws -> Response {
        let names = components.map(ContainedFolder.percentDecoded)
        guard !names.isEmpty, names.allSatisfy({ $0.map(ContainedFolder.isPlainComponent) ?? false }) else {
            throw APIError.notFound("no such file")
        }
        let name = names.compactMap { $0 }.joined(separator: "/")
        guard let bytes = web.files[name] else { throw APIError.notFound("no such file: static/\(name)") }
        return Reply.bytes(bytes, contentType: Reply.contentType(forFile: name))
    }

    /// `GET /api/openapi.yaml`: the API's OpenAPI description (Web/openapi.yaml, loaded with the page).
    func openAPI() throws -> Response {
        guard let bytes = web.files["openapi.yaml"] else { throw APIError.notFound("this build has no OpenAPI description") }
        return Reply.bytes(bytes, contentType: "application/yaml; charset=utf-8")
    }

    /// `GET /api/images/{image_id}`: `<id>.png`, `.jpg` or `.jpeg` from the image folder,
    /// resolved inside it (404 for a non-integer id, no folder, or no file).
    func image(file: String) async throws -> Response {
        let (stem, _) = MaskServer.splitExtension(file)
        guard let id = Int64(stem) else { throw APIError.notFound("no image '\(file)': image ids are integers") }
        guard let path = imagePath(id) else { throw APIError.notFound("no image file for image_id \(id)") }
        let bytes = try await MaskServer.readFile(path)
        return Reply.bytes(bytes, contentType: Reply.contentType(forFile: path))
    }

    /// The real path of an image's file inside the image folder, or nil.
    func imagePath(_ id: Int64) -> String? {
        guard let images else { return nil }
        for ext in ["png", "jpg", "jpeg"] {
            if let path = images.file(["\(id).\(ext)"]) { return path }
        }
        return nil
    }

    /// `GET /api/output/PATH`: a file written under the output folder (404 for anything
    /// outside it, a folder, or a missing file).
    func output(_ components: [Substring]) async throws -> Response {
        let names = components.compactMap(ContainedFolder.percentDecoded)
        guard names.count == components.count, let folder = ContainedFolder(path: configuration.outputFolder),
              let path = folder.file(names) else {
            throw APIError.notFound("no such output file")
        }
        let bytes = try await MaskServer.readFile(path)
        return Reply.bytes(bytes, contentType: Reply.contentType(forFile: path))
    }

    /// A file's bytes, read off the event loop (422 when the file is there but cannot be
    /// read, e.g. no read permission).
    static func readFile(_ path: String) async throws -> [UInt8] {
        let data = try await Blocking.run { FileManager.default.contents(atPath: path) }
        guard let data else { throw APIError.unreadableFile((path as NSString).lastPathComponent, why: "cannot open the file") }
        return Array(data)
    }

    /// An image file decoded; a file that cannot be opened or decoded (damaged, truncated, no
    /// read permission, not PNG or JPEG) is the API's 422, never a 500.
    static func readImage(_ path: String) throws(APIError) -> RasterImage {
        do {
            return try ImageFile.read(path: path)
        } catch {
            throw APIError.unreadableFile((path as NSString).lastPathComponent, why: error.why)
        }
    }

    /// After a failed augment or export: the 422 of the first image of `result` that cannot
    /// be decoded, or nil when all can (the failure was something else). O(images of the result).
    func unreadableImage(in result: QueryResult) -> APIError? {
        for id in imageIDs(of: result) {
            guard let path = imagePath(id) else { continue }
            do { _ = try MaskServer.readImage(path) } catch { return error }
        }
        return nil
    }
}
