import MaskFormat
import MaskStorage

/// Reads masks and computes their exact CP values: the "verification" half of
/// filter-verification.
///
/// For each requested row, the CP terms whose state is not yet exact are computed from one read
/// of the mask: the bands covering the terms' boxes, or the whole mask when the bounds source
/// wants it (a mask not yet indexed) and the `IndexingBudget` admits it (the source then
/// `observe`s the mask and indexes it). Rows are spread over the
/// cores in chunks, each chunk with its own scratch buffer; results land in per-row slots, so the
/// outcome does not depend on scheduling.
/// - Complexity: O(Σ box areas) counting plus the reads, per row.
struct PixelVerifier {
    let table: any MaskTable
    let terms: [CPTerm]
    let boundsSource: (any CPBoundsSource)?

    struct Outcome {
        /// Rows whose pixels were read.
        var readRows: [Int]
        var newlyIndexed: Int
    }

    /// Makes every CP state of `rows` exact (reading pixels where needed), updating `states`.
    func verify(rows: [Int], states: RowStates) throws(QueryError) -> Outcome {
        let termCount = terms.count
        guard termCount > 0, !rows.isEmpty else { return Outcome(readRows: [], newlyIndexed: 0) }
        let height = table.height, width = table.width, format = table.pixelFormat
        let bpp = format.bytesPerPixel
        let rowBytes = width * bpp
        let sentinel = Int64.min
        let results = UnsafeMutableBufferPointer<Int64>.allocate(capacity: rows.count * termCount)
        results.initialize(repeating: sentinel)
        defer { results.deallocate() }
        let ranges = ParallelChunks.ranges(count: rows.count, minimumChunk: 4)
        let errors = UnsafeMutableBufferPointer<QueryError?>.allocate(capacity: max(ranges.count, 1))
        errors.initialize(repeating: nil)
        let newly = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(ranges.count, 1))
        newly.initialize(repeating: 0)
        defer {
            errors.deinitialize()
            errors.deallocate()
            newly.deallocate()
        }
        let boxes = states.boxes
        let cp = states.cp
        let roiCount = states.roiCount
        let table = self.table, terms = self.terms, source = self.boundsSource
        // Per row: the image rows its pending terms' boxes need (nil: nothing to compute), and
        // whether the index wants it whole; then which chunks read their masks whole.
        var neededRows = [Range<Int>?](repeating: nil, count: rows.count)
        var wantsWhole = [Bool](repeating: false, count: rows.count)
        var demands = [IndexingBudget.ChunkDemand](repeating: .init(), count: ranges.count)
        for (chunk, range) in ranges.enumerated() {
            for i in range {
                let row = rows[i]
                var y0 = Int.max, y1 = Int.min
                var needed = false
                for t in 0..<termCount where cp[row * termCount + t].exactValue == nil {
                    needed = true
                    if let b = boxes[row * roiCount + terms[t].roi], !b.isEmpty {
                        y0 = min(y0, b.y0)
                        y1 = max(y1, b.y1)
                    }
                }
                guard needed else { continue }
                let r = y0 < y1 ? y0..<y1 : 0..<0
                neededRows[i] = r
                wantsWhole[i] = source?.wantsWholeMask(row: row) == true
                demands[chunk].add(neededBytes: r.count * rowBytes, wholeBytes: wantsWhole[i] ? height * rowBytes : nil,
                                  store: wantsWhole[i] ? source?.storePages(row: row) : nil)
            }
        }
        let admitted = IndexingBudget.admitted(demands, fresh: !(source?.hasPendingEntries ?? false))
        ParallelChunks.run(count: rows.count, minimumChunk: 4) { chunk, range in
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, height * rowBytes), alignment: 64)
            defer { scratch.deallocate() }
            var indexed = 0
            let readAhead = ReadAhead(table: table, range: range, window: 32) { items in
                items.compactMap { j -> (row: Int, rows: Range<Int>)? in
                    guard let needed = neededRows[j] else { return nil }
                    let r = admitted[chunk] && wantsWhole[j] ? 0..<height : needed
                    return r.isEmpty ? nil : (rows[j], r)
                }
            }
            for i in range {
                readAhead.before(i)
                let row = rows[i]
                guard let needed = neededRows[i] else { continue }
                let wholeMask = admitted[chunk] && wantsWhole[i]
                var readRange = wholeMask ? 0..<height : needed
                if !readRange.isEmpty {
                    do {
                        readRange = try table.readCoveringRows(row: row, rows: readRange, into: scratch)
                    } catch {
                        errors[chunk] = QueryError(kind: .io, location: nil, token: "",
                                                   message: "reading mask \(table.maskID(row: row)) (row \(row)): \(error)")
                        return
                    }
                    if wholeMask, let source {
                        if source.observe(row: row, pixels: UnsafeRawBufferPointer(rebasing: scratch[0..<(height * rowBytes)])) {
                            indexed += 1
                        }
                    }
                }
                for t in 0..<termCount where cp[row * termCount + t].exactValue == nil {
                    guard let b = boxes[row * roiCount + terms[t].roi] else { continue }
                    var n = 0
                    if !b.isEmpty {
                        let offset = ((b.y0 - readRange.lowerBound) * width + b.x0) * bpp
                        n = countCodes(UnsafeRawPointer(scratch.baseAddress!) + offset, format: format,
                                       cols: b.width, rows: b.height, stride: width, interval: terms[t].codes)
                    }
                    results[i * termCount + t] = Int64(n)
                }
            }
            newly[chunk] = indexed
        }
        for case let e? in errors { throw e }
        var readRows: [Int] = []
        for (i, row) in rows.enumerated() {
            var touched = false
            for t in 0..<termCount {
                let v = results[i * termCount + t]
                if v != sentinel {
                    states.cp[row * termCount + t] = .exact(.int(v))
                    touched = true
                } else if states.cp[row * termCount + t].exactValue == nil {
                    // The box is NULL (missing in a named set): CP is NULL without reading.
                    states.cp[row * termCount + t] = .exact(.null)
                }
            }
            if touched { readRows.append(row) }
        }
        return Outcome(readRows: readRows, newlyIndexed: newly.reduce(0, +))
    }
}
