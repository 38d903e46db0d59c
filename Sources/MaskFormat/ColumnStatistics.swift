/// The range of a metadata column chunk's values, kept in the column directory of a segment
/// of version 2 (Format/segment.md, "Column statistics"): the least and the greatest value of
/// the chunk's non-NULL rows (FLOAT64: NaN, which every reader takes for NULL, left out).
/// Only INT64 and FLOAT64 chunks with at least one such value have statistics.
///
/// A reader decides a predicate over a whole chunk from them without reading (or checking)
/// the chunk: a chunk where no row can satisfy `mask_id < 0` is skipped. They are covered by
/// the column directory's CRC-32C, which opening checks, so a damaged byte of them refuses the
/// file; and they were computed from the chunk's values when it was written, so a decision
/// from them is the decision its rows would give.
public struct ColumnStatistics: Sendable, Equatable {
    /// `.int` for an INT64 chunk, `.double` (never NaN) for a FLOAT64 one; `minimum ≤ maximum`.
    public let minimum: ColumnValue
    public let maximum: ColumnValue

    /// Statistics from stored bounds, checked: both of the chunk's type, ordered, no NaN.
    /// - Throws: `FormatError.invalidField` (naming `structure`) otherwise.
    public init(type: ColumnType, minimumBits: UInt64, maximumBits: UInt64, structure: String) throws(FormatError) {
        switch type {
        case .int64:
            let lo = Int64(bitPattern: minimumBits), hi = Int64(bitPattern: maximumBits)
            guard lo <= hi else {
                throw FormatError(.invalidField, structure: structure, detail: "statistics minimum \(lo) > maximum \(hi)")
            }
            (minimum, maximum) = (.int(lo), .int(hi))
        case .float64:
            let lo = Double(bitPattern: minimumBits), hi = Double(bitPattern: maximumBits)
            guard lo <= hi else {   // false for NaN too
                throw FormatError(.invalidField, structure: structure, detail: "statistics minimum \(lo), maximum \(hi)")
            }
            (minimum, maximum) = (.double(lo), .double(hi))
        case .text:
            throw FormatError(.invalidField, structure: structure, detail: "statistics for a TEXT column")
        }
    }

    /// The statistics of `data`; nil for TEXT and when no row has a (non-NaN) value.
    /// - Complexity: O(rows).
    public init?(of data: ColumnData) {
        switch data.values {
        case .int64(let a):
            var lo = Int64.max, hi = Int64.min, any = false
            for (i, x) in a.enumerated() where data.valid[i] {
                lo = min(lo, x); hi = max(hi, x); any = true
            }
            guard any else { return nil }
            (minimum, maximum) = (.int(lo), .int(hi))
        case .float64(let a):
            var lo = Double.infinity, hi = -Double.infinity, any = false
            for (i, x) in a.enumerated() where data.valid[i] && !x.isNaN {
                lo = min(lo, x); hi = max(hi, x); any = true
            }
            guard any else { return nil }
            (minimum, maximum) = (.double(lo), .double(hi))
        case .text:
            return nil
        }
    }

    /// The stored words: INT64 two's complement or FLOAT64 bit patterns.
    public var bits: (minimum: UInt64, maximum: UInt64) {
        (ColumnStatistics.bits(minimum), ColumnStatistics.bits(maximum))
    }

    private static func bits(_ v: ColumnValue) -> UInt64 {
        switch v {
        case .int(let x): return UInt64(bitPattern: x)
        case .double(let x): return x.bitPattern
        default: return 0
        }
    }
}
