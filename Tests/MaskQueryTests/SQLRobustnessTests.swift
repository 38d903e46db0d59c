import Foundation
import MaskFormat
@testable import MaskQuery
import MaskStorage
import Testing

/// No SQL text crashes the engine (issue 10, item 7): every input gives rows or a `QueryError`
/// with exit code 2 and a position. Run in process, through `QueryEngine` as the CLI runs it, so a
/// stack overflow or a trap would kill the test runner rather than pass unnoticed.
@Suite struct SQLRobustnessTests {
    static let table = try! TestTables.conformance()
    static let scan = QueryEngine(table: table)
    static let indexed = QueryEngine(table: table, bounds: CHIBoundsSource(table: table, cell: 4, bins: 8, missingEvery: 3))

    /// Runs `sql` on `engine`; a query error must be the user's (exit 2) with a position.
    static func outcome(_ sql: String, _ engine: QueryEngine = scan) -> Result<[[ColumnValue]], QueryError> {
        do {
            return .success(try engine.run(sql).rows)
        } catch {
            return .failure(error)
        }
    }

    static func rows(_ sql: String, _ engine: QueryEngine = scan) -> [[ColumnValue]]? {
        try? outcome(sql, engine).get()
    }

    static func error(_ sql: String) -> QueryError? {
        if case .failure(let e) = outcome(sql) { return e }
        return nil
    }

    static func shortened(_ sql: String) -> String {
        sql.count <= 300 ? sql : String(sql.prefix(200)) + " … (\(sql.count) characters)"
    }

    static var conformanceQueries: [String] {
        ConformanceFixture.queriesJSONL.split(separator: "\n").compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["sql"] as? String
        }
    }

    struct Problem: Error { var text: String }

    /// Runs `sql` on both engines (no index, CHI bounds): true when answered, false when rejected
    /// with a user error (exit 2) with a position; a problem for any other error or when the two
    /// engines disagree.
    static func check(_ sql: String, on engines: [QueryEngine] = [scan, indexed]) -> Result<Bool, Problem> {
        let outcomes = engines.map { outcome(sql, $0) }
        for case .failure(let e) in outcomes {
            if e.exitCode != 2 { return .failure(Problem(text: "exit code \(e.exitCode): \(e)")) }
            guard let l = e.location, l.line >= 1, l.column >= 1 else { return .failure(Problem(text: "no position: \(e)")) }
        }
        for other in outcomes.dropFirst() {
            switch (outcomes[0], other) {
            case (.success(let x), .success(let y)) where x == y: continue
            case (.failure(let x), .failure(let y)) where x.description == y.description: continue
            default: return .failure(Problem(text: "engines disagree: \(outcomes[0]) vs \(other)"))
            }
        }
        if case .success = outcomes[0] { return .success(true) }
        return .success(false)
    }

    @Test func mutatedConformanceQueriesNeverCrash() {
        let queries = Self.conformanceQueries
        #expect(queries.count == 11)
        var answered = 0, rejected = 0, failures: [String] = []
        for seed in 0..<3_000 as Range<UInt64> {
            var mutator = SQLMutator(seed: seed &* 0x9E37_79B9 &+ 1, queries: queries)
            let sql = mutator.mutate(queries[Int(seed) % queries.count])
            switch Self.check(sql) {
            case .failure(let problem): failures.append("seed \(seed): \(Self.shortened(sql))\n  \(problem.text)")
            case .success(true): answered += 1
            case .success(false): rejected += 1
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.prefix(10).joined(separator: "\n"))")
        // Most mutants are bad SQL; some stay valid (143 of 3,000 answered when written), so
        // both paths are exercised.
        #expect(answered >= 100 && rejected >= 1_000, "answered \(answered), rejected \(rejected)")
    }

    /// Mutations of the randomised tests' queries on random tables of every pixel format (uint8,
    /// float16, float32) and shape, with no index, a fake index and CHI bounds.
    @Test func mutatedRandomQueriesOnEveryFormat() {
        var failures: [String] = []
        var formats = Set<String>()
        for seed in 0..<12 as Range<UInt64> {
            var world = RandomWorld(seed: seed &* 104_729 &+ 3)
            let table = world.table()
            formats.insert("\(table.pixelFormat)")
            let engines = [
                QueryEngine(table: table),
                QueryEngine(table: table, bounds: FakeBoundsSource(table: table, seed: seed)),
                QueryEngine(table: table, bounds: CHIBoundsSource(table: table, cell: 3, bins: 4, missingEvery: 2)),
            ]
            let queries = (0..<40).map { i in (i % 4 == 0 ? world.groupQuery(table) : world.scanQuery(table)).sql }
            var mutator = SQLMutator(seed: seed, queries: queries)
            for query in queries {
                let sql = mutator.mutate(query)
                if case .failure(let problem) = Self.check(sql, on: engines) {
                    failures.append("seed \(seed): \(Self.shortened(sql))\n  \(problem.text)")
                }
            }
        }
        #expect(formats.count == 3, "\(formats)")
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.prefix(10).joined(separator: "\n"))")
    }

    /// The conformance data as a database on disk (ingested, `object` ROI set loaded) in a new
    /// temporary directory, which the caller removes.
    static func conformanceDatabase() throws -> String {
        let dir = NSTemporaryDirectory() + "ms-sqlsafe-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let npy = try #require(Data(base64Encoded: ConformanceFixture.masksNPYBase64.filter { !$0.isWhitespace }))
        try npy.write(to: URL(fileURLWithPath: dir + "/masks.npy"))
        try ConformanceFixture.metaCSV.write(toFile: dir + "/meta.csv", atomically: true, encoding: .utf8)
        try ConformanceFixture.objectROICSV.write(toFile: dir + "/object.csv", atomically: true, encoding: .utf8)
        var options = Ingester.Options()
        options.metaPath = dir + "/meta.csv"
        _ = try Ingester.ingest(into: dir + "/db", inputs: [dir + "/masks.npy"], options: options)
        _ = try ROISetLoader.load(into: dir + "/db", name: "object", csvPath: dir + "/object.csv")
        return dir
    }

    /// The same mutations through `QuerySession`, the CLI's path: a database on disk, its real
    /// index growing query by query (and `--no-index`); only rows or a positioned user error.
    @Test func mutatedQueriesThroughQuerySession() throws {
        let dir = try Self.conformanceDatabase()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let indexed = try QuerySession(path: dir + "/db"), scan = try QuerySession(path: dir + "/db", useIndex: false)
        let queries = Self.conformanceQueries
        var failures: [String] = []
        for seed in 10_000..<11_000 as Range<UInt64> {
            var mutator = SQLMutator(seed: seed, queries: queries)
            let sql = mutator.mutate(queries[Int(seed) % queries.count])
            let outcomes = [indexed, scan].map { session -> Result<[[ColumnValue]], any Error> in
                Result { try session.run(sql).rows }
            }
            for case .failure(let e) in outcomes {
                guard let q = e as? QueryError, q.exitCode == 2, q.location != nil else {
                    failures.append("seed \(seed): \(Self.shortened(sql))\n  \(e)")
                    continue
                }
            }
            switch (outcomes[0], outcomes[1]) {
            case (.success(let a), .success(let b)) where a == b: break
            case (.failure(let a), .failure(let b)) where "\(a)" == "\(b)": break
            default: failures.append("seed \(seed): \(Self.shortened(sql))\n  index \(outcomes[0]) vs no index \(outcomes[1])")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.prefix(10).joined(separator: "\n"))")
    }

    // MARK: Nesting

    /// A construct repeated `n` times before (and after) a core: `(`, `NOT`, signs, chains.
    struct Nesting: CustomTestStringConvertible, Sendable {
        var unit: String
        var core: String
        var closing: String = ""
        /// The SQL of `n` repetitions.
        func sql(_ n: Int) -> String {
            "SELECT mask_id FROM masks WHERE " + String(repeating: unit, count: n) + core
                + String(repeating: closing, count: n)
        }
        var testDescription: String { "\(unit)…\(core)" }
    }

    static let nestings: [Nesting] = [
        Nesting(unit: "(", core: "mask_id = 3", closing: ")"),
        Nesting(unit: "NOT ", core: "mask_id != 3"),
        Nesting(unit: "- ", core: "mask_id = 3"),
        Nesting(unit: "+ ", core: "mask_id = 3"),
        Nesting(unit: "1 + ", core: "mask_id = 3"),
        Nesting(unit: "2 * ", core: "mask_id = 3"),
        Nesting(unit: "mask_id = 3 OR ", core: "mask_id = 3"),
        Nesting(unit: "mask_id = 3 AND ", core: "mask_id = 3"),
    ]

    /// The deepest accepted form of each construct runs; one level more is a syntax error; the
    /// known crash inputs (5,000 parentheses, 20,000 NOT / - / 1 +) are errors with a position.
    @Test(arguments: nestings)
    func nestingIsBoundedWithAnError(_ nesting: Nesting) throws {
        // The deepest n accepted: find it by the depth the parser reports, then check n + 1 fails.
        let accepted = try #require((1...Parser.maxDepth).last { Self.error(nesting.sql($0)) == nil })
        #expect(accepted >= Parser.maxDepth / 2 - 2, "only \(accepted) levels of \(nesting.unit)")
        let rows = try #require(Self.rows(nesting.sql(accepted)))
        #expect(Self.rows(nesting.sql(accepted), Self.indexed) == rows)
        for n in [accepted + 1, 5_000, 20_000] {
            let e = try #require(Self.error(nesting.sql(n)), "\(n) levels")
            #expect(e.kind == .syntax && e.exitCode == 2)
            #expect(e.message.contains("nested too deeply"), "\(e)")
            #expect(e.location != nil)
        }
    }

    @Test func knownCrashInputsGiveTheirPosition() {
        let prefix = "SELECT mask_id FROM masks WHERE "  // 32 characters
        let cases: [(String, String)] = [
            (String(repeating: "(", count: 5_000) + "mask_id = 1" + String(repeating: ")", count: 5_000), "1:288 near '('"),
            (String(repeating: "NOT ", count: 20_000) + "mask_id = 1", "1:1053 near 'NOT'"),
            (String(repeating: "- ", count: 20_000) + "mask_id = 1", "1:543 near '-'"),
            (String(repeating: "1 + ", count: 20_000) + "mask_id = 1", "1:1055 near '+'"),
        ]
        for (tail, position) in cases {
            let e = Self.error(prefix + tail)
            #expect(e?.description.hasPrefix("error at \(position): expression nested too deeply") == true,
                    "\(String(describing: e))")
        }
        let calls = Self.error("SELECT " + String(repeating: "f(", count: 5_000) + "1" + String(repeating: ")", count: 5_000) + " FROM masks")
        #expect(calls?.description.hasPrefix("error at 1:518 near 'f': expression nested too deeply") == true,
                "\(String(describing: calls))")
    }

    @Test func exactDepthLimit() {
        // 255 NOTs around a comparison: 256 levels (accepted); 256 NOTs: 257 (rejected at the outermost).
        let ok = "SELECT mask_id FROM masks WHERE " + String(repeating: "NOT ", count: 254) + "mask_id = 3"
        #expect(Self.rows(ok) == [[.int(3)]])
        let over = "SELECT mask_id FROM masks WHERE " + String(repeating: "NOT ", count: 255) + "mask_id = 3"
        #expect(Self.error(over)?.description.hasPrefix("error at 1:33 near 'NOT': expression nested too deeply") == true)
        // A chain of 255 additions (256 levels) is a value; one more `+` passes the limit there.
        let sum = "SELECT " + String(repeating: "1 + ", count: 255) + "mask_id AS s FROM masks WHERE mask_id = 0"
        #expect(Self.rows(sum) == [[.int(255)]])
        let tooLong = "SELECT " + String(repeating: "1 + ", count: 256) + "mask_id AS s FROM masks"
        #expect(Self.error(tooLong)?.description.hasPrefix("error at 1:1030 near '+'") == true)
    }

    /// The deepest trees the parser accepts, made deeper by alias substitution (ORDER BY and
    /// HAVING see select items), run on both engines from a thread with a 256 KiB stack, in this
    /// debug build (whose parser takes about 18 KB a parenthesised level, 4.6 MB at the limit):
    /// the query runs on a stack of its own (`QueryStack`), whatever the caller's thread has —
    /// glibc gives new threads 2 MiB when `ulimit -s` is unlimited, where the suite once crashed.
    @Test func deepestAcceptedQueriesRunOnASmallStack() throws {
        let deep = String(repeating: "- ", count: 255) + "mask_id"  // -mask_id, 256 levels
        let queries = [
            "SELECT mask_id, \(deep) AS v FROM masks ORDER BY " + String(repeating: "- ", count: 255) + "v LIMIT 3",
            "SELECT image_id, SUM(\(String(repeating: "- ", count: 254))mask_id) AS s FROM masks GROUP BY image_id HAVING "
                + String(repeating: "NOT ", count: 254) + "s >= 0 ORDER BY " + String(repeating: "+ ", count: 255) + "s",
            "SELECT mask_id FROM masks WHERE " + String(repeating: "(", count: 254) + "CP(mask, full, 0.5, 1) > 3"
                + String(repeating: ")", count: 254),
            "SELECT mask_id FROM masks WHERE " + String(repeating: "mask_id = 3 OR ", count: 254) + "CP(mask, full, 0.5, 1) > 300",
            "SELECT mask_id FROM masks WHERE mask_id IN (" + (0..<20_000).map(String.init).joined(separator: ", ") + ")",
        ]
        let results = try Self.onThread(stackSize: 256 << 10) {
            queries.map { sql in [Self.scan, Self.indexed].map { (try? $0.run(sql))?.rows } }
        }
        for (sql, pair) in zip(queries, results) {
            #expect(pair[0] != nil && pair[0] == pair[1], "\(Self.shortened(sql))")
        }
        #expect(results[0][0] == [[.int(0), .int(0)], [.int(1), .int(-1)], [.int(2), .int(-2)]])
        #expect(results[4][0]?.count == 24)
    }

    /// The deepest accepted expressions on a table large enough (17,000 masks, 5,666 images)
    /// that the residual filter on bounds and the ranking of groups run in parallel chunks on
    /// dispatch workers, whose stacks are glibc's default for new threads (2 MiB when `ulimit
    /// -s` is unlimited), not the query's own (`QueryStack`), in this debug build. An even
    /// number of NOTs and unary pluses changes nothing, so the brute-force `Oracle` answers the
    /// shallow query for both engines.
    @Test func deepestAcceptedQueriesInParallelChunks() throws {
        var world = RandomWorld(seed: 5)
        let table = world.table(masks: 17_000...17_000, shapes: [(5, 3)], orderedImages: 1)
        let oracle = Oracle(table: table)
        let engines = [QueryEngine(table: table),
                       QueryEngine(table: table, bounds: CHIBoundsSource(table: table, cell: 2, bins: 8, missingEvery: 0))]
        let cp = TExpr.cp(.full, 0.5, 1, tupleForm: false)
        var filter = TQuery(items: [(.col("mask_id"), nil)])
        filter.whereP = .cmp(">", cp, .lit(.int(7)))
        var groups = TQuery(items: [(.col("image_id"), nil), (.agg("SUM", cp), "s")], groupBy: "image_id", grouped: true)
        groups.having = .cmp(">=", .ref(1, "s"), .lit(.int(9)))
        groups.order = [(.ref(1, "s"), true), (.col("image_id"), false)]
        groups.limit = 5
        let cases: [(deep: String, shallow: TQuery)] = [
            ("SELECT mask_id FROM masks WHERE " + String(repeating: "NOT ", count: 252) + "CP(mask, full, 0.5, 1) > 7", filter),
            ("SELECT image_id, SUM(CP(mask, full, 0.5, 1)) AS s FROM masks GROUP BY image_id HAVING "
                + String(repeating: "NOT ", count: 254) + "s >= 9 ORDER BY " + String(repeating: "+ ", count: 254) + "s DESC, image_id LIMIT 5",
             groups),
        ]
        for (deep, shallow) in cases {
            let expected = oracle.run(shallow).rows
            #expect(!expected.isEmpty)
            for engine in engines {
                #expect(try engine.run(deep).rows == expected, "\(Self.shortened(deep))")
            }
        }
    }

    /// Runs `body` on a new thread with a stack of `stackSize` bytes and waits for it.
    static func onThread<T: Sendable>(stackSize: Int, _ body: @escaping @Sendable () -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = body()
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
        done.wait()
        return try #require(box.value)
    }

    // MARK: LIMIT, literals and characters

    @Test func hugeLimitsGiveEveryRow() throws {
        let all = try #require(Self.rows("SELECT mask_id, CP(mask, full, 0.2, 0.6) AS v FROM masks ORDER BY v DESC"))
        #expect(all.count == 24)
        for k in ["9223372036854775807", "100000000000", "24", "25"] {
            for engine in [Self.scan, Self.indexed] {
                #expect(Self.rows("SELECT mask_id, CP(mask, full, 0.2, 0.6) AS v FROM masks ORDER BY v DESC LIMIT \(k)", engine) == all)
                #expect(Self.rows("SELECT mask_id FROM masks LIMIT \(k)", engine)?.count == 24)
            }
        }
        let groups = "SELECT image_id, COUNT(*) AS n FROM masks GROUP BY image_id ORDER BY image_id DESC LIMIT 100000000000"
        let expected: [[ColumnValue]] = (0..<8).reversed().map { [.int(Int64($0)), .int(3)] }
        #expect(Self.rows(groups) == expected)
        #expect(Self.rows(groups, Self.indexed) == expected)
        #expect(Self.rows("SELECT COUNT(*) AS n FROM masks WHERE mask_id < 0 LIMIT 9223372036854775807") == [[.int(0)]])
        #expect(Self.rows("SELECT mask_id FROM masks LIMIT 0") == [])
    }

    @Test(arguments: [
        ("SELECT mask_id FROM masks LIMIT -1", "error at 1:33 near '-': LIMIT takes a non-negative integer"),
        ("SELECT mask_id FROM masks LIMIT 99999999999999999999999", "error at 1:33 near '99999999999999999999999': LIMIT value out of range"),
        ("SELECT mask_id FROM masks WHERE mask_id < 1e400", "error at 1:43 near '1e400': bad numeric literal '1e400'"),
        ("SELECT mask_id FROM masks WHERE mask_id < -1e400", "error at 1:43 near '-1e400': bad numeric literal '-1e400'"),
        ("SELECT mask_id FROM masks WHERE CP(mask, full, 0, 1e400) > 1", "error at 1:51 near '1e400': bad numeric literal '1e400'"),
        ("SELECT mask_id FROM masks WHERE mask_id < 99999999999999999999999", "error at 1:43 near '99999999999999999999999': integer literal out of range"),
        ("SELECT mask_id FROM masks WHERE CP(mask, (0, 0, 1e18, 1e18), 0, 1) > 1", "error at 1:49 near '1e18': expected an integer box coordinate"),
        ("SELECT mask_id FROM masks WHERE CP(mask, (0, 0, 9223372036854775808, 1), 0, 1) > 1", "error at 1:49 near '9223372036854775808': box coordinate out of range"),
        ("SELECT mask_id FROM masks ORDER BY 0", "error at 1:36 near '0': ORDER BY position 0 is out of range (1...1)"),
        ("SELECT mask_id FROM masks ORDER BY 99999999999", "error at 1:36 near '99999999999': ORDER BY position 99999999999 is out of range (1...1)"),
        ("SELECT mask_id FROM masks ORDER BY -9223372036854775808", "error at 1:36 near '-9223372036854775808': ORDER BY position -9223372036854775808 is out of range (1...1)"),
        ("SELECT mask_id FROM masks WHERE kind = 'abc", "error at 1:40 near ''abc': unterminated string literal"),
        ("SELECT \"mask_id FROM masks", "error at 1:8 near '\"mask_id FROM masks': unterminated quoted identifier"),
        ("SELECT mask_id FROM masks WHERE mask_id = 1\u{0}", "error at 1:44 near '\u{0}': unexpected character '\u{0}'"),
        ("SELECT mask_id FROM masks WHERE mask_id = 1\u{FFFD}", "error at 1:44 near '\u{FFFD}': unexpected character '\u{FFFD}'"),
        ("SELECT mask_id\r\nFROM masks\r\nWHERE mask_id >> 2", "error at 3:16 near '>': expected an expression"),
    ])
    func extremeInputsAreErrorsWithTheirPosition(sql: String, expected: String) {
        let e = Self.error(sql)
        #expect(e?.description == expected)
        #expect(e?.exitCode == 2)
        // The character offset counts from the start of the text: the column on line 1.
        if let l = e?.location, l.line == 1 { #expect(l.offset == l.column) }
    }

    @Test func offsetsCountCharactersAcrossLines() {
        let e = Self.error("SELECT mask_id\r\nFROM masks\r\nWHERE mask_id >> 2")
        #expect(e?.location == SourceLocation(line: 3, column: 16, offset: 42))
        let f = Self.error("SELECT 'é🙂', mask_id\nFROM masks WHERE mask_idd = 1")
        #expect(f?.location == SourceLocation(line: 2, column: 18, offset: 39))
    }

    @Test func extremeValuesGiveTheRightAnswer() {
        let big = "-9223372036854775808, -9223372036854775808, 9223372036854775807, 9223372036854775807"
        let inverted = "9223372036854775807, 0, -9223372036854775808, 5"
        let boxes = "SELECT CP(mask, (\(big)), 0, 1) AS a, AREA((\(big))) AS b, CP(mask, (\(inverted)), 0, 1) AS c, "
            + "AREA((\(inverted))) AS d FROM masks WHERE mask_id = 4"
        #expect(Self.rows(boxes) == [[.int(768), .int(768), .int(0), .int(0)]])
        #expect(Self.rows(boxes, Self.indexed) == [[.int(768), .int(768), .int(0), .int(0)]])
        // Mask aggregates with extreme thresholds and ranges: all ones, all zeros.
        let aggregates = "SELECT image_id, CP(INTERSECT(mask > -1e308), full, -1e308, 1e308) AS a, "
            + "CP(UNION(mask >= 1e308), (\(big)), 0, 1) AS b, CP(MAX(mask), full, 1e308, -1e308) AS c "
            + "FROM masks GROUP BY image_id ORDER BY image_id DESC LIMIT 9223372036854775807"
        let perImage: [[ColumnValue]] = (0..<8).reversed().map { [.int(Int64($0)), .int(768), .int(768), .int(0)] }
        #expect(Self.rows(aggregates) == perImage)
        #expect(Self.rows(aggregates, Self.indexed) == perImage)
        // INT64 + - * wrap (README, "Decisions"); a non-finite Double is NULL; / 0 is NULL.
        let wrap = "SELECT 9223372036854775807 + 1 AS a, -9223372036854775808 - 1 AS b, 9223372036854775807 * 2 AS c, "
            + "-(-9223372036854775808) AS d, 1e308 * 10 AS e, 9223372036854775807 / 0 AS f, 1e-400 AS g "
            + "FROM masks WHERE mask_id = 0"
        #expect(Self.rows(wrap) == [[.int(.min), .int(.max), .int(-2), .int(.min), .null, .null, .double(0)]])
        // Extreme literals in filters and on both sides of the index's bounds.
        let filters = [
            "SELECT mask_id FROM masks WHERE CP(mask, full, -1e308, 1e308) > 9223372036854775807",
            "SELECT mask_id FROM masks WHERE CP(mask, full, 0.5, 1) * 9223372036854775807 < -9223372036854775808",
            "SELECT mask_id FROM masks WHERE CP(mask, object, 1e-300, 1) / AREA(object) > 1e308",
        ]
        for sql in filters {
            #expect(Self.rows(sql) == [], "\(sql)")
            #expect(Self.rows(sql, Self.indexed) == Self.rows(sql), "\(sql)")
        }
    }

    @Test func longAndOddTextIsHandled() {
        let name = String(repeating: "a", count: 100_000)
        #expect(Self.error("SELECT \(name) FROM masks")?.token == name)
        let string = String(repeating: "b", count: 100_000)
        #expect(Self.rows("SELECT mask_id FROM masks WHERE kind = '\(string)'") == [])
        // A `--` comment ends at a CR LF line break (one Character in Swift).
        #expect(Self.rows("SELECT mask_id FROM masks -- the third\r\nWHERE mask_id = 3") == [[.int(3)]])
        #expect(Self.rows("SELECT mask_id FROM masks WHERE kind = 'é🙂\u{0}' OR mask_id = 2") == [[.int(2)]])
    }
}

/// A value handed from a thread to the thread that waits for it (behind a semaphore).
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
