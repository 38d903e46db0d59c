import Hummingbird

extension MaskServer {
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

/// Registers routes and remembers the methods of each path, to answer any other method on a
/// known path with 405 and `Allow` (`MethodNotAllowedMiddleware`).
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
        router.add(middleware: MethodNotAllowedMiddleware(routes: allowed.map { ($0.path.split(separator: "/").map(String.init), $0.methods) }))
    }
}

/// Turns the router's 404 for a path that has routes, but none for the request's method (any
/// method: PUT, TRACE, QUERY, ...), into 405 with `Allow`. O(routes × path segments) per such miss.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Route patterns as segments (`{name}` any one segment, `**` one or more) and their methods.
    let routes: [(segments: [String], methods: [HTTPRequest.Method])]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path.split(separator: "/").map(String.init)
            guard let route = routes.first(where: { MethodNotAllowedMiddleware.matches($0.segments, path) }),
                  !route.methods.contains(request.method) else { throw error }
            let allow = route.methods.map(\.rawValue).joined(separator: ", ")
            throw APIError(status: .methodNotAllowed, message: "\(request.method) is not allowed here (allowed: \(allow))",
                           headers: [.allow: allow])
        }
    }

    static func matches(_ pattern: [String], _ path: [String]) -> Bool {
        if pattern.last == "**" {
            return path.count >= pattern.count && matches(Array(pattern.dropLast()), Array(path.prefix(pattern.count - 1)))
        }
        guard pattern.count == path.count else { return false }
        return zip(pattern, path).allSatisfy { p, s in p == s || (p.hasPrefix("{") && p.hasSuffix("}")) }
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
