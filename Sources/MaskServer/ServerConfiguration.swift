/// What `masksearch serve` was asked to serve (CONTRACT.md section 6).
public struct ServerConfiguration: Sendable {
    /// The database directory.
    public var databasePath: String
    /// The address to listen on: loopback unless told otherwise.
    public var host: String
    public var port: Int
    /// The image folder; nil: the one `ingest --images` recorded in the database, if any.
    public var imageFolder: String?
    /// Metadata columns holding the true class and the prediction (absent columns: no confusion matrix).
    public var labelColumn: String
    public var predColumn: String
    /// Where augmentation results and exports are written (created when first needed).
    public var outputFolder: String
    /// Indexed queries run at once; more wait, in arrival order, for a free runner. The engine
    /// already spreads one query over every core (`DispatchQueue.concurrentPerform`), so one
    /// runner gave twice the throughput of two on the 2-core machine measured
    /// (Benchmarks/results/serve.md). Full scans (`use_index: false`) have a runner of their
    /// own, so a slow scan never holds up indexed queries.
    public var queryRunners: Int
    /// Seconds a connection may send no complete request part (a request head, a body chunk)
    /// before it is closed: a client trickling its request line or headers (slowloris) is cut
    /// off after this long. A request being answered is never timed out.
    public var idleTimeoutSeconds: Int
    /// Seconds from a request's head to the end of its body: a body trickled slower than that
    /// gets 408 and the connection is closed (`RequestLimitsHandler`).
    public var bodyTimeoutSeconds: Int

    public init(databasePath: String, host: String = "127.0.0.1", port: Int = 8080, imageFolder: String? = nil,
                labelColumn: String = "label", predColumn: String = "pred",
                outputFolder: String = "./masksearch-output", queryRunners: Int = 1,
                idleTimeoutSeconds: Int = 30, bodyTimeoutSeconds: Int = 30) {
        self.databasePath = databasePath
        self.host = host
        self.port = port
        self.imageFolder = imageFolder
        self.labelColumn = labelColumn
        self.predColumn = predColumn
        self.outputFolder = outputFolder
        self.queryRunners = max(1, queryRunners)
        self.idleTimeoutSeconds = max(1, idleTimeoutSeconds)
        self.bodyTimeoutSeconds = max(1, bodyTimeoutSeconds)
    }

    /// The largest request body accepted (413 beyond it).
    public static let maxBodyBytes = 1 << 20
    /// The longest request line (method, URL, version) or single header accepted, and the
    /// most bytes of all headers together: beyond either NIO's HTTP parser stops and the
    /// connection gets 400 and is closed.
    public static let maxHeaderFieldBytes = 16 << 10
    public static let maxHeaderBytes = 64 << 10
    public static let maxHeaderFields = 100
}
