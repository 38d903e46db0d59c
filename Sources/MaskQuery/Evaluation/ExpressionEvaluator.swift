import MaskFormat
import MaskStorage

/// Per-mask state of one query run: each targeted mask's clipped boxes (one per bound ROI) and
/// the current knowledge of each CP term (exact, bounded, or NULL). A constant ROI (`full`, a
/// literal box) has one box for every row, kept once (`constantBoxes`). A named ROI's boxes and
/// the CP states are kept per block of `blockRows` consecutive rows, a block allocated (and
/// initialised: no box, CP unbounded) by the first write to one of its rows; a row of a block
/// never written reads as such. So a query pays for the rows it targets, not for the table:
/// a row's states take 40 bytes per named ROI and 24 per CP term (`MemoryLayout` strides; 85 MB
/// for 1.33 M masks with one of each), which a query over one image group's 201 masks used to
/// allocate and fill for every row.
///
/// Writes come from one thread at a time (the row pass's serial steps); reads may come from
/// several while no write happens. Within a block, named boxes are at `row * perRowCount +
/// slot`, CP states at `row * termCount + term` (row relative to the block).
final class RowStates: @unchecked Sendable {
    let roiCount: Int
    let termCount: Int
    /// Per ROI: its box when it is the same for every row (a constant ROI), nil for a named one.
    let constantBoxes: [PixelBox?]
    /// Per ROI: its slot in a row's named boxes (named ROIs only; 0 for a constant one, never read).
    private let slots: [Int]
    /// Named ROIs per row.
    let perRowCount: Int
    /// Rows per block (a power of two).
    static let blockRows = 1024
    private static let blockShift = 10
    /// Per block: its named boxes (nil: the mask has no box in the named set, and CP and AREA
    /// are NULL) and CP states; nil until a row of the block is written. Unsafe buffers, not
    /// arrays: the row loops read and write them per row from several places, and array
    /// storage in a class pays a dynamic exclusivity check per access.
    private let boxBlocks: UnsafeMutableBufferPointer<UnsafeMutablePointer<PixelBox?>?>
    private let cpBlocks: UnsafeMutableBufferPointer<UnsafeMutablePointer<IntervalValue>?>

    /// States of `rows` rows for ROIs whose constant boxes are `constantBoxes` (nil: a named ROI,
    /// boxes per row, initially none) and `termCount` CP terms (initially unbounded).
    init(rows: Int, constantBoxes: [PixelBox?], termCount: Int) {
        roiCount = constantBoxes.count
        self.termCount = termCount
        self.constantBoxes = constantBoxes
        var next = 0
        slots = constantBoxes.map { c in
            defer { if c == nil { next += 1 } }
            return c == nil ? next : 0
        }
        perRowCount = next
        let blocks = (rows + RowStates.blockRows - 1) / RowStates.blockRows
        boxBlocks = .allocate(capacity: blocks)
        boxBlocks.initialize(repeating: nil)
        cpBlocks = .allocate(capacity: blocks)
        cpBlocks.initialize(repeating: nil)
    }

    deinit {
        for b in boxBlocks { b?.deinitialize(count: RowStates.blockRows * perRowCount).deallocate() }
        for b in cpBlocks { b?.deinitialize(count: RowStates.blockRows * termCount).deallocate() }
        boxBlocks.deallocate()
        cpBlocks.deallocate()
    }

    @inline(__always) func box(row: Int, roi: Int) -> PixelBox? {
        if let c = constantBoxes[roi] { return c }
        guard let block = boxBlocks[row >> RowStates.blockShift] else { return nil }
        return block[(row & (RowStates.blockRows - 1)) * perRowCount + slots[roi]]
    }

    /// Sets a named ROI's box of `row`.
    @inline(__always) func setBox(_ box: PixelBox?, row: Int, roi: Int) {
        RowStates.slot(in: boxBlocks, row: row, width: perRowCount, index: slots[roi], fresh: nil).pointee = box
    }

    @inline(__always) func cpState(row: Int, term: Int) -> IntervalValue {
        guard let block = cpBlocks[row >> RowStates.blockShift] else { return .unbounded }
        return block[(row & (RowStates.blockRows - 1)) * termCount + term]
    }

    /// CP term `term` of `row`: read as `cpState`, written (or updated in place) into its
    /// block, made at the first write.
    subscript(cp row: Int, term term: Int) -> IntervalValue {
        @inline(__always) get { cpState(row: row, term: term) }
        @inline(__always) set {
            RowStates.slot(in: cpBlocks, row: row, width: termCount, index: term, fresh: .unbounded).pointee = newValue
        }
    }

    /// Where value `index` of `row` is stored in `blocks` (`width` values a row), the row's
    /// block made first, every value `fresh`, when it has none.
    @inline(__always)
    private static func slot<T>(in blocks: UnsafeMutableBufferPointer<UnsafeMutablePointer<T>?>, row: Int, width: Int,
                                index: Int, fresh: T) -> UnsafeMutablePointer<T> {
        let b = row >> blockShift
        if blocks[b] == nil {
            blocks[b] = .allocate(capacity: blockRows * width)
            blocks[b]!.initialize(repeating: fresh, count: blockRows * width)
        }
        return blocks[b]! + (row & (blockRows - 1)) * width + index
    }
}

/// The values a group-scope expression reads: the group key, the group's boxes, the CP terms of
/// mask aggregates and the scalar aggregates (exact, or bounded during group pruning).
struct GroupValues: Sendable {
    var key: ColumnValue
    var areas: [ColumnValue]
    var groupCP: [IntervalValue]
    var aggregates: [IntervalValue]
}

/// Evaluates bound expressions and predicates over `IntervalValue`s: exact when every CP term
/// is exact, bounded (sound) otherwise. One tree walk per call, O(expression size).
struct ExpressionEvaluator {
    let table: any MaskTable
    let states: RowStates

    func value(_ e: BoundExpr, row: Int, group: GroupValues? = nil) -> IntervalValue {
        switch e {
        case .literal(let v): return .exact(v)
        case .column(let c): return .exact(ValueSemantics.normalised(table.value(row: row, column: c)))
        case .cp(let t): return states.cpState(row: row, term: t)
        case .area(let r):
            guard let b = states.box(row: row, roi: r) else { return .exact(.null) }
            return .exact(.int(Int64(b.area)))
        case .groupKey: return .exact(group?.key ?? .null)
        case .groupArea(let r): return .exact(group?.areas[r] ?? .null)
        case .groupCP(let t): return group?.groupCP[t] ?? .unbounded
        case .aggregate(let a): return group?.aggregates[a] ?? .unbounded
        case .negate(let x, let isInt): return IntervalValue.negate(value(x, row: row, group: group), isInt: isInt)
        case .arithmetic(let op, let l, let r, let isInt):
            return IntervalValue.arithmetic(op, value(l, row: row, group: group), value(r, row: row, group: group),
                                            isInt: isInt)
        }
    }

    func truth(_ p: BoundPredicate, row: Int, group: GroupValues? = nil) -> TruthSet {
        switch p {
        case .compare(let op, let l, let r):
            return IntervalValue.compare(op, value(l, row: row, group: group), value(r, row: row, group: group))
        case .and(let l, let r):
            let a = truth(l, row: row, group: group)
            if a == .false { return .false }
            return TruthSet.lift(a, truth(r, row: row, group: group), Truth.and)
        case .or(let l, let r):
            let a = truth(l, row: row, group: group)
            if a == .true { return .true }
            return TruthSet.lift(a, truth(r, row: row, group: group), Truth.or)
        case .not(let x):
            return truth(x, row: row, group: group).negated
        case .isNull(let e, let negated):
            let v = value(e, row: row, group: group)
            let b = v.bounds
            var r: TruthSet = []
            if case .exact(let x) = v {
                r = x == .null ? .true : .false  // exact TEXT too (its `bounds` are unbounded)
            } else if b.isNull {
                r = .true
            } else if b.maybeNull {
                r = [.true, .false]
            } else {
                r = .false
            }
            return negated ? r.negated : r
        }
    }

    /// The exact value; all CP inputs must be exact by now (an `internal` error otherwise, which
    /// would be an executor bug).
    func exactValue(_ e: BoundExpr, row: Int, group: GroupValues? = nil) throws(QueryError) -> ColumnValue {
        guard let v = value(e, row: row, group: group).exactValue else {
            throw QueryError(kind: .internal, location: nil, token: "",
                             message: "expression evaluated before its CP values were known")
        }
        return v
    }

    func exactTruth(_ p: BoundPredicate, row: Int, group: GroupValues? = nil) throws(QueryError) -> Truth {
        guard let t = truth(p, row: row, group: group).decided else {
            throw QueryError(kind: .internal, location: nil, token: "",
                             message: "predicate evaluated before its CP values were known")
        }
        return t
    }
}
