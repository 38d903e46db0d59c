import Hummingbird
import MaskExport
import MaskImaging
import MaskQuery
import MaskStorage
import NIOHTTP1

/// An error answer of the API: `{"error": {"message": "...", "token": "...", "position": N}}`
/// (`token` and `position` only for errors in a query's text; `position` is the 1-based
/// character offset in the SQL). 400 bad query or input, 404 unknown id or path, 405 wrong
/// method, 408 body not received in time, 413 body too large, 422 an image file that
/// cannot be read or decoded; 500 only when the server itself failed (a damaged database,
/// an I/O error), never for a bad request.
struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    var status: HTTPResponse.Status
    var message: String
    var token: String? = nil
    var position: Int? = nil
    var headers: HTTPFields = [:]

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, message: message) }
    /// 422: a file the request needs (an image) is there but cannot be read or decoded.
    static func unreadableFile(_ name: String, why: String) -> APIError {
        APIError(status: .unprocessableContent, message: "the file \(name) cannot be read: \(why)")
    }

    /// A query error: a bad query (syntax, semantic) is the user's (400, with its token and
    /// position); an I/O or internal error is the server's (500).
    init(_ error: QueryError) {
        switch error.kind {
        case .syntax, .semantic:
            self.init(status: .badRequest, message: error.message, token: error.token, position: error.location?.offset)
        case .io, .internal:
            self.init(status: .internalServerError, message: error.description)
        }
    }

    /// A storage error: bad input is the user's (400); damage and system errors are the server's (500).
    init(_ error: StorageError) {
        self.init(status: error.isUserError ? .badRequest : .internalServerError, message: error.description)
    }

    init(status: HTTPResponse.Status, message: String, token: String? = nil, position: Int? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.token = token
        self.position = position
        self.headers = headers
    }

    var description: String { "\(status.code) \(message)" }

    /// The error object's text.
    var json: String {
        var members: [(String, JSON)] = [("message", .string(message))]
        if let token { members.append(("token", .string(token))) }
        if let position { members.append(("position", .int(position))) }
        return JSON.object([("error", .object(members))]).text + "\n"
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Reply.json(json, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    /// Any error thrown while answering, as an API error: ours as they are, Hummingbird's
    /// (404 no route, 413 body too large, ...) with their status, a body that is not the
    /// JSON expected as 400, library errors by their kind, anything else as 500.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as QueryError: return APIError(e)
        case let e as StorageError: return APIError(e)
        case let e as ExportError:
            // A result without mask_id/image_id, a missing ROI set: the request's; I/O: the server's.
            return APIError(status: e.kind == .io ? .internalServerError : .badRequest, message: e.description)
        case let e as ImagingError:
            return APIError(status: .internalServerError, message: e.description)
        case let e as HTTPError:
            return APIError(status: e.status, message: e.body ?? e.status.reasonPhrase, headers: e.headers)
        case let e as HTTPParserError:
            // The connection ended inside the body (a client gone, or cut off by RequestLimitsHandler).
            return .badRequest("malformed or incomplete HTTP request: \(e)")
        case is DecodingError:
            return .badRequest("the request body is not the JSON expected: \(decodingErrorText(error))")
        case let e as any HTTPResponseError:
            let message = e.status == .contentTooLarge
                ? "request body larger than \(ServerConfiguration.maxBodyBytes) bytes" : e.status.reasonPhrase
            return APIError(status: e.status, message: message)
        default:
            return APIError(status: .internalServerError, message: "internal error: \(error)")
        }
    }
}

/// A short description of a `DecodingError` (which key, what was wrong).
private func decodingErrorText(_ error: any Error) -> String {
    guard let e = error as? DecodingError else { return "\(error)" }
    func path(_ c: DecodingError.Context) -> String {
        let p = c.codingPath.map(\.stringValue).joined(separator: ".")
        return p.isEmpty ? c.debugDescription : "\(p): \(c.debugDescription)"
    }
    switch e {
    case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return path(c)
    case .keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
    @unknown default: return "\(e)"
    }
}

/// Turns every error of a route, and every unmatched route, into the API's JSON error.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let e = APIError.from(error)
            if e.status.code >= 500 {
                context.logger.error("\(request.method) \(request.uri.path): \(e.message)")
            }
            return try e.response(from: request, context: context)
        }
    }
}
