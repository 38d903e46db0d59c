import Foundation
import MaskQuery
import MaskStorage

/// What `masksearch query` was asked to do, however its arguments were parsed, and the running
/// of it (`run`).
///
/// Two parsers produce it: `QueryCommand` (ArgumentParser: every form, help and errors) and
/// `init?(fastArguments:)`, which takes only the common forms and otherwise gives way to
/// `QueryCommand`. Why two: ArgumentParser parses by reflection, and in a binary of this size
/// each first dynamic cast scans ~8,000 protocol conformance records — 1.7 ms of an indexed
/// top-25's 12 ms (BENCHMARKS.md, "Process start-up"). `QueryRequestParsingTests` checks that
/// both parsers give the same request for every form the fast one takes.
struct QueryRequest: Equatable {
    var db: String
    var sql: String
    var format: OutputFormat = .table
    var noIndex = false
    var explain = false
    var explainMask: Int64?
}

extension QueryRequest {
    /// The request of `arguments` (after the word `query`) when they are two positional words
    /// (neither starting with `-`) and at most one each of `--format table|csv|json` (or
    /// `--format=…`), `--no-index` and `--explain`; nil for anything else — other options,
    /// repeats, `--`, help words, a bad format — which `QueryCommand` then parses, or explains.
    init?(fastArguments arguments: [String]) {
        var positional: [String] = []
        var format: OutputFormat?, noIndex = false, explain = false
        var i = 0
        while i < arguments.count {
            let word = arguments[i]
            i += 1
            switch word {
            case "--no-index" where !noIndex: noIndex = true
            case "--explain" where !explain: explain = true
            case "--format" where format == nil && i < arguments.count:
                guard let f = OutputFormat(rawValue: arguments[i]) else { return nil }
                format = f
                i += 1
            default:
                if word.hasPrefix("--format="), format == nil, let f = OutputFormat(rawValue: String(word.dropFirst(9))) {
                    format = f
                } else if word.hasPrefix("-") {
                    return nil
                } else {
                    positional.append(word)
                }
            }
        }
        guard positional.count == 2 else { return nil }
        self.init(db: positional[0], sql: positional[1], format: format ?? .table, noIndex: noIndex, explain: explain)
    }

    /// True when the run explains its bounds (`--explain`, or `--explain-mask`).
    var explains: Bool { explain || explainMask != nil }

    /// Runs the query and prints its answer (then indexes what it read, before returning).
    func run() throws {
        if ShardedCommands.isSharded(db) {
            guard explainMask == nil else {
                throw CommandFailure("error: --explain-mask is not available on a sharded database (explain a shard: \(db)/shard-NNN)", code: 2)
            }
            let result = try ShardedCommands.query(db, sql: sql, noIndex: noIndex, explain: explain)
            if explain { FileHandle.standardError.write(Data(result.explain.utf8)) }
            FileHandle.standardOutput.write(Data(ResultFormatter.format(result, as: format).utf8))
            return
        }
        let (result, unusable, session) = try runReportingErrors {
            let session = try QuerySession(path: db, useIndex: !noIndex)
            session.deferIndexing = true
            let request = explains ? ExplainRequest(maskID: explainMask) : nil
            let result = try session.run(sql, explain: request)
            return (result, session.index?.unusableFiles ?? [], session)
        }
        for u in unusable {
            FileHandle.standardError.write(Data("warning: index file \(u); its masks were read instead (`masksearch index \(db)` rebuilds it)\n".utf8))
        }
        for u in session.index?.unusableHistogramFiles ?? [] {
            FileHandle.standardError.write(Data("warning: ROI histogram file \(u); the grid's bounds were used instead (`masksearch index \(db)` rebuilds it)\n".utf8))
        }
        if explains {
            let text = result.explain.hasSuffix("\n") ? result.explain : result.explain + "\n"
            if format == .json {
                FileHandle.standardError.write(Data(text.utf8))
            } else {
                print(text)
            }
        }
        FileHandle.standardOutput.write(Data(ResultFormatter.format(result, as: format).utf8))
        // The answer is out: end the output (a reader of it sees its end now), then index the
        // masks the query read (`QuerySession.deferIndexing`) before exiting.
        Self.endStandardOutput()
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
