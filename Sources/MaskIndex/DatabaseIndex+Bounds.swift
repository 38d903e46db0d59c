import MaskFormat
import MaskStorage
import Synchronization

/// Bounds on CP from the index files (Format/index.md, "Bounds"): per row, per run of rows
/// sharing a box, and column-wise for every row of a constant ROI. A mask's entries come from
/// its file's key columns when its validity bit is set, else from its record in the file's
/// delta region (`CHIFile.indexedBounds`); a mask with neither gets no bound (`lower == -1`).
extension DatabaseIndex {
    /// The end of the run of rows from `start` (before `limit`) that share one box and one
    /// segment, and so one plan.
    private static func runEnd(from start: Int, before limit: Int, boxes: [PixelBox], segmentOf: [(segment: Int, local: Int)]) -> Int {
        var end = start + 1
        while end < limit && boxes[end] == boxes[start] && segmentOf[end].segment == segmentOf[start].segment { end += 1 }
        return end
    }

    /// Read-ahead for bounds over `runs` (rows with one box each, as `boundsByRuns` plans
    /// them): with few runs, the key columns of each run's plan over its span of masks, each
    /// page once and none when the file is cached (`CHIFile.prefetchEntries`);
    /// with many (named ROIs: a box per image), in the files involved, the whole key columns
    /// of every cell for the bins the plans read (`CHIFile.prefetchBinColumns`), once per
    /// bin and file. The bins follow from the code interval alone (a box only picks the
    /// cells), so the plans of the first runs name them all: for CP(mask, object, 0.8, 1.0)
    /// about a tenth of the file instead of all of it (1 GB instead of 10 GB at 1.33 M masks).
    private func prefetch<Plan: MaskBoundsPlan>(_: Plan.Type, rows: [Int], boxes: [PixelBox], codes: CodeInterval,
                                                segmentOf: [(segment: Int, local: Int)], hasEntries: (Int) -> Bool) {
        var runs: [Range<Int>] = []
        var start = 0
        while start < rows.count && runs.count <= 64 {
            let end = DatabaseIndex.runEnd(from: start, before: rows.count, boxes: boxes, segmentOf: segmentOf)
            runs.append(start..<end)
            start = end
        }
        if runs.count > 64 {
            for s in Set(segmentOf.map(\.segment)).sorted() {
                guard let f = files[s] else { continue }
                let perCell = f.grid.bins - 1
                var bins = Set<Int>()
                for r in runs { Plan(grid: f.grid, box: boxes[r.lowerBound], codes: codes).forEachKey { bins.insert($0 % perCell + 1) } }
                let new = bins.subtracting(prefetchedBins.withLock { $0[s] })
                if !new.isEmpty && f.prefetchBinColumns(new) { prefetchedBins.withLock { $0[s].formUnion(new) } }
            }
            return
        }
        var ranges = [[Range<Int>]](repeating: [], count: files.count)
        for r in runs where r.contains(where: hasEntries) {
            let s = segmentOf[r.lowerBound].segment
            guard let f = files[s] else { continue }
            let locals = segmentOf[r].map(\.local)
            let masks = locals.min()!..<(locals.max()! + 1)
            Plan(grid: f.grid, box: boxes[r.lowerBound], codes: codes).forEachKey { ranges[s].append(f.columnRange(key: $0, masks: masks)) }
        }
        for (s, list) in ranges.enumerated() where !list.isEmpty { files[s]?.prefetchEntries(list) }
    }

    /// The last plan made, reused while queries ask for the same (box, codes) of files with
    /// the same grid — every mask of a constant ROI — so that planning costs once per query,
    /// not once per mask. (Files of index version 1 have other uint8 bin edges: `CHIGrid`.)
    func plan(box: PixelBox, codes: CodeInterval, file: CHIFile) -> BoundsPlan {
        let edges = file.grid.codeEdges
        if let (b, c, e, p) = lastPlan.withLock({ $0 }), b == box, c == codes, e == edges { return p }
        let p = BoundsPlan(grid: file.grid, box: box, codes: codes)
        lastPlan.withLock { $0 = (box, codes, edges, p) }
        return p
    }

    /// Bounds on CP(mask at `row`, `box` (clipped, non-empty), codes in `codes`), or nil
    /// when the mask has no valid index entry.
    /// - Complexity: O(log bins) to plan plus at most 32 entry loads.
    public func bounds(row: Int, box: PixelBox, codes: CodeInterval) -> ClosedRange<Int>? {
        let (s, local) = database.locate(row: row)
        guard let f = files[s] else { return nil }
        return f.indexedBounds(plan(box: box, codes: codes, file: f), mask: local, directory: f.deltaDirectory())
    }

    /// Bounds of `rows[i]` over its own box `boxes[i]` (clipped, non-empty) for one code
    /// interval — a named ROI. `lower[i] == -1` where the mask has no valid entry.
    /// - Complexity: O(rows × 32 entry loads) plus a plan per run of equal boxes (the masks
    ///   of one image share its box); split between the cores.
    public func bounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32]) {
        boundsByRuns(BoundsPlan.self, rows: rows, boxes: boxes, codes: codes)
    }

    /// Cell-by-cell bounds (`CellBoundsPlan`) of `rows[i]` over `boxes[i]` (clipped,
    /// non-empty): tighter than `bounds`, at up to ~15× the entries per mask, for the rows the
    /// executor would otherwise read. `lower[i] == -1` where the mask has no valid entry.
    public func refinedBounds(rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32])? {
        boundsByRuns(CellBoundsPlan.self, rows: rows, boxes: boxes, codes: codes)
    }

    /// Evaluates rows run by run — consecutive rows with equal boxes share one plan — with the
    /// next run's plan made, and its first mask's entries prefetched, before the current run
    /// is evaluated (each mask reads its entries from as many key columns, i.e. pages).
    /// A run none of whose masks has entries gets no plan (an exploring query's rows, not yet
    /// indexed: making `CellBoundsPlan`s for them was 0.7 ms of such a query's 5).
    /// Contiguous halves of the rows go to the cores.
    private func boundsByRuns<Plan: MaskBoundsPlan>(_: Plan.Type, rows: [Int], boxes: [PixelBox], codes: CodeInterval) -> (lower: [Int32], upper: [Int32]) {
        let n = rows.count
        var lower = [Int32](repeating: -1, count: n), upper = [Int32](repeating: 0, count: n)
        // Every file's grid and bin span (files of index version 1 have other uint8 edges).
        let grids = files.map { $0?.grid ?? grid }
        let spans = grids.map { BinSpan(grid: $0, codes: codes) }
        let segmentOf = rows.map { database.locate(row: $0) }
        let directories = files.map { $0?.deltaDirectory() }
        /// Row `i` has entries (valid in the columns or listed in the delta; `indexedBounds`
        /// checks the record).
        func hasEntries(_ i: Int) -> Bool {
            let (s, local) = segmentOf[i]
            guard let f = files[s] else { return false }
            return f.isValid(local) || directories[s]?.slots[local] != nil
        }
        prefetch(Plan.self, rows: rows, boxes: boxes, codes: codes, segmentOf: segmentOf, hasEntries: hasEntries)
        lower.withUnsafeMutableBufferPointer { lo in
            upper.withUnsafeMutableBufferPointer { hi in
                let lo = UncheckedSendable(lo.baseAddress!), hi = UncheckedSendable(hi.baseAddress!)
                Parallel.forEachChunk(count: n, minimumChunk: 2048) { range in
                    /// The plan of the run `run`; nil when none of its masks has entries.
                    func makePlan(_ run: Range<Int>) -> Plan? {
                        guard run.contains(where: hasEntries) else { return nil }
                        let s = segmentOf[run.lowerBound].segment
                        return Plan(grid: grids[s], box: boxes[run.lowerBound], span: spans[s])
                    }
                    func runEnd(_ start: Int) -> Int {
                        DatabaseIndex.runEnd(from: start, before: range.upperBound, boxes: boxes, segmentOf: segmentOf)
                    }
                    var run = range.lowerBound..<runEnd(range.lowerBound)
                    var plan = makePlan(run)
                    while !run.isEmpty {
                        let current = plan
                        let next = run.upperBound..<(run.upperBound < range.upperBound ? runEnd(run.upperBound) : run.upperBound)
                        plan = next.isEmpty ? nil : makePlan(next)
                        if let plan, let i = next.first(where: { files[segmentOf[$0].segment]?.isValid(segmentOf[$0].local) == true }) {
                            plan.prefetch(in: files[segmentOf[i].segment]!, mask: segmentOf[i].local)
                        }
                        // A run is in one segment: its file and directory are taken once, not
                        // retained and released per row.
                        let s = segmentOf[run.lowerBound].segment
                        if let current, let f = files[s] {
                            let directory = directories[s]
                            for i in run {
                                guard let b = f.indexedBounds(current, mask: segmentOf[i].local, directory: directory) else { continue }
                                lo.value[i] = Int32(b.lowerBound)
                                hi.value[i] = Int32(b.upperBound)
                            }
                        }
                        run = next
                    }
                }
            }
        }
        return (lower, upper)
    }

    /// Bounds of every row for one (box, codes) — a constant ROI — computed column-wise over
    /// each segment's index file (`CHIFile.boundsForMasks`), the masks split between the
    /// cores. `lower[row] == -1` where the mask has no valid entry.
    public func boundsForAllRows(box: PixelBox, codes: CodeInterval) -> (lower: [Int32], upper: [Int32])? {
        let count = database.count
        var lower = [Int32](repeating: -1, count: count), upper = [Int32](repeating: 0, count: count)
        lower.withUnsafeMutableBufferPointer { lo in
            upper.withUnsafeMutableBufferPointer { hi in
                let lo = UncheckedSendable(lo.baseAddress!), hi = UncheckedSendable(hi.baseAddress!)
                for (s, file) in files.enumerated() {
                    guard let file else { continue }
                    let start = database.segmentStarts[s]
                    let plan = BoundsPlan(grid: file.grid, box: box, codes: codes)
                    file.prefetchColumns(plan, masks: 0..<file.maskCount)
                    // Below ~16k masks a second thread costs more than it saves.
                    Parallel.forEachChunk(count: file.maskCount, minimumChunk: 16_384) { range in
                        file.boundsForMasks(range, plan: plan, lower: lo.value + start + range.lowerBound,
                                            upper: hi.value + start + range.lowerBound)
                    }
                }
            }
        }
        return (lower, upper)
    }

    /// Starts reading, in every index file, the key columns of every mask that
    /// `boundsForAllRows(box:codes:)` reads and, when the box cuts grid cells, those the
    /// refined bounds (`CellBoundsPlan`) of its undecided rows would read — the refinement's
    /// rows are spread over the table, so it reads nearly every page of those columns anyway.
    /// Asked before the executor's per-row work, so that the reads overlap it: a cold ImageNet
    /// Q1 (a box cutting cells, 1.33 M masks) waited twice, ~60 ms in all, for these 145 MB
    /// when they were read only on demand; advised first, they load during the row pass and
    /// verification starts ~25 ms sooner (`/proc/diskstats` every 20 ms; whole-process times
    /// differ by less than their noise). - Complexity: one `madvise` per key column and file.
    public func prefetchAllRows(box: PixelBox, codes: CodeInterval) {
        for file in files {
            guard let file else { continue }
            let all = 0..<file.maskCount
            file.prefetchColumns(BoundsPlan(grid: file.grid, box: box, codes: codes), masks: all)
            let cells = CellBoundsPlan(grid: file.grid, box: box, span: BinSpan(grid: file.grid, codes: codes))
            if !cells.ring.isEmpty { file.prefetchColumns(cells, masks: all) }
        }
    }

    /// True when mask `row` has index entries (valid in the columns, or in the delta region).
    public func isIndexed(row: Int) -> Bool {
        let (s, local) = database.locate(row: row)
        return files[s]?.hasEntries(local) ?? false
    }

}
