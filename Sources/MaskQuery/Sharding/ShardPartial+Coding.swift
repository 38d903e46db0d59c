import MaskFormat

/// The bytes of a `ShardPartial`, for a shard answered in another process or on another machine
/// (a Ray task) and merged by the driver. Little-endian throughout (`ByteWriter`):
///
///     "\x89MSKPRT\n" (8) | u32 version (1) | u8 kind (0 rows, 1 groups)
///     u32 n, n strings (columns)
///     u32 n, n rows:   u32 v, v values | u32 k, k values (sort keys) | value (tie)
///     u32 n, n groups: value (key) | u32 a, a aggregate states | u32 b, b box states
///     stats: i64 total, targeted, pruned, accepted, verified, newly indexed | f64 elapsed ms
///            | u32 h, h i64 (bound-width histogram)
///     u32 CRC-32C of every byte before it
///
/// string = u32 byte length + UTF-8; value = u8 tag (0 NULL, 1 INT64 + i64, 2 FLOAT64 + f64 bit
/// pattern, 3 TEXT + string); aggregate state = i64 count, i64 wrapping int sum, u8 overflowed,
/// u32 p + p f64 exact-sum partials, u8 has best (+ value, i64 mask_id); box state = u8 tag
/// (0 none, 1 box + 4 × i64 x0 y0 x1 y1, 2 conflict). Doubles travel as bit patterns: exact.
extension ShardPartial {
    static let magic: [UInt8] = [0x89, 0x4D, 0x53, 0x4B, 0x50, 0x52, 0x54, 0x0A]
    static let version: UInt32 = 1

    /// The partial's bytes. - Complexity: O(size).
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.raw(Self.magic)
        w.u32(Self.version)
        w.u8(kind == .rows ? 0 : 1)
        w.u32(UInt32(columns.count))
        for c in columns { Self.put(c, &w) }
        w.u32(UInt32(rows.count))
        for r in rows {
            Self.put(r.values, &w)
            Self.put(r.keys, &w)
            Self.put(r.tie, &w)
        }
        w.u32(UInt32(groups.count))
        for g in groups {
            Self.put(g.key, &w)
            w.u32(UInt32(g.aggregates.count))
            for a in g.aggregates { Self.put(a, &w) }
            w.u32(UInt32(g.boxes.count))
            for b in g.boxes { Self.put(b, &w) }
        }
        for v in [stats.masksTotal, stats.masksTargeted, stats.pruned, stats.acceptedByIndex, stats.verified,
                  stats.newlyIndexed] { w.i64(Int64(v)) }
        w.f64(stats.elapsedMilliseconds)
        w.u32(UInt32(stats.boundWidthHistogram.count))
        for h in stats.boundWidthHistogram { w.i64(Int64(h)) }
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    static func put(_ s: String, _ w: inout ByteWriter) {
        let utf8 = Array(s.utf8)
        w.u32(UInt32(utf8.count))
        w.raw(utf8)
    }

    static func put(_ v: ColumnValue, _ w: inout ByteWriter) {
        switch v {
        case .null: w.u8(0)
        case .int(let x): w.u8(1); w.i64(x)
        case .double(let x): w.u8(2); w.f64(x)
        case .text(let s): w.u8(3); put(s, &w)
        }
    }

    static func put(_ vs: [ColumnValue], _ w: inout ByteWriter) {
        w.u32(UInt32(vs.count))
        for v in vs { put(v, &w) }
    }

    static func put(_ a: AggregateState, _ w: inout ByteWriter) {
        w.i64(a.count)
        w.i64(a.intSum)
        w.u8(a.doubleSum.overflowed ? 1 : 0)
        w.u32(UInt32(a.doubleSum.partials.count))
        for p in a.doubleSum.partials { w.f64(p) }
        if let b = a.best {
            w.u8(1)
            put(b, &w)
            w.i64(a.bestMaskID)
        } else {
            w.u8(0)
        }
    }

    static func put(_ b: BoxState, _ w: inout ByteWriter) {
        switch b {
        case .none: w.u8(0)
        case .box(let p): w.u8(1); for c in [p.x0, p.y0, p.x1, p.y1] { w.i64(Int64(c)) }
        case .conflict: w.u8(2)
        }
    }
}
