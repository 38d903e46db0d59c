import Hummingbird

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
    // Rendering, augmentation and export come from MaskImaging and MaskExport (branch
    // issue11-imaging); until they are merged these answer 501.
    func maskPNG(_ row: Int, options: RenderOptions) async throws -> Response {
        throw APIError(status: .notImplemented, message: "PNG rendering is not in this build yet")
    }

    func aggregate(file: String, query: QueryParameters) async throws -> Response {
        throw APIError(status: .notImplemented, message: "aggregate images are not in this build yet")
    }

    func augment(_ request: AugmentRequest) async throws -> Response {
        throw APIError(status: .notImplemented, message: "augmentation is not in this build yet")
    }

    func export(_ request: ExportRequestBody) async throws -> Response {
        throw APIError(status: .notImplemented, message: "export is not in this build yet")
    }
}
