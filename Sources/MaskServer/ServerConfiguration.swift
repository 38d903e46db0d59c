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

    public init(databasePath: String, host: String = "127.0.0.1", port: Int = 8080, imageFolder: String? = nil,
                labelColumn: String = "label", predColumn: String = "pred",
                outputFolder: String = "./masksearch-output", queryRunners: Int = 1) {
        self.databasePath = databasePath
        self.host = host
        self.port = port
        self.imageFolder = imageFolder
        self.labelColumn = labelColumn
        self.predColumn = predColumn
        self.outputFolder = outputFolder
        self.queryRunners = max(1, queryRunners)
    }

    /// The largest request body accepted (413 beyond it).
    public static let maxBodyBytes = 1 << 20
}
