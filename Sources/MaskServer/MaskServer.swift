import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import MaskStorage

/// `masksearch serve`: the web UI's HTTP server (CONTRACT.md section 6, helpers' ui-api.md).
///
/// The database is opened at start and reopened after every commit another process makes:
/// metadata lookups use the catalog of the current snapshot (`LiveCatalog`), queries fixed
/// numbers of slots (`QueryPool`) on sessions of the same snapshots (`SnapshotPool`).
/// Everything blocking — queries, mask reads, image encoding, file reads — runs on Dispatch
/// worker threads, never on an event loop. The server writes only index entries (as queries do) and files under the
/// output folder.
public struct MaskServer: Sendable {
    public let configuration: ServerConfiguration
    let live: LiveCatalog
    /// Indexed queries, and full scans (`use_index: false`), each on their own slots.
    let queries: QueryPool
    let scans: QueryPool
    /// The image folder (the configuration's, else the one recorded by `ingest --images`).
    let images: ContainedFolder?
    let web: StaticFiles

    /// Opens the database. Throws `StorageError` when it cannot be opened, and `ServerError`
    /// when the image folder given does not exist.
    public init(configuration: ServerConfiguration, web: StaticFiles? = nil) throws {
        self.configuration = configuration
        // The catalog reads every metadata column: damage found there stops the start.
        live = try LiveCatalog(path: configuration.databasePath, labelColumn: configuration.labelColumn,
                               predColumn: configuration.predColumn)
        let database = live.current.database
        queries = QueryPool(sessions: live.sessions, runners: configuration.queryRunners)
        scans = QueryPool(sessions: live.sessions, runners: 1)
        if let folder = configuration.imageFolder {
            guard let images = ContainedFolder(path: folder) else {
                throw ServerError("--images \(folder): no such directory")
            }
            self.images = images
        } else {
            // A recorded folder that has gone away means no images, not a failure to start.
            images = database.manifest.imageFolder.flatMap(ContainedFolder.init(path:))
        }
        self.web = web ?? StaticFiles()
    }

    /// The catalog and database of the current snapshot (see `LiveCatalog`).
    var catalog: MaskCatalog { live.current }
    var database: Database { catalog.database }

    /// The application listening on the configured host and port; `onRunning` gets the URL
    /// once it listens (with the real port when 0 was asked for).
    public func application(onRunning: @escaping @Sendable (String) -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "masksearch")
        logger.logLevel = .warning
        let host = configuration.host
        return Application(
            router: router(),
            server: .http1(configuration: httpConfiguration),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "masksearch"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shown = host.contains(":") ? "[\(host)]" : host
                onRunning("http://\(shown):\(port)/")
            },
            logger: logger)
    }

    /// The HTTP/1 channel: the request limits (`RequestLimitsHandler`), the idle timeout that
    /// cuts off a trickled request line or headers, and the parser's size limits.
    var httpConfiguration: HTTP1Channel.Configuration {
        let maxBody = ServerConfiguration.maxBodyBytes, bodyTimeout = TimeAmount.seconds(Int64(configuration.bodyTimeoutSeconds))
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestLimitsHandler(maxBodyBytes: maxBody, bodyTimeout: bodyTimeout)],
            idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: ServerConfiguration.maxHeaderFieldBytes,
                                            maxHeaderListSize: ServerConfiguration.maxHeaderBytes,
                                            maxHeaderFieldCount: ServerConfiguration.maxHeaderFields))
    }

    /// Serves until SIGINT or SIGTERM, then stops gracefully.
    public func run(onRunning: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        try await application(onRunning: onRunning).runService()
    }
}

/// A failure to start the server, explained.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
