import ArgumentParser
import Foundation
import MaskQuery

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

    /// The parsed arguments as a request (`validate` has checked the format).
    var request: QueryRequest {
        QueryRequest(db: db, sql: sql, format: OutputFormat(rawValue: format)!, noIndex: noIndex, explain: explain,
                     explainMask: explainMask)
    }

    func run() throws { try request.run() }
}
