import Hummingbird

/// Responses built from bytes: the API answers with text it wrote itself (the query JSON
/// is `ResultFormatter`'s), so no encoder sits in between.
enum Reply {
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        bytes(Array(text.utf8), contentType: "application/json; charset=utf-8", status: status)
    }

    static func json(_ value: JSON) -> Response { json(value.text + "\n") }

    static func bytes(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok,
                      headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: contentType, .contentLength: String(bytes.count)]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `Content-Disposition: attachment; filename="NAME"` (names are ours: ASCII, no quotes).
    static func attachment(_ name: String) -> HTTPFields {
        [.contentDisposition: "attachment; filename=\"\(name)\""]
    }

    /// The Content-Type of a file by its extension (files we serve: the page, images, exports).
    static func contentType(forFile name: String) -> String {
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json": return "application/json; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "csv": return "text/csv; charset=utf-8"
        case "zip": return "application/zip"
        case "ico": return "image/x-icon"
        case "txt", "md": return "text/plain; charset=utf-8"
        case "yaml", "yml": return "application/yaml; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
