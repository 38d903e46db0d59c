import Hummingbird

extension MaskServer {
    /// The methods answered on each path other than the allowed ones (405, with `Allow`).
    static let otherMethods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch, .options, .trace]

    /// Every route of the API and the page. Unmatched paths are 404, other methods on a known
    /// path 405; every error is the API's JSON error (`JSONErrorMiddleware`).
    public func router() -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: ResponseHeadersMiddleware())
        router.add(middleware: JSONErrorMiddleware())
        var routes = RouteTable(router: router)
        routes.add(.get, "/") { _, _ in self.page() }
        routes.add(.get, "/index.html") { _, _ in self.page() }
        routes.add(.get, "/static/**") { _, context in try self.staticFile(context.parameters.getCatchAll()) }
        routes.add(.get, "/api/openapi.yaml") { _, _ in try self.openAPI() }
        routes.add(.get, "/api/info") { _, _ in try await self.info() }
        routes.add(.post, "/api/query") { request, context in
            try await self.query(try await request.decode(as: QueryRequest.self, context: context))
        }
        routes.add(.get, "/api/masks/{file}") { request, context in
            try await self.mask(file: context.parameters.require("file"), query: request.queryParameters)
        }
        routes.add(.get, "/api/images/{file}") { _, context in try await self.image(file: context.parameters.require("file")) }
        routes.add(.get, "/api/aggregate/{file}") { request, context in
            try await self.aggregate(file: context.parameters.require("file"), query: request.queryParameters)
        }
        routes.add(.get, "/api/confusion") { request, _ in try self.confusion(query: request.queryParameters) }
        routes.add(.post, "/api/augment") { request, context in
            try await self.augment(try await request.decode(as: AugmentRequest.self, context: context))
        }
        routes.add(.post, "/api/export") { request, context in
            try await self.export(try await request.decode(as: ExportRequestBody.self, context: context))
        }
        routes.add(.get, "/api/output/**") { _, context in try await self.output(context.parameters.getCatchAll()) }
        routes.finish()
        return router
    }
}

/// The query parameters of a request, percent-decoded (the first of repeated keys).
typealias QueryParameters = [String: String]

extension Request {
    var queryParameters: QueryParameters {
        Dictionary(uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { a, _ in a })
    }
}

/// Registers routes and remembers the methods of each path, to answer the others with 405.
struct RouteTable {
    let router: Router<ServerContext>
    private var allowed: [(path: String, methods: [HTTPRequest.Method])] = []

    init(router: Router<ServerContext>) { self.router = router }

    mutating func add(_ method: HTTPRequest.Method, _ path: String,
                      _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response) {
        router.on(RouterPath(path), method: method, use: handler)
        if let i = allowed.firstIndex(where: { $0.path == path }) {
            allowed[i].methods.append(method)
        } else {
            allowed.append((path, [method]))
        }
    }

    func finish() {
        for (path, methods) in allowed {
            let allow = methods.map(\.rawValue).joined(separator: ", ")
            for m in MaskServer.otherMethods where !methods.contains(m) {
                router.on(RouterPath(path), method: m) { request, _ -> Response in
                    throw APIError(status: .methodNotAllowed, message: "\(request.method) is not allowed here (allowed: \(allow))",
                                   headers: [.allow: allow])
                }
            }
        }
    }
}

/// Headers on every response: the page loads nothing from outside (Content-Security-Policy),
/// types are not sniffed, API answers are not cached.
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data: blob:"
        response.headers[.xContentTypeOptions] = "nosniff"
        if request.uri.path.hasPrefix("/api/") { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
