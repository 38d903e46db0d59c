import CMaskKernels
import MaskFormat

/// The distinct mask aggregates of a grouped query (CONTRACT.md section 3) and how a group's
/// members fold into each one — the operators `MaskAggregation` runs per member.
///
/// - `INTERSECT(mask > t)` / `UNION(mask > t)` (or `>=`) compare the stored codes with the
///   threshold's first code (exact: the codes of values > t, or >= t, are those >= that code),
///   so their members are never widened to Double. A group of at most 255 members counts, per
///   pixel and distinct threshold, how many members are at or above it (a *tally*, shared by the
///   aggregates of that threshold): INTERSECT is `count == members`, UNION `count >= 1`. Larger
///   groups fold 0/1 flags (`and` / `or`), one plane per aggregate.
/// - `AVG` / `MIN` / `MAX(mask)` decode each member's codes to Double once
///   (`PixelFormat.value(ofCode:)`; a 256-entry table for uint8) and fold them into one Double
///   plane per aggregate; AVG sums members in the order given (ascending mask_id), then divides
///   by the member count.
struct MaskAggregatePlan {
    /// How the members of a group fold into one aggregate.
    enum Operator: Equatable {
        /// INTERSECT (`intersect`) or UNION of "code >= `code`"; `tally` indexes `tallyCodes`.
        case threshold(code: UInt32, intersect: Bool, tally: Int)
        /// AVG, MIN or MAX of the decoded values.
        case pixelwise(PixelwiseFold)
    }

    enum PixelwiseFold: Equatable {
        case average, minimum, maximum
    }

    /// Groups with at most this many members tally (a UInt8 count per pixel).
    static let maximumTallyMembers = 255

    let format: PixelFormat
    /// One per distinct aggregate of the query's terms.
    let operators: [Operator]
    /// Per term: the index of its aggregate in `operators`.
    let termAggregate: [Int]
    /// The distinct threshold codes of the INTERSECT / UNION aggregates.
    let tallyCodes: [UInt32]
    /// uint8 code → value (empty for other formats).
    let levelValues: [Double]

    /// - Throws: `internal` when a term's source is the row's own mask (the binder only makes
    ///   group terms of aggregates).
    init(terms: [GroupCPTerm], format: PixelFormat) throws(QueryError) {
        self.format = format
        var sources: [SyntaxMaskSource] = [], operators: [Operator] = [], tallies: [UInt32] = []
        var termAggregate: [Int] = []
        for term in terms {
            if let a = sources.firstIndex(of: term.source) {
                termAggregate.append(a)
                continue
            }
            termAggregate.append(sources.count)
            sources.append(term.source)
            operators.append(try Self.makeOperator(term.source, format: format, tallies: &tallies))
        }
        self.operators = operators
        self.termAggregate = termAggregate
        tallyCodes = tallies
        levelValues = format == .uint8 ? (0..<256).map { format.value(ofCode: UInt32($0)) } : []
    }

    private static func makeOperator(_ source: SyntaxMaskSource, format: PixelFormat,
                                      tallies: inout [UInt32]) throws(QueryError) -> Operator {
        let threshold: Double, strict: Bool, intersect: Bool
        switch source {
        case .intersect(let t, let s): (threshold, strict, intersect) = (t, s, true)
        case .union(let t, let s): (threshold, strict, intersect) = (t, s, false)
        case .average: return .pixelwise(.average)
        case .minimum: return .pixelwise(.minimum)
        case .maximum: return .pixelwise(.maximum)
        case .mask:
            throw QueryError(kind: .internal, location: nil, token: "", message: "a group CP term over the row's own mask")
        }
        let codes = format.codeInterval(lower: strict ? threshold.nextUp : threshold, upper: 1.0)
        // No code qualifies: a threshold above every code (UInt32.max) makes every flag 0.
        let code = codes.isEmpty ? UInt32.max : codes.lo
        if !tallies.contains(code) { tallies.append(code) }
        return .threshold(code: code, intersect: intersect, tally: tallies.firstIndex(of: code)!)
    }

    var needsDecoded: Bool {
        operators.contains { if case .pixelwise = $0 { true } else { false } }
    }

    /// CP's predicate on a value: `lv <= v < uv`, with the closed top edge for `uv >= 1`.
    @inline(__always)
    static func inRange(_ v: Double, lower: Double, upper: Double) -> Bool {
        v >= lower && (upper >= 1.0 || v < upper)
    }

    // MARK: Per-member kernels (CMaskKernels pixelwise.c)

    /// `flags[i] = flags[i] && code_i >= threshold` (intersect) or `||` (union) over `n` codes.
    func foldFlags(_ codes: UnsafeRawPointer, count n: Int, threshold: UInt32, intersect: Bool,
                   into flags: UnsafeMutablePointer<UInt8>) {
        switch (format, intersect) {
        case (.uint8, true): cmk_flags_and_codes_u8(codes.assumingMemoryBound(to: UInt8.self), n, threshold, flags)
        case (.uint8, false): cmk_flags_or_codes_u8(codes.assumingMemoryBound(to: UInt8.self), n, threshold, flags)
        case (.float16, true): cmk_flags_and_codes_u16(codes.assumingMemoryBound(to: UInt16.self), n, threshold, flags)
        case (.float16, false): cmk_flags_or_codes_u16(codes.assumingMemoryBound(to: UInt16.self), n, threshold, flags)
        case (.float32, true): cmk_flags_and_codes_u32(codes.assumingMemoryBound(to: UInt32.self), n, threshold, flags)
        case (.float32, false): cmk_flags_or_codes_u32(codes.assumingMemoryBound(to: UInt32.self), n, threshold, flags)
        }
    }

    /// `counts[i] += code_i >= threshold` over `n` codes.
    func tally(_ codes: UnsafeRawPointer, count n: Int, threshold: UInt32, into counts: UnsafeMutablePointer<UInt8>) {
        switch format {
        case .uint8: cmk_tally_codes_u8(codes.assumingMemoryBound(to: UInt8.self), n, threshold, counts)
        case .float16: cmk_tally_codes_u16(codes.assumingMemoryBound(to: UInt16.self), n, threshold, counts)
        case .float32: cmk_tally_codes_u32(codes.assumingMemoryBound(to: UInt32.self), n, threshold, counts)
        }
    }

    /// `values[i] = value(code_i)` over `n` codes.
    func decode(_ codes: UnsafeRawPointer, count n: Int, into values: UnsafeMutablePointer<Double>) {
        switch format {
        case .uint8:
            levelValues.withUnsafeBufferPointer { table in
                cmk_decode_u8(codes.assumingMemoryBound(to: UInt8.self), n, table.baseAddress!, values)
            }
        case .float16: cmk_decode_f16(codes.assumingMemoryBound(to: UInt16.self), n, values)
        case .float32: cmk_decode_f32(codes.assumingMemoryBound(to: Float.self), n, values)
        }
    }

    /// `accumulator[i] = fold(accumulator[i], values[i])` over `n` values.
    static func accumulate(_ fold: PixelwiseFold, _ values: UnsafePointer<Double>, count n: Int,
                           into accumulator: UnsafeMutablePointer<Double>) {
        switch fold {
        case .average: cmk_acc_add(values, n, accumulator)
        case .minimum: cmk_acc_min(values, n, accumulator)
        case .maximum: cmk_acc_max(values, n, accumulator)
        }
    }
}
