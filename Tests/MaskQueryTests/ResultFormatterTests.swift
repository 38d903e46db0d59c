import MaskFormat
import MaskQuery
import MaskTestSupport
import Testing

@Suite struct ResultFormatterTests {
    static let result = QueryResult(
        columns: ["mask_id", "r", "kind"],
        rows: [[.int(17), .double(0.0), .text("a,\"b\"")], [.int(3), .null, .text("x")], [.int(-2), .double(1e-05), .text("tab\there")]],
        stats: QueryStats(masksTotal: 10, masksTargeted: 8, pruned: 5, acceptedByIndex: 1, verified: 2, newlyIndexed: 2,
                          elapsedMilliseconds: 1.23456),
        explain: "")

    @Test func json() throws {
        let text = ResultFormatter.format(Self.result, as: .json)
        #expect(text == #"{"columns": ["mask_id", "r", "kind"], "rows": [[17, 0.0, "a,\"b\""], [3, null, "x"], [-2, 1e-05, "tab\there"]], "stats": {"masks_total": 10, "masks_targeted": 8, "pruned": 5, "accepted_by_index": 1, "verified": 2, "fml": 0.2, "newly_indexed": 2, "elapsed_ms": 1.235}}"# + "\n")
        _ = try TinyJSON.parse(text)
    }

    @Test func csv() {
        #expect(ResultFormatter.format(Self.result, as: .csv) == "mask_id,r,kind\n17,0.0,\"a,\"\"b\"\"\"\n3,,x\n-2,1e-05,tab\there\n")
    }

    @Test func table() {
        #expect(ResultFormatter.format(Self.result, as: .table) == """
        mask_id | r     | kind    
        --------+-------+---------
             17 |   0.0 | a,"b"   
              3 |  NULL | x       
             -2 | 1e-05 | tab\there
        (3 rows)

        """)
    }
}
