@testable import masksearch
import MaskQuery
import Testing

/// `masksearch query`'s two argument parsers (`QueryRequest`): every form the fast parser takes
/// gives the request ArgumentParser's `QueryCommand` gives, and every other form is left to
/// `QueryCommand` (nil).
struct QueryRequestParsingTests {
    static let sql = "SELECT mask_id FROM masks WHERE mask_id < 0"

    @Test(arguments: [
        ["db", sql],
        ["db", sql, "--format", "json"],
        ["--format", "csv", "db", sql],
        ["db", "--format=json", sql],
        ["db", sql, "--no-index"],
        ["--explain", "db", sql, "--no-index", "--format", "table"],
        ["", sql],
        ["db dir", "SELECT\n  mask_id FROM masks"],
    ])
    func fastFormsParseAsArgumentParserDoes(arguments: [String]) throws {
        let fast = try #require(QueryRequest(fastArguments: arguments))
        let parsed = try QueryCommand.parse(arguments)
        #expect(fast == parsed.request)
    }

    @Test(arguments: [
        ["db"],
        ["db", sql, "extra"],
        ["db", sql, "--explain-mask", "3"],
        ["db", sql, "--format", "xml"],
        ["db", sql, "--format"],
        ["db", sql, "--format", "json", "--format", "csv"],
        ["db", sql, "--no-index", "--no-index"],
        ["--", "db", sql],
        ["db", "-1"],
        ["db", sql, "-x"],
    ])
    func otherFormsAreLeftToArgumentParser(arguments: [String]) {
        #expect(QueryRequest(fastArguments: arguments) == nil)
    }
}
