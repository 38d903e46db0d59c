import Hummingbird

/// The request context of every route: Hummingbird's basic context with the body limit of
/// the API (1 MB, `ServerConfiguration.maxBodyBytes`; larger bodies get 413).
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { ServerConfiguration.maxBodyBytes }
}
