import Foundation
import MaskFormat
import MaskQuery
import MaskStorage
import MaskTestSupport
import Testing

/// The 11 queries of the conformance sample, with exact expected answers (integers as integers,
/// doubles to 1e-9 relative, order included), with no index and with a fake index.
@Suite struct ConformanceTests {
    struct Case: CustomStringConvertible {
        var name: String
        var sql: String
        var columns: [String]
        var rows: [[TinyJSON]]
        var description: String { name }
    }

    static func cases() throws -> [Case] {
        try ConformanceFixture.queriesJSONL.split(separator: "\n").map { line in
            let j = try TinyJSON.parse(String(line))
            guard case .string(let name)? = j["name"], case .string(let sql)? = j["sql"],
                  case .array(let cols)? = j["expected"]?["columns"], case .array(let rows)? = j["expected"]?["rows"]
            else { throw TinyJSON.ParseError(message: "bad case") }
            return Case(name: name, sql: sql,
                        columns: cols.compactMap { if case .string(let s) = $0 { return s } else { return nil } },
                        rows: rows.map { if case .array(let r) = $0 { return r } else { return [] } })
        }
    }

    static func matches(_ v: ColumnValue, _ e: TinyJSON) -> Bool {
        switch (v, e) {
        case (.null, .null): return true
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)):
            return a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b))
        case (.text(let a), .string(let b)): return a == b
        default: return false
        }
    }

    static func jsonMatches(_ a: TinyJSON, _ b: TinyJSON) -> Bool {
        if case .double(let x) = a, case .double(let y) = b { return x == y || abs(x - y) <= 1e-9 * max(abs(x), abs(y)) }
        return a == b
    }

    static func check(_ c: Case, engine: QueryEngine) throws {
        let result = try engine.run(c.sql)
        #expect(result.columns == c.columns, "\(c.name): columns")
        #expect(result.rows.count == c.rows.count, "\(c.name): \(result.rows) vs \(c.rows)")
        for (r, e) in zip(result.rows, c.rows) {
            #expect(r.count == e.count && zip(r, e).allSatisfy { matches($0, $1) },
                    "\(c.name): row \(r) expected \(e)")
        }
        // The JSON rendering parses back to the same values.
        let json = try TinyJSON.parse(ResultFormatter.format(result, as: .json))
        guard case .array(let rows)? = json["rows"] else {
            Issue.record("no rows in json")
            return
        }
        #expect(rows.count == c.rows.count)
        for (r, e) in zip(rows, c.rows) {
            guard case .array(let cells) = r else { Issue.record("row not an array"); continue }
            #expect(cells.count == e.count && zip(cells, e).allSatisfy { jsonMatches($0, $1) }, "\(c.name): json \(cells)")
        }
    }

    @Test func conformanceWithoutIndex() throws {
        let table = try TestTables.conformance()
        let engine = QueryEngine(table: table)
        for c in try Self.cases() { try Self.check(c, engine: engine) }
        #expect(try Self.cases().count == 11)
    }

    @Test func conformanceWithFakeIndex() throws {
        let table = try TestTables.conformance()
        for seed in 0..<5 {
            let fake = FakeBoundsSource(table: table, seed: UInt64(seed))
            let engine = QueryEngine(table: table, bounds: fake, observer: fake)
            for c in try Self.cases() { try Self.check(c, engine: engine) }
        }
    }
}
