import ArgumentParser
import Foundation
import MaskQuery

/// `masksearch-bench queries DB FILE [--no-index] [--repeats R]`: warm query latency.
///
/// Opens one `QuerySession` (as `masksearch query` does), and for each non-empty line of FILE
/// (one SQL query per line) runs it once untimed (warm-up: page cache, index open, and with
/// the index any incremental indexing), then `--repeats` times. Prints one JSON object per
/// query: `{"sql", "elapsed_ms": [engine-reported], "wall_ms": [session.run], "result": <the
/// `--format json` object of the last run>, "cpu_ms": [process CPU time of session.run, all
/// threads — a figure that other processes on the machine disturb less than wall time]}`.
struct QueriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queries", abstract: "Run SQL lines of FILE warm, several times each.")

    @Argument(help: "The database directory.") var db: String
    @Argument(help: "A file with one SQL query per line.") var file: String
    @Flag(help: "Full scan: do not use or build the index.") var noIndex = false
    @Option(help: "Timed runs per query.") var repeats: Int = 3
    @Flag(help: "No untimed warm-up run.") var noWarmup = false

    func run() throws {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let session = try QuerySession(path: db, useIndex: !noIndex)
        for line in text.split(separator: "\n") {
            let sql = line.trimmingCharacters(in: .whitespaces)
            if sql.isEmpty || sql.hasPrefix("#") { continue }
            var last = noWarmup ? nil : try session.run(sql)
            var engine: [JSON] = [], wall: [JSON] = [], cpu: [JSON] = []
            for _ in 0..<max(1, repeats) {
                var r: QueryResult?
                let c0 = processCPUSeconds()
                let s = try timeSeconds2 { r = try session.run(sql) }
                cpu.append(.number((processCPUSeconds() - c0) * 1000))
                last = r
                engine.append(.number(r!.stats.elapsedMilliseconds))
                wall.append(.number(s * 1000))
            }
            let result = ResultFormatter.format(last!, as: .json).trimmingCharacters(in: .whitespacesAndNewlines)
            let line = JSON.object([("sql", .string(sql)), ("elapsed_ms", .array(engine)), ("wall_ms", .array(wall)), ("cpu_ms", .array(cpu)),
                                    ("result", .raw(result))]).text
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }
}

func timeSeconds2(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try body()
    let d = clock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}
