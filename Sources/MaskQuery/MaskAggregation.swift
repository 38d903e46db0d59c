import CMaskKernels
import MaskFormat
import MaskStorage

/// CP over pixel-wise aggregates of a group's masks (CONTRACT.md section 3, mask aggregation):
/// `INTERSECT(mask > t)`, `UNION(mask > t)` (or `>=`), `AVG(mask)`, `MIN(mask)`, `MAX(mask)`.
///
/// Algorithm, per group: read each member once (only the image rows covering the terms' boxes, or
/// the whole mask when a bounds source is present so that it can index the mask), decode codes to
/// Double (`PixelFormat.value(ofCode:)`; a 256-entry table for uint8), fold into one Double
/// accumulator per distinct aggregate, then count each term's box with CP's rule on Doubles:
/// `lv <= v < uv`, or `v >= lv` when `uv >= 1.0`.
/// `AVG(mask)` sums members in ascending mask_id order, then divides by the member count.
/// An empty group (only possible without GROUP BY) gives NULL.
/// Groups run in parallel (one scratch set per group). - Complexity: O(members × rows read × width).
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

    /// CP's predicate on a Double value: `lv <= v < uv`, with the closed top edge for `uv >= 1`.
    @inline(__always)
    static func inRange(_ v: Double, lower: Double, upper: Double) -> Bool {
        v >= lower && (upper >= 1.0 || v < upper)
    }

    func compute(groups: [GroupInput], alreadyRead: [Bool]) throws(QueryError) -> Outcome {
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

        ParallelChunks.run(count: groups.count, minimumChunk: 1) { _, range in
            for g in range {
                let group = groups[g]
                if group.members.isEmpty { continue }
                var y0 = Int.max, y1 = Int.min
                for t in terms {
                    guard let b = group.boxes[t.roi] else { continue }
                    if b.isEmpty {
                        continue
                    }
                    y0 = min(y0, b.y0)
                    y1 = max(y1, b.y1)
                }
                for (ti, t) in terms.enumerated() {
                    if let b = group.boxes[t.roi], b.isEmpty { out[g * termCount + ti] = 0 }
                }
                if y0 >= y1 { continue }
                let span = y1 - y0
                let n = span * width
                // Distinct aggregates among the terms that need pixels.
                var sources: [SyntaxMaskSource] = []
                for t in terms where !(group.boxes[t.roi]?.isEmpty ?? true) && !sources.contains(t.source) {
                    sources.append(t.source)
                }
                // INTERSECT/UNION keep 0/1 flags (vector kernels); AVG/MIN/MAX keep Doubles.
                var flags: [[UInt8]] = sources.map { s in
                    switch s {
                    case .intersect: return [UInt8](repeating: 1, count: n)
                    case .union: return [UInt8](repeating: 0, count: n)
                    default: return []
                    }
                }
                var accumulators: [[Double]] = sources.map { s in
                    switch s {
                    case .intersect, .union: return []
                    case .minimum: return [Double](repeating: .infinity, count: n)
                    case .maximum: return [Double](repeating: -.infinity, count: n)
                    default: return [Double](repeating: 0, count: n)
                    }
                }
                var decoded = [Double](repeating: 0, count: n)
                let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, height * rowBytes), alignment: 64)
                defer { scratch.deallocate() }
                var indexed = 0
                for member in group.members {
                    // The whole mask when the index wants it (to index it), else only the rows needed.
                    let wholeMask = !alreadyRead[member] && (source?.wantsWholeMask(row: member) ?? false)
                    let readRange = wholeMask ? 0..<height : y0..<y1
                    do {
                        try table.readPixels(row: member, rows: readRange,
                                             into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(readRange.count * rowBytes)]))
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
                    decoded.withUnsafeMutableBufferPointer { d in
                        switch format {
                        case .uint8:
                            levelValue.withUnsafeBufferPointer { lv in
                                cmk_decode_u8(base.assumingMemoryBound(to: UInt8.self), n, lv.baseAddress!, d.baseAddress!)
                            }
                        case .float16:
                            cmk_decode_f16(base.assumingMemoryBound(to: UInt16.self), n, d.baseAddress!)
                        case .float32:
                            cmk_decode_f32(base.assumingMemoryBound(to: Float.self), n, d.baseAddress!)
                        }
                    }
                    for (si, s) in sources.enumerated() {
                        switch s {
                        case .intersect(let t, let strict):
                            flags[si].withUnsafeMutableBufferPointer { f in
                                decoded.withUnsafeBufferPointer { cmk_flags_and($0.baseAddress!, n, t, strict ? 1 : 0, f.baseAddress!) }
                            }
                            continue
                        case .union(let t, let strict):
                            flags[si].withUnsafeMutableBufferPointer { f in
                                decoded.withUnsafeBufferPointer { cmk_flags_or($0.baseAddress!, n, t, strict ? 1 : 0, f.baseAddress!) }
                            }
                            continue
                        default: break
                        }
                        accumulators[si].withUnsafeMutableBufferPointer { acc in
                            decoded.withUnsafeBufferPointer { d in
                                let a = acc.baseAddress!, v = d.baseAddress!
                                switch s {
                                case .intersect, .union:
                                    break
                                case .average:
                                    cmk_acc_add(v, n, a)
                                case .minimum:
                                    cmk_acc_min(v, n, a)
                                case .maximum:
                                    cmk_acc_max(v, n, a)
                                case .mask:
                                    break
                                }
                            }
                        }
                    }
                }
                if errors[g] != nil { continue }
                readFlags[g] = true
                newly[g] = indexed
                if let ai = sources.firstIndex(of: .average) {
                    let count = Double(group.members.count)
                    accumulators[ai].withUnsafeMutableBufferPointer { acc in
                        for i in 0..<n { acc[i] /= count }
                    }
                }
                for (ti, t) in terms.enumerated() {
                    guard let b = group.boxes[t.roi], !b.isEmpty, let si = sources.firstIndex(of: t.source) else { continue }
                    var count = 0
                    if !flags[si].isEmpty {
                        // A 0/1 mask: CP counts its ones when 1.0 is in range, its zeros when 0.0 is.
                        let ones = flags[si].withUnsafeBufferPointer { f in
                            Int(cmk_count_box_u8(f.baseAddress! + (b.y0 - y0) * width + b.x0, width, b.width, b.height, 1, 2))
                        }
                        count = (Self.inRange(1.0, lower: t.lower, upper: t.upper) ? ones : 0)
                            + (Self.inRange(0.0, lower: t.lower, upper: t.upper) ? b.area - ones : 0)
                        out[g * termCount + ti] = Int64(count)
                        continue
                    }
                    // CP's rule on Doubles, branch-free: lv <= v < uv, or v >= lv when uv >= 1 (values never exceed 1).
                    let lower = t.lower, upper = t.upper >= 1.0 ? Double.infinity : t.upper
                    accumulators[si].withUnsafeBufferPointer { acc in
                        for y in b.y0..<b.y1 {
                            let row = acc.baseAddress! + (y - y0) * width
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
