import CMaskKernels
import MaskFormat

/// One chunk's working memory for mask aggregation, reused group after group: per aggregate of
/// the `MaskAggregatePlan` its operator and plane (0/1 flags for INTERSECT/UNION, a Double
/// accumulator for AVG/MIN/MAX), per distinct threshold a tally plane, and the current member's
/// decoded values. Every plane holds a whole mask; a group uses the first `pixelCount` entries
/// (its image rows). `start` a group, `fold` each member, then `count` each term's box.
final class AggregationPlanes {
    /// One aggregate's operator (`MaskAggregatePlan.Operator`) with its plane.
    enum Slot {
        case threshold(code: UInt32, intersect: Bool, tally: Int, flags: UnsafeMutableBufferPointer<UInt8>)
        case pixelwise(MaskAggregatePlan.PixelwiseFold, accumulator: UnsafeMutableBufferPointer<Double>)
    }

    /// The group being folded.
    struct Group {
        /// Per aggregate: a term of the group needs it (its box is not empty).
        var used: [Bool]
        /// Per tally: an aggregate the group uses counts it (never when `!usesTally`).
        var usedTallies: [Bool]
        var members: Int
        /// Pixels of the group's image rows.
        var pixelCount: Int
        var usesTally: Bool { members <= MaskAggregatePlan.maximumTallyMembers }
    }

    let plan: MaskAggregatePlan
    let slots: [Slot]
    let tallies: [UnsafeMutableBufferPointer<UInt8>]
    /// The current member's values (AVG/MIN/MAX only).
    let decoded: UnsafeMutableBufferPointer<Double>?
    private(set) var group = Group(used: [], usedTallies: [], members: 0, pixelCount: 0)

    init(plan: MaskAggregatePlan, pixels: Int) {
        self.plan = plan
        let n = max(1, pixels)
        slots = plan.operators.map { op in
            switch op {
            case .threshold(let code, let intersect, let tally):
                .threshold(code: code, intersect: intersect, tally: tally, flags: .allocate(capacity: n))
            case .pixelwise(let fold): .pixelwise(fold, accumulator: .allocate(capacity: n))
            }
        }
        tallies = plan.tallyCodes.map { _ in .allocate(capacity: n) }
        decoded = plan.needsDecoded ? .allocate(capacity: n) : nil
    }

    deinit {
        for slot in slots {
            switch slot {
            case .threshold(_, _, _, let flags): flags.deallocate()
            case .pixelwise(_, let accumulator): accumulator.deallocate()
            }
        }
        for t in tallies { t.deallocate() }
        decoded?.deallocate()
    }

    /// Starts a group of `members` masks whose image rows hold `pixelCount` pixels, needing the
    /// aggregates marked in `used`: resets the planes it uses to their folds' identities.
    func start(used: [Bool], members: Int, pixelCount n: Int) {
        group = Group(used: used, usedTallies: [Bool](repeating: false, count: tallies.count), members: members, pixelCount: n)
        for (a, slot) in slots.enumerated() where used[a] {
            switch slot {
            case .threshold(_, _, let t, _) where group.usesTally:
                if !group.usedTallies[t] { tallies[t].baseAddress!.initialize(repeating: 0, count: n) }
                group.usedTallies[t] = true
            case .threshold(_, let intersect, _, let flags):
                flags.baseAddress!.initialize(repeating: intersect ? 1 : 0, count: n)
            // Each fold's identity (literals: 0 becomes a memset).
            case .pixelwise(.average, let acc): acc.baseAddress!.initialize(repeating: 0, count: n)
            case .pixelwise(.minimum, let acc): acc.baseAddress!.initialize(repeating: .infinity, count: n)
            case .pixelwise(.maximum, let acc): acc.baseAddress!.initialize(repeating: -.infinity, count: n)
            }
        }
    }

    /// Folds one member (`codes`: the group's image rows of its stored codes) into the planes.
    func fold(_ codes: UnsafeRawPointer) {
        let n = group.pixelCount
        // Aggregates of one threshold share its tally: one pass per member and threshold.
        for (t, code) in plan.tallyCodes.enumerated() where group.usedTallies[t] {
            plan.tally(codes, count: n, threshold: code, into: tallies[t].baseAddress!)
        }
        var haveDecoded = false
        for (a, slot) in slots.enumerated() where group.used[a] {
            switch slot {
            case .threshold where group.usesTally:
                break
            case .threshold(let code, let intersect, _, let flags):
                plan.foldFlags(codes, count: n, threshold: code, intersect: intersect, into: flags.baseAddress!)
            case .pixelwise(let fold, let acc):
                guard let decoded else { continue }  // allocated whenever the plan has a pixelwise aggregate
                if !haveDecoded { plan.decode(codes, count: n, into: decoded.baseAddress!) }
                haveDecoded = true
                MaskAggregatePlan.accumulate(fold, UnsafePointer(decoded.baseAddress!), count: n, into: acc.baseAddress!)
            }
        }
    }

    /// CP of aggregate `a` over `box` (given relative to the group's first image row) with range
    /// `lower..<upper` (closed at 1): the ones and zeros of a 0/1 aggregate, or the values in range
    /// (AVG's value: its plane's sum divided by the member count, here, pixel by pixel).
    /// - Complexity: O(box area).
    func count(aggregate a: Int, box b: PixelBox, width: Int, lower: Double, upper: Double) -> Int {
        let at = b.y0 * width + b.x0
        switch slots[a] {
        case .threshold(_, let intersect, let t, let flags):
            let ones: Int
            if group.usesTally {
                let m = UInt32(group.members), tally = tallies[t].baseAddress! + at
                let (lo, hi): (UInt32, UInt32) = intersect ? (m, m + 1) : (1, 256)
                ones = Int(cmk_count_box_u8(tally, width, b.width, b.height, lo, hi))
            } else {
                ones = Int(cmk_count_box_u8(flags.baseAddress! + at, width, b.width, b.height, 1, 2))
            }
            // A 0/1 mask: CP counts its ones when 1.0 is in range, its zeros when 0.0 is.
            return (MaskAggregatePlan.inRange(1.0, lower: lower, upper: upper) ? ones : 0)
                + (MaskAggregatePlan.inRange(0.0, lower: lower, upper: upper) ? b.area - ones : 0)
        case .pixelwise(let fold, let acc):
            // CP's rule: lv <= v < uv, or v >= lv when uv >= 1 (values never exceed 1).
            let top = upper >= 1.0 ? Double.infinity : upper, plane = UnsafePointer(acc.baseAddress!)
            let divisor = fold == .average ? Double(group.members) : nil
            var n = 0
            for y in b.y0..<b.y1 {
                let row = plane + y * width
                n += divisor.map { Self.countRow(row, b.x0..<b.x1, lower, top, divide: true, by: $0) }
                    ?? Self.countRow(row, b.x0..<b.x1, lower, top, divide: false, by: 1)
            }
            return n
        }
    }

    /// The values `v` of `row[xs]` (divided `by` when `divide`) with `lower <= v < top`, eight
    /// at a time (SIMD compares: the same IEEE results as one by one), then the tail.
    @inline(__always)
    private static func countRow(_ row: UnsafePointer<Double>, _ xs: Range<Int>, _ lower: Double, _ top: Double,
                                 divide: Bool, by divisor: Double) -> Int {
        let lo = SIMD8<Double>(repeating: lower), hi = SIMD8<Double>(repeating: top), d = SIMD8<Double>(repeating: divisor)
        var counts = SIMD8<Int64>()
        var x = xs.lowerBound
        while x + 8 <= xs.upperBound {
            var v = UnsafeRawPointer(row + x).loadUnaligned(as: SIMD8<Double>.self)
            if divide { v = v / d }
            counts &+= SIMD8<Int64>().replacing(with: 1, where: (v .>= lo) .& (v .< hi))
            x += 8
        }
        var n = Int(counts.wrappedSum())
        for x in x..<xs.upperBound {
            let v = divide ? row[x] / divisor : row[x]
            n &+= (v >= lower && v < top) ? 1 : 0
        }
        return n
    }
}
