import MaskQuery

/// `fuzz-sql`: the input, as UTF-8 text (invalid sequences replaced), is one query run through
/// the lexer, parser, binder and executor against the fixture: with the index, without it,
/// explained, and over the 2-shard database (partials and their merge); each result is then
/// formatted as table, CSV and JSON. Any thrown error is a correct outcome; only a trap or a
/// sanitizer report is a finding.
public enum SQLHarness {
    /// Sessions opened once per process: the fixture is fully indexed, so queries do not
    /// change it and an input gives the same outcome whenever it runs.
    struct Sessions: @unchecked Sendable {
        let indexed: QuerySession
        let unindexed: QuerySession
        let sharded: ShardedQuery
    }

    static let sessions: Sessions = {
        let fixture = FuzzFixture.shared
        do {
            return Sessions(indexed: try QuerySession(path: fixture.single),
                            unindexed: try QuerySession(path: fixture.single, useIndex: false),
                            sharded: try ShardedQuery(path: fixture.sharded))
        } catch {
            FuzzScratch.abandon("cannot open the fixture databases: \(error)")
        }
    }()

    /// Runs one input. - Complexity: that of the query on 24 masks of 24 × 32 pixels.
    public static func run(_ data: UnsafeRawBufferPointer) {
        let sql = String(decoding: data, as: UTF8.self)
        let s = sessions
        format(try? s.indexed.run(sql))
        format(try? s.unindexed.run(sql))
        format(try? s.indexed.run(sql, explain: ExplainRequest()))
        format(try? s.sharded.run(sql))
    }

    /// Formats `result` in every output format (the formatters see any value a query makes).
    static func format(_ result: QueryResult?) {
        guard let result else { return }
        for output in OutputFormat.allCases { _ = ResultFormatter.format(result, as: output) }
    }
}
