import ArgumentParser
import Foundation
import MaskQuery
import MaskStorage

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a query (the SQL subset of CONTRACT.md section 3) and print its rows.",
        discussion: """
        Example: masksearch query DB "SELECT mask_id, CP(mask, object, 0.8, 1.0) / AREA(object) AS r
                 FROM masks WHERE mask_type = 1 ORDER BY r ASC LIMIT 25"
        Masks the index cannot decide are read, and indexed after the answer is printed, before
        the command exits (the entries are kept; elapsed_ms is the time to the answer).
        """)

    @Argument(help: "The database directory.") var db: String
    @Argument(help: "The query.") var sql: String
    @Option(help: "Output format: table, csv or json.") var format: String = "table"
    @Flag(help: "Do not use or build the index: read every targeted mask.") var noIndex = false
    @Flag(help: """
        Print the plan, the decision counts, histograms of the bounds before reading, and one mask's \
        bounds taken apart (text to stderr with --format json, which gets an "explain" object after "stats").
        """) var explain = false
    @Option(name: .customLong("explain-mask"),
            help: "With --explain: the mask_id of the one-mask bounds view (default: the first result row whose mask was read).")
    var explainMask: Int64?

    func validate() throws {
        guard OutputFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be table, csv or json, not '\(format)'")
        }
    }

    func run() throws {
        let output = OutputFormat(rawValue: format)!
        if ShardedCommands.isSharded(db) {
            guard explainMask == nil else {
                throw CommandFailure("error: --explain-mask is not available on a sharded database (explain a shard: \(db)/shard-NNN)", code: 2)
            }
            let result = try ShardedCommands.query(db, sql: sql, noIndex: noIndex, explain: explain)
            if explain { FileHandle.standardError.write(Data(result.explain.utf8)) }
            FileHandle.standardOutput.write(Data(ResultFormatter.format(result, as: output).utf8))
            return
        }
        let (result, unusable, session) = try runReportingErrors {
            let session = try QuerySession(path: db, useIndex: !noIndex)
            session.deferIndexing = true
            let request = explain || explainMask != nil ? ExplainRequest(maskID: explainMask) : nil
            let result = try session.run(sql, explain: request)
            return (result, session.index?.unusableFiles ?? [], session)
        }
        for u in unusable {
            FileHandle.standardError.write(Data("warning: index file \(u); its masks were read instead (`masksearch index \(db)` rebuilds it)\n".utf8))
        }
        if explain || explainMask != nil {
            let text = result.explain.hasSuffix("\n") ? result.explain : result.explain + "\n"
            if output == .json {
                FileHandle.standardError.write(Data(text.utf8))
            } else {
                print(text)
            }
        }
        FileHandle.standardOutput.write(Data(ResultFormatter.format(result, as: output).utf8))
        // The answer is out: end the output (a reader of it sees its end now), then index the
        // masks the query read (`QuerySession.deferIndexing`) before exiting.
        QueryCommand.endStandardOutput()
        _ = try runReportingErrors { try session.finishIndexing() }
    }

    /// Flushes stdout and points descriptor 1 at /dev/null, which closes the pipe or file the
    /// answer went to (a later stray write goes nowhere instead of into a file opened meanwhile).
    static func endStandardOutput() {
        fflush(nil)  // every stream: `print` writes through C stdio
        let null = open("/dev/null", O_WRONLY)
        guard null >= 0 else { return }
        dup2(null, STDOUT_FILENO)
        close(null)
    }
}
