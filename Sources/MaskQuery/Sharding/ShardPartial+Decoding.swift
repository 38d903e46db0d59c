import MaskFormat

extension ShardPartial {
    /// Decodes `encoded()`'s bytes; damaged or foreign bytes are an `internal` QueryError (exit 1)
    /// naming what was wrong and where, never a partial answer. - Complexity: O(size).
    public init(encoded bytes: [UInt8], source: String = "shard partial") throws(QueryError) {
        let decoded: Result<ShardPartial, FormatError> = bytes.withUnsafeBytes { raw in
            do throws(FormatError) { return .success(try Self.decode(raw)) } catch { return .failure(error) }
        }
        switch decoded {
        case .success(let p): self = p
        case .failure(let error):
            throw QueryError(kind: .internal, location: nil, token: "", message: "\(source): \(error)", cause: error)
        }
    }

    static func decode(_ raw: UnsafeRawBufferPointer) throws(FormatError) -> ShardPartial {
        let s = "shard partial"
        guard raw.count >= 17, Array(raw[0..<8]) == magic else { throw FormatError(.badMagic, structure: s, offset: 0) }
        let stored = UInt32(raw[raw.count - 4]) | UInt32(raw[raw.count - 3]) << 8
            | UInt32(raw[raw.count - 2]) << 16 | UInt32(raw[raw.count - 1]) << 24
        let body = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 4)])
        guard CRC32C.checksum(body) == stored else {
            throw FormatError(.checksumMismatch, structure: s, offset: UInt64(raw.count - 4))
        }
        var r = ByteReader(body, at: 8, structure: s)
        let v = try r.u32()
        guard v == version else { throw FormatError(.unsupportedVersion, structure: s, offset: 8, detail: "version \(v)") }
        let kindByte = try r.u8()
        guard kindByte <= 1 else { throw FormatError(.invalidField, structure: s, offset: 12, detail: "kind \(kindByte)") }
        let columns = try list(&r) { (r) throws(FormatError) in try string(&r) }
        let rows = try list(&r) { (r) throws(FormatError) in
            Row(values: try values(&r), keys: try values(&r), tie: try value(&r))
        }
        let groups = try list(&r) { (r) throws(FormatError) in
            Group(key: try value(&r), aggregates: try list(&r) { (r) throws(FormatError) in try aggregate(&r) },
                  boxes: try list(&r) { (r) throws(FormatError) in try boxState(&r) })
        }
        var stats = QueryStats()
        var counts: [Int] = []
        for _ in 0..<6 { counts.append(Int(try r.i64())) }
        (stats.masksTotal, stats.masksTargeted, stats.pruned) = (counts[0], counts[1], counts[2])
        (stats.acceptedByIndex, stats.verified, stats.newlyIndexed) = (counts[3], counts[4], counts[5])
        stats.elapsedMilliseconds = try r.f64()
        stats.boundWidthHistogram = try list(&r) { (r) throws(FormatError) in Int(try r.i64()) }
        guard r.position == body.count else {
            throw FormatError(.invalidField, structure: s, offset: UInt64(r.position), detail: "trailing bytes")
        }
        var p = ShardPartial(kind: kindByte == 0 ? .rows : .groups, columns: columns, stats: stats)
        (p.rows, p.groups) = (rows, groups)
        return p
    }

    /// A u32 count, then that many items; the count is checked against the bytes left (every
    /// item takes at least one byte), so a damaged count cannot allocate beyond the input.
    static func list<T>(_ r: inout ByteReader, _ item: (inout ByteReader) throws(FormatError) -> T) throws(FormatError) -> [T] {
        let n = Int(try r.u32())
        guard n <= r.buffer.count - r.position else {
            throw FormatError(.outOfBounds, structure: r.structure, offset: UInt64(r.position - 4), detail: "count \(n)")
        }
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try item(&r)) }
        return out
    }

    static func string(_ r: inout ByteReader) throws(FormatError) -> String {
        let n = Int(try r.u32())
        let raw = try r.bytes(n)
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw FormatError(.invalidField, structure: r.structure, offset: UInt64(r.position - n), detail: "not UTF-8")
        }
        return s
    }

    static func value(_ r: inout ByteReader) throws(FormatError) -> ColumnValue {
        let tag = try r.u8()
        switch tag {
        case 0: return .null
        case 1: return .int(try r.i64())
        case 2: return .double(try r.f64())
        case 3: return .text(try string(&r))
        default: throw FormatError(.invalidField, structure: r.structure, offset: UInt64(r.position - 1), detail: "value tag \(tag)")
        }
    }

    static func values(_ r: inout ByteReader) throws(FormatError) -> [ColumnValue] {
        try list(&r) { (r) throws(FormatError) in try value(&r) }
    }

    static func aggregate(_ r: inout ByteReader) throws(FormatError) -> AggregateState {
        var a = AggregateState()
        a.count = try r.i64()
        a.intSum = try r.i64()
        let overflowed = try r.u8() != 0
        let partials = try list(&r) { (r) throws(FormatError) in try r.f64() }
        guard let sum = ExactSum(partials: partials, overflowed: overflowed) else {
            throw FormatError(.invalidField, structure: r.structure, offset: UInt64(r.position), detail: "non-finite partial")
        }
        a.doubleSum = sum
        if try r.u8() != 0 {
            a.best = try value(&r)
            a.bestMaskID = try r.i64()
        }
        return a
    }

    static func boxState(_ r: inout ByteReader) throws(FormatError) -> BoxState {
        let tag = try r.u8()
        switch tag {
        case 0: return .none
        case 1:
            var c: [Int] = []
            for _ in 0..<4 { c.append(Int(truncatingIfNeeded: try r.i64())) }
            return .box(PixelBox(x0: c[0], y0: c[1], x1: c[2], y1: c[3]))
        case 2: return .conflict
        default: throw FormatError(.invalidField, structure: r.structure, offset: UInt64(r.position - 1), detail: "box tag \(tag)")
        }
    }
}
