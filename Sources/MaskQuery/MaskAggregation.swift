import CMaskKernels
import MaskFormat
import MaskStorage

/// CP over pixel-wise aggregates of a group's masks (CONTRACT.md section 3, mask aggregation):
/// `INTERSECT(mask > t)`, `UNION(mask > t)` (or `>=`), `AVG(mask)`, `MIN(mask)`, `MAX(mask)`.
///
/// Algorithm, per group: read each member once (only the bands covering the terms' boxes, or
/// the whole mask when the index wants to index it). `INTERSECT`/`UNION` fold 0/1 flags by
/// comparing the stored codes with the threshold's first code (exact, no conversion) — in
/// groups of at most 255 members as one tally per threshold (members above it, per pixel:
/// INTERSECT = all, UNION = any), one pass per member;
/// `AVG`/`MIN`/`MAX` decode codes to Double (`PixelFormat.value(ofCode:)`; a 256-entry table for
/// uint8) and fold into one Double accumulator per aggregate; then each term's box is counted
/// with CP's rule: on the flags, or on Doubles (`lv <= v < uv`, or `v >= lv` when `uv >= 1.0`).
/// `AVG(mask)` sums members in ascending mask_id order, then divides by the member count.
/// An empty group (only possible without GROUP BY) gives NULL.
/// Groups run in parallel; each chunk of groups allocates its scratch once.
/// - Complexity: O(members × rows read × width).
struct MaskAggregation {
    let table: any MaskTable
    let terms: [GroupCPTerm]
    let boundsSource: (any CPBoundsSource)?

    struct GroupInput {
        /// Member rows in ascending mask_id order.
        var members: [Int]
        /// The group's box per bound ROI (nil: NULL).
        var boxes: [PixelBox?]
    }

    struct Outcome {
        /// Per group, per term: exact CP (or NULL).
        var values: [[IntervalValue]]
        var readRows: [Int]
        var newlyIndexed: Int
    }

    /// `flags[i] = flags[i] && code_i >= threshold` (intersect) or `||` (union) over `count`
    /// stored codes at `codes`; flags are 0/1.
    static func foldFlags(_ codes: UnsafeRawPointer, format: PixelFormat, count n: Int, threshold: UInt32,
                          intersect: Bool, into flags: UnsafeMutablePointer<UInt8>) {
        switch (format, intersect) {
        case (.uint8, true): cmk_flags_and_codes_u8(codes.assumingMemoryBound(to: UInt8.self), n, threshold, flags)
        case (.uint8, false): cmk_flags_or_codes_u8(codes.assumingMemoryBound(to: UInt8.self), n, threshold, flags)
        case (.float16, true): cmk_flags_and_codes_u16(codes.assumingMemoryBound(to: UInt16.self), n, threshold, flags)
        case (.float16, false): cmk_flags_or_codes_u16(codes.assumingMemoryBound(to: UInt16.self), n, threshold, flags)
        case (.float32, true): cmk_flags_and_codes_u32(codes.assumingMemoryBound(to: UInt32.self), n, threshold, flags)
        case (.float32, false): cmk_flags_or_codes_u32(codes.assumingMemoryBound(to: UInt32.self), n, threshold, flags)
        }
    }

    /// `counts[i] += code_i >= threshold` over `count` stored codes at `codes`.
    static func tally(_ codes: UnsafeRawPointer, format: PixelFormat, count n: Int, threshold: UInt32,
                      into counts: UnsafeMutablePointer<UInt8>) {
        switch format {
        case .uint8: cmk_tally_codes_u8(codes.assumingMemoryBound(to: UInt8.self), n, threshold, counts)
        case .float16: cmk_tally_codes_u16(codes.assumingMemoryBound(to: UInt16.self), n, threshold, counts)
        case .float32: cmk_tally_codes_u32(codes.assumingMemoryBound(to: UInt32.self), n, threshold, counts)
        }
    }

    /// CP's predicate on a Double value: `lv <= v < uv`, with the closed top edge for `uv >= 1`.
    @inline(__always)
    static func inRange(_ v: Double, lower: Double, upper: Double) -> Bool {
        v >= lower && (upper >= 1.0 || v < upper)
    }

    /// `outcomes[row] == .verified` marks members already read (their index entry exists).
    func compute(groups: [GroupInput], alreadyRead outcomes: UnsafeBufferPointer<RowOutcome>) throws(QueryError) -> Outcome {
        let termCount = terms.count
        var values = Array(repeating: Array(repeating: IntervalValue.exact(.null), count: termCount), count: groups.count)
        guard termCount > 0, !groups.isEmpty else { return Outcome(values: values, readRows: [], newlyIndexed: 0) }
        let height = table.height, width = table.width, format = table.pixelFormat
        let bpp = format.bytesPerPixel, rowBytes = width * bpp
        let out = UnsafeMutableBufferPointer<Int64>.allocate(capacity: groups.count * termCount)
        out.initialize(repeating: Int64.min)
        let readFlags = UnsafeMutableBufferPointer<Bool>.allocate(capacity: groups.count)
        readFlags.initialize(repeating: false)
        let errors = UnsafeMutableBufferPointer<QueryError?>.allocate(capacity: groups.count)
        errors.initialize(repeating: nil)
        let newly = UnsafeMutableBufferPointer<Int>.allocate(capacity: groups.count)
        newly.initialize(repeating: 0)
        defer {
            out.deallocate()
            readFlags.deallocate()
            errors.deinitialize()
            errors.deallocate()
            newly.deallocate()
        }
        var levelValue = [Double](repeating: 0, count: 256)
        if format == .uint8 { for q in 0..<256 { levelValue[q] = format.value(ofCode: UInt32(q)) } }
        let table = self.table, terms = self.terms, source = self.boundsSource
        // The distinct aggregates of the query; per group, those of its terms with a non-empty box.
        var allSources: [SyntaxMaskSource] = []
        for t in terms where !allSources.contains(t.source) { allSources.append(t.source) }
        // INTERSECT/UNION compare stored codes with the threshold's first code (exact: the
        // codes of values > t, or >= t, are those >= that code), so their members are never
        // widened to Double.
        let thresholdCodes: [UInt32] = allSources.map { s in
            let codes: CodeInterval
            switch s {
            case .intersect(let t, let strict), .union(let t, let strict):
                codes = format.codeInterval(lower: strict ? t.nextUp : t, upper: 1.0)
            default: return 0
            }
            return codes.isEmpty ? UInt32.max : codes.lo
        }
        // Groups of at most 255 members tally instead: one pass per member and distinct
        // threshold counts how many members are above it at each pixel, giving INTERSECT
        // (count == members) and UNION (count >= 1) of that threshold at once.
        var tallyThresholds: [UInt32] = []
        let tallyOf: [Int] = allSources.indices.map { si in
            switch allSources[si] {
            case .intersect, .union:
                if let k = tallyThresholds.firstIndex(of: thresholdCodes[si]) { return k }
                tallyThresholds.append(thresholdCodes[si])
                return tallyThresholds.count - 1
            default: return -1
            }
        }
        let needsDecoded = allSources.contains { s in
            switch s {
            case .average, .minimum, .maximum: return true
            default: return false
            }
        }
        let pixels = height * width

        // Which chunks of groups read their members whole for the index (`IndexingBudget`).
        // Per group: the image rows its terms' boxes span (empty: nothing to read).
        let neededRows: [Range<Int>] = groups.map { group in
            var y0 = Int.max, y1 = Int.min
            for t in terms {
                guard let b = group.boxes[t.roi], !b.isEmpty else { continue }
                y0 = min(y0, b.y0)
                y1 = max(y1, b.y1)
            }
            return y0 < y1 ? y0..<y1 : 0..<0
        }
        // Per group and member: whether the index wants it read whole (asked once; `observe`
        // still declines a mask it can no longer take).
        let wantsWhole: [[Bool]] = groups.indices.map { g in
            guard !neededRows[g].isEmpty else { return [] }
            return groups[g].members.map { outcomes[$0] != .verified && (source?.wantsWholeMask(row: $0) ?? false) }
        }
        let chunks = ParallelChunks.ranges(count: groups.count, minimumChunk: 1)
        var demands = [IndexingBudget.ChunkDemand](repeating: .init(), count: chunks.count)
        for (c, range) in chunks.enumerated() {
            for g in range where !neededRows[g].isEmpty {
                for (m, member) in groups[g].members.enumerated() {
                    let wants = wantsWhole[g][m]
                    demands[c].add(neededBytes: neededRows[g].count * rowBytes, wholeBytes: wants ? height * rowBytes : nil,
                                   store: wants ? source?.storePages(row: member) : nil)
                }
            }
        }
        let admitted = IndexingBudget.admitted(demands, fresh: !(source?.hasPendingEntries ?? false))

        ParallelChunks.run(count: groups.count, minimumChunk: 1) { chunk, range in
            // Scratch for the chunk: the stored codes of one member, its values as Doubles (only
            // for AVG/MIN/MAX), and one flag or accumulator plane per aggregate.
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, height * rowBytes), alignment: 64)
            let decoded = UnsafeMutableBufferPointer<Double>.allocate(capacity: needsDecoded ? max(1, pixels) : 1)
            let flags = allSources.map { _ in UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, pixels)) }
            let tallies = tallyThresholds.map { _ in UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, pixels)) }
            let accumulators = allSources.map { s -> UnsafeMutableBufferPointer<Double> in
                switch s {
                case .average, .minimum, .maximum: return .allocate(capacity: max(1, pixels))
                default: return .allocate(capacity: 1)
                }
            }
            defer {
                scratch.deallocate()
                decoded.deallocate()
                for f in flags { f.deallocate() }
                for t in tallies { t.deallocate() }
                for a in accumulators { a.deallocate() }
            }
            let readAhead = ReadAhead(table: table, range: range, window: 8) { items in
                items.flatMap { g in
                    neededRows[g].isEmpty ? [] : groups[g].members.indices.map { m in
                        (row: groups[g].members[m], rows: admitted[chunk] && wantsWhole[g][m] ? 0..<height : neededRows[g])
                    }
                }
            }
            for g in range {
                readAhead.before(g)
                let group = groups[g]
                if group.members.isEmpty { continue }
                let y0 = neededRows[g].lowerBound, y1 = neededRows[g].upperBound
                for (ti, t) in terms.enumerated() {
                    if let b = group.boxes[t.roi], b.isEmpty { out[g * termCount + ti] = 0 }
                }
                if y0 >= y1 { continue }
                let n = (y1 - y0) * width
                // The aggregates this group needs (terms with a non-empty box).
                var used = [Bool](repeating: false, count: allSources.count)
                for t in terms where !(group.boxes[t.roi]?.isEmpty ?? true) {
                    used[allSources.firstIndex(of: t.source)!] = true
                }
                let useTally = group.members.count <= 255
                var usedTally = [Bool](repeating: false, count: tallyThresholds.count)
                for (si, s) in allSources.enumerated() where used[si] {
                    switch s {
                    case .intersect where useTally, .union where useTally: usedTally[tallyOf[si]] = true
                    case .intersect: flags[si].baseAddress!.initialize(repeating: 1, count: n)
                    case .union: flags[si].baseAddress!.initialize(repeating: 0, count: n)
                    case .minimum: accumulators[si].baseAddress!.initialize(repeating: .infinity, count: n)
                    case .maximum: accumulators[si].baseAddress!.initialize(repeating: -.infinity, count: n)
                    case .average: accumulators[si].baseAddress!.initialize(repeating: 0, count: n)
                    case .mask: break
                    }
                }
                for (k, u) in usedTally.enumerated() where u { tallies[k].baseAddress!.initialize(repeating: 0, count: n) }
                var indexed = 0
                for (m, member) in group.members.enumerated() {
                    // The whole mask when the index wants it (to index it), else only the rows needed.
                    let wholeMask = admitted[chunk] && wantsWhole[g][m]
                    var readRange = wholeMask ? 0..<height : y0..<y1
                    do {
                        readRange = try table.readCoveringRows(row: member, rows: readRange, into: scratch)
                    } catch {
                        errors[g] = QueryError(kind: .io, location: nil, token: "",
                                               message: "reading mask \(table.maskID(row: member)) (row \(member)): \(error)")
                        break
                    }
                    if wholeMask, let source,
                       source.observe(row: member, pixels: UnsafeRawBufferPointer(rebasing: scratch[0..<(height * rowBytes)])) {
                        indexed += 1
                    }
                    let base = UnsafeRawPointer(scratch.baseAddress!) + (y0 - readRange.lowerBound) * rowBytes
                    var haveDecoded = false
                    for (k, u) in usedTally.enumerated() where u {
                        MaskAggregation.tally(base, format: format, count: n, threshold: tallyThresholds[k], into: tallies[k].baseAddress!)
                    }
                    for (si, s) in allSources.enumerated() where used[si] {
                        switch s {
                        case .intersect where useTally, .union where useTally:
                            break
                        case .intersect, .union:
                            let isAnd: Bool
                            if case .intersect = s { isAnd = true } else { isAnd = false }
                            MaskAggregation.foldFlags(base, format: format, count: n, threshold: thresholdCodes[si],
                                                      intersect: isAnd, into: flags[si].baseAddress!)
                        case .average, .minimum, .maximum:
                            if !haveDecoded {
                                let d = decoded.baseAddress!
                                switch format {
                                case .uint8:
                                    levelValue.withUnsafeBufferPointer { lv in
                                        cmk_decode_u8(base.assumingMemoryBound(to: UInt8.self), n, lv.baseAddress!, d)
                                    }
                                case .float16: cmk_decode_f16(base.assumingMemoryBound(to: UInt16.self), n, d)
                                case .float32: cmk_decode_f32(base.assumingMemoryBound(to: Float.self), n, d)
                                }
                                haveDecoded = true
                            }
                            let a = accumulators[si].baseAddress!, v = UnsafePointer(decoded.baseAddress!)
                            if case .average = s { cmk_acc_add(v, n, a) } else if case .minimum = s { cmk_acc_min(v, n, a) } else { cmk_acc_max(v, n, a) }
                        case .mask:
                            break
                        }
                    }
                }
                if errors[g] != nil { continue }
                readFlags[g] = true
                newly[g] = indexed
                if let ai = allSources.firstIndex(of: .average), used[ai] {
                    let count = Double(group.members.count)
                    let acc = accumulators[ai]
                    for i in 0..<n { acc[i] /= count }
                }
                for (ti, t) in terms.enumerated() {
                    guard let b = group.boxes[t.roi], !b.isEmpty, let si = allSources.firstIndex(of: t.source) else { continue }
                    var count = 0
                    switch t.source {
                    case .intersect, .union:
                        // A 0/1 mask: CP counts its ones when 1.0 is in range, its zeros when 0.0 is.
                        let ones: Int
                        let at = (b.y0 - y0) * width + b.x0
                        if useTally {
                            let m = UInt32(group.members.count), tally = tallies[tallyOf[si]].baseAddress! + at
                            if case .intersect = t.source {
                                ones = Int(cmk_count_box_u8(tally, width, b.width, b.height, m, m + 1))
                            } else {
                                ones = Int(cmk_count_box_u8(tally, width, b.width, b.height, 1, 256))
                            }
                        } else {
                            ones = Int(cmk_count_box_u8(flags[si].baseAddress! + at, width, b.width, b.height, 1, 2))
                        }
                        count = (Self.inRange(1.0, lower: t.lower, upper: t.upper) ? ones : 0)
                            + (Self.inRange(0.0, lower: t.lower, upper: t.upper) ? b.area - ones : 0)
                    default:
                        // CP's rule on Doubles, branch-free: lv <= v < uv, or v >= lv when uv >= 1 (values never exceed 1).
                        let lower = t.lower, upper = t.upper >= 1.0 ? Double.infinity : t.upper
                        let acc = accumulators[si].baseAddress!
                        for y in b.y0..<b.y1 {
                            let row = acc + (y - y0) * width
                            for x in b.x0..<b.x1 { count &+= (row[x] >= lower) && (row[x] < upper) ? 1 : 0 }
                        }
                    }
                    out[g * termCount + ti] = Int64(count)
                }
            }
        }
        for case let e? in errors { throw e }
        var readRows: [Int] = []
        for g in groups.indices {
            for t in 0..<termCount where out[g * termCount + t] != Int64.min {
                values[g][t] = .exact(.int(out[g * termCount + t]))
            }
            if readFlags[g] { readRows.append(contentsOf: groups[g].members) }
        }
        return Outcome(values: values, readRows: readRows, newlyIndexed: newly.reduce(0, +))
    }
}
