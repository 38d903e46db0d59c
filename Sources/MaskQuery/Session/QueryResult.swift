import Foundation
import MaskFormat

/// The counters of CONTRACT.md section 4 (`--format json` "stats").
///
/// Every targeted mask of a query that reads pixels falls in exactly one of `pruned`,
/// `acceptedByIndex`, `verified`, so they add up to `masksTargeted`. A query without any CP
/// term reads no pixels and reports all three as 0.
public struct QueryStats: Sendable, Hashable {
    /// `table.count`.
    public var masksTotal: Int
    /// Masks passing the metadata part of WHERE (the conjuncts without a CP term; all masks if none).
    public var masksTargeted: Int
    /// Targeted masks excluded without reading pixels (bounds, a NULL box, or an early top-k stop).
    public var pruned: Int
    /// Targeted masks included without reading pixels (bounds decided the filter; no exact CP
    /// value was needed for the output).
    public var acceptedByIndex: Int
    /// Masks whose pixels were read.
    public var verified: Int
    /// Masks the bounds source indexed during this query (`observe` returned true).
    public var newlyIndexed: Int
    public var elapsedMilliseconds: Double
    /// Width (upper − lower) of the index bounds of CP terms after the row pass, bucketed by
    /// `QueryStats.boundWidthBuckets`; bounds that met (width 0) first. Empty without an index.
    public var boundWidthHistogram: [Int] = []

    /// Upper edges of the bound-width buckets: 0, 1–9, 10–99, 100–999, 1000–9999, 10000+.
    public static let boundWidthBuckets = ["0", "1-9", "10-99", "100-999", "1000-9999", "10000+"]

    /// The bucket of a bound width: its count of decimal digits, capped at 5 (0 for 0).
    /// Comparisons, not `log10`: the row pass buckets every targeted row's width.
    @inline(__always)
    static func bucket(ofWidth w: Int) -> Int {
        switch w {
        case ...0: 0
        case ..<10: 1
        case ..<100: 2
        case ..<1000: 3
        case ..<10000: 4
        default: 5
        }
    }

    /// Fraction of masks loaded: verified / total (0 for an empty table).
    public var fml: Double { masksTotal == 0 ? 0 : Double(verified) / Double(masksTotal) }

    public init(masksTotal: Int = 0, masksTargeted: Int = 0, pruned: Int = 0, acceptedByIndex: Int = 0,
                verified: Int = 0, newlyIndexed: Int = 0, elapsedMilliseconds: Double = 0) {
        self.masksTotal = masksTotal
        self.masksTargeted = masksTargeted
        self.pruned = pruned
        self.acceptedByIndex = acceptedByIndex
        self.verified = verified
        self.newlyIndexed = newlyIndexed
        self.elapsedMilliseconds = elapsedMilliseconds
    }
}

/// The answer to one query.
public struct QueryResult: Sendable {
    /// Column names: the alias, the column name, or the expression's text.
    public var columns: [String]
    /// Rows in result order; INT64 results are `.int`, FLOAT64 `.double`, NULL `.null`.
    public var rows: [[ColumnValue]]
    public var stats: QueryStats
    /// The plan and the outcome counts, for `--explain` (and the explanation's text when asked).
    public var explain: String
    /// How the bounds decided the query; only when the query was run with an `ExplainRequest`.
    public var explanation: QueryExplanation?

    public init(columns: [String], rows: [[ColumnValue]], stats: QueryStats, explain: String) {
        self.columns = columns
        self.rows = rows
        self.stats = stats
        self.explain = explain
    }
}
