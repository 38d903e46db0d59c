/// The values of one metadata column for the masks of a segment, in memory (the writer's
/// and the dumper's form; readers of a database read chunks in place, `ColumnChunkView`).
///
/// On disk (Format/segment.md, "Metadata columns") a column chunk is a validity bitmap
/// (bit i set = row i is not NULL, LSB first, padded to 8 bytes) followed by the values:
/// INT64 and FLOAT64 as 8-byte little-endian words; TEXT as `count + 1` u32 offsets into a
/// UTF-8 blob that follows them.
public struct ColumnData: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
        case int64([Int64])
        case float64([Double])
        case text([String])
    }

    public var values: Values
    /// `valid[i] == false` means row i is NULL. Same count as the values.
    public var valid: [Bool]

    public init(values: Values, valid: [Bool]) {
        self.values = values
        self.valid = valid
    }

    public init(type: ColumnType) {
        switch type {
        case .int64: values = .int64([])
        case .float64: values = .float64([])
        case .text: values = .text([])
        }
        valid = []
    }

    public var type: ColumnType {
        switch values {
        case .int64: return .int64
        case .float64: return .float64
        case .text: return .text
        }
    }

    public var count: Int { valid.count }

    public func value(at row: Int) -> ColumnValue {
        guard valid[row] else { return .null }
        switch values {
        case .int64(let a): return .int(a[row])
        case .float64(let a): return .double(a[row])
        case .text(let a): return .text(a[row])
        }
    }

    /// Appends a value; `.null` appends a NULL. The caller guarantees the type matches
    /// (an INT64 value may be appended to a FLOAT64 column).
    public mutating func append(_ v: ColumnValue) {
        switch (values, v) {
        case (.int64(var a), .int(let x)):
            values = .int64([]); a.append(x); values = .int64(a); valid.append(true)
        case (.float64(var a), .double(let x)):
            values = .float64([]); a.append(x); values = .float64(a); valid.append(true)
        case (.float64(var a), .int(let x)):
            values = .float64([]); a.append(Double(x)); values = .float64(a); valid.append(true)
        case (.text(var a), .text(let x)):
            values = .text([]); a.append(x); values = .text(a); valid.append(true)
        case (.int64(var a), _):
            values = .int64([]); a.append(0); values = .int64(a); valid.append(false)
        case (.float64(var a), _):
            values = .float64([]); a.append(0); values = .float64(a); valid.append(false)
        case (.text(var a), _):
            values = .text([]); a.append(""); values = .text(a); valid.append(false)
        }
    }

    /// Appends all rows of `other` (same type).
    public mutating func append(contentsOf other: ColumnData) {
        for i in 0..<other.count { append(other.value(at: i)) }
    }

    public var hasNulls: Bool { valid.contains(false) }

    /// The on-disk chunk.
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        var byte: UInt8 = 0
        for (i, v) in valid.enumerated() {
            if v { byte |= 1 << UInt8(i % 8) }
            if i % 8 == 7 { w.u8(byte); byte = 0 }
        }
        if valid.count % 8 != 0 { w.u8(byte) }
        w.pad(to: 8)
        switch values {
        case .int64(let a): for x in a { w.i64(x) }
        case .float64(let a): for x in a { w.f64(x) }
        case .text(let a):
            var offset: UInt32 = 0
            w.u32(0)
            for s in a { offset += UInt32(s.utf8.count); w.u32(offset) }
            for s in a { w.raw(s.utf8) }
        }
        return w.bytes
    }

    /// Decodes a chunk of `count` rows of `type` (through `ColumnChunkView`, after its
    /// `validate()`).
    /// - Complexity: O(chunk bytes).
    public static func decode(_ buffer: UnsafeRawBufferPointer, type: ColumnType, count: Int, structure: String) throws(FormatError) -> ColumnData {
        let view = try ColumnChunkView(buffer, type: type, count: count, structure: structure)
        try view.validate(structure: structure)
        return view.decoded()
    }
}

/// One entry of a segment's column directory.
///
/// | size | field |
/// |-----:|-------|
/// | 2+n | name (u16 length + UTF-8) |
/// | 1 | type (1 INT64, 2 FLOAT64, 3 TEXT) |
/// | 1 | flags (bit 0: has NULLs; others reserved, 0) |
/// | 2 | reserved, 0 |
/// | 8 | chunk offset (64-aligned) |
/// | 8 | chunk length |
/// | 4 | CRC-32C of the chunk |
/// | 8 | version ≥ 2 only: statistics minimum (INT64 / FLOAT64 bits; 0 without statistics) |
/// | 8 | version ≥ 2 only: statistics maximum (likewise) |
///
/// Flag bit 1 (version ≥ 2): the entry has statistics (`ColumnStatistics`).
public struct ColumnChunkDescriptor: Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    public var hasNulls: Bool
    public var offset: UInt64
    public var length: UInt64
    public var crc: UInt32
    /// The range of the chunk's values (version ≥ 2; nil: none stored, nothing known).
    public var statistics: ColumnStatistics?

    /// Flag bits: 0 has NULLs, 1 has statistics (version ≥ 2).
    static let nullsFlag: UInt8 = 1, statisticsFlag: UInt8 = 2

    public init(name: String, type: ColumnType, hasNulls: Bool, offset: UInt64, length: UInt64, crc: UInt32,
                statistics: ColumnStatistics? = nil) {
        self.name = name
        self.type = type
        self.hasNulls = hasNulls
        self.offset = offset
        self.length = length
        self.crc = crc
        self.statistics = statistics
    }

    /// Encodes a whole column directory: u32 count, then the entries; with `statistics` (the
    /// version-2 layout) each entry ends with its statistics' minimum and maximum words.
    public static func encodeDirectory(_ entries: [ColumnChunkDescriptor], statistics: Bool) -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(entries.count))
        for e in entries {
            let stats = statistics ? e.statistics : nil
            w.shortString(e.name)
            w.u8(e.type.rawValue)
            w.u8((e.hasNulls ? nullsFlag : 0) | (stats != nil ? statisticsFlag : 0))
            w.u16(0)
            w.u64(e.offset)
            w.u64(e.length)
            w.u32(e.crc)
            if statistics {
                let bits = stats?.bits ?? (minimum: 0, maximum: 0)
                w.u64(bits.minimum)
                w.u64(bits.maximum)
            }
        }
        return w.bytes
    }

    /// Decodes a column directory written by `encodeDirectory` with the same `statistics`
    /// (true for a segment whose read version is ≥ 2). Checks types, reserved bits and fields,
    /// and the statistics (`ColumnStatistics.init(type:minimumBits:maximumBits:structure:)`).
    /// - Complexity: O(directory bytes).
    public static func decodeDirectory(_ buffer: UnsafeRawBufferPointer, fileOffset: UInt64,
                                       statistics: Bool) throws(FormatError) -> [ColumnChunkDescriptor] {
        var r = ByteReader(buffer, structure: "column directory")
        let n = Int(try r.u32())
        guard n <= buffer.count / 24 + 1 else {
            throw FormatError(.invalidField, structure: "column directory", offset: fileOffset, detail: "\(n) columns")
        }
        var out: [ColumnChunkDescriptor] = []
        for i in 0..<n {
            out.append(try decodeEntry(&r, index: i, fileOffset: fileOffset, statistics: statistics))
        }
        return out
    }

    private static func decodeEntry(_ r: inout ByteReader, index i: Int, fileOffset: UInt64,
                                    statistics: Bool) throws(FormatError) -> ColumnChunkDescriptor {
        let s = "column directory entry \(i)"
        let name = try r.shortString()
        let typeByte = try r.u8()
        let flags = try r.u8()
        let reserved = try r.u16()
        guard let type = ColumnType(rawValue: typeByte) else {
            throw FormatError(.invalidField, structure: s, offset: fileOffset + UInt64(r.position), detail: "type \(typeByte)")
        }
        let known = statistics ? nullsFlag | statisticsFlag : nullsFlag
        guard flags & ~known == 0, reserved == 0 else {
            throw FormatError(.invalidField, structure: s, offset: fileOffset + UInt64(r.position), detail: "reserved bits set")
        }
        var d = ColumnChunkDescriptor(name: name, type: type, hasNulls: flags & nullsFlag != 0,
                                      offset: try r.u64(), length: try r.u64(), crc: try r.u32())
        guard statistics else { return d }
        let at = fileOffset + UInt64(r.position)
        let lo = try r.u64(), hi = try r.u64()
        if flags & statisticsFlag != 0 {
            do throws(FormatError) {
                d.statistics = try ColumnStatistics(type: type, minimumBits: lo, maximumBits: hi, structure: s)
            } catch {
                var e = error
                e.offset = at
                throw e
            }
        } else if lo != 0 || hi != 0 {
            throw FormatError(.invalidField, structure: s, offset: at, detail: "statistics words set without the statistics flag")
        }
        return d
    }
}
