/// A metadata column chunk read in place from a memory mapping (Format/segment.md,
/// "Column chunk"): no row is copied or decoded until it is asked for.
///
/// Layout: a validity bitmap (bit i set = row i is not NULL, LSB first) padded to 8 bytes,
/// then INT64 / FLOAT64 values as 8-byte little-endian words, or TEXT as `count + 1` u32
/// offsets into the UTF-8 blob that follows them.
///
/// `init` checks only that the parts fit in the chunk (O(1)); `validate()` checks what the
/// per-row readers then rely on for TEXT (offsets ordered and inside the blob, each row
/// UTF-8; O(chunk)). Reading a row is O(1) (TEXT: O(length of the string)). The view does
/// not own its memory: the mapping must outlive it.
public struct ColumnChunkView: @unchecked Sendable {
    public let type: ColumnType
    /// Number of rows.
    public let count: Int
    @usableFromInline let bitmap: UnsafeRawBufferPointer
    /// The values (INT64, FLOAT64), or the offsets followed by the blob (TEXT).
    @usableFromInline let body: UnsafeRawBufferPointer

    /// A view of `chunk` holding `count` rows of `type`.
    /// - Throws: `FormatError.outOfBounds` (naming `structure`) when the chunk is too short.
    public init(_ chunk: UnsafeRawBufferPointer, type: ColumnType, count: Int, structure: String) throws(FormatError) {
        let bitmapBytes = (count + 7) / 8
        let bodyStart = (bitmapBytes + 7) / 8 * 8
        let fixed = type == .text ? 4 * (count + 1) : 8 * count
        guard count >= 0, chunk.count >= bodyStart + fixed else {
            throw FormatError(.outOfBounds, structure: structure,
                              detail: "\(chunk.count) bytes cannot hold \(count) rows of \(type)")
        }
        self.type = type
        self.count = count
        bitmap = UnsafeRawBufferPointer(rebasing: chunk[0..<bitmapBytes])
        body = UnsafeRawBufferPointer(rebasing: chunk[bodyStart...])
    }

    /// Checks TEXT offsets (ordered, inside the blob) and that every row is UTF-8; nothing
    /// to check for the other types.
    /// - Complexity: O(chunk bytes) for TEXT, O(1) otherwise.
    public func validate(structure: String) throws(FormatError) {
        guard type == .text else { return }
        let blob = textBlob
        for row in 0..<count {
            let lo = textOffset(row), hi = textOffset(row + 1)
            guard lo <= hi, hi <= blob.count else {
                throw FormatError(.outOfBounds, structure: structure, detail: "text offset of row \(row)")
            }
            guard String(validating: UnsafeRawBufferPointer(rebasing: blob[lo..<hi]), as: UTF8.self) != nil else {
                throw FormatError(.invalidField, structure: structure, detail: "row \(row) is not UTF-8")
            }
        }
    }

    /// False when row `row` is NULL.
    @inlinable @inline(__always)
    public func isValid(_ row: Int) -> Bool {
        bitmapByte(row / 8) & (1 << UInt8(row % 8)) != 0
    }

    /// The validity bits of rows `row ..< row + 64` (bit i set: row `row + i` is not NULL;
    /// bits past the bitmap are 0, the last byte's bits past `count` as stored). `row` is a
    /// multiple of 8. For column-at-a-time readers: 64 rows a load.
    @inlinable
    public func validityWord(from row: Int) -> UInt64 {
        let first = row / 8
        if first + 8 <= bitmap.count { return loadLittleEndian(UInt64.self, from: bitmap, at: first) }
        var w: UInt64 = 0
        for i in 0..<max(0, bitmap.count - first) { w |= UInt64(bitmap[first + i]) << UInt64(8 * i) }
        return w
    }

    /// The INT64 (or FLOAT64 bit pattern) word of row `row`; 0 for a NULL row.
    @inlinable @inline(__always)
    public func word(_ row: Int) -> UInt64 {
        loadLittleEndian(UInt64.self, from: valueBytes, at: 8 * row)
    }

    /// The value of row `row` (`.null` for a NULL row). TEXT rows assume `validate()` passed.
    /// Always inlined: it is the per-row read of every metadata filter.
    @inlinable @inline(__always)
    public func value(at row: Int) -> ColumnValue {
        guard isValid(row) else { return .null }
        switch type {
        case .int64: return .int(Int64(bitPattern: word(row)))
        case .float64: return .double(Double(bitPattern: word(row)))
        case .text: return .text(text(row))
        }
    }

    /// The stored string of row `row` (empty for a NULL row); assumes `validate()` passed.
    public func text(_ row: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: textBlob[textOffset(row)..<textOffset(row + 1)]), as: UTF8.self)
    }

    /// Appends every row's INT64 value (0 for NULL) to `out`.
    /// - Complexity: O(count), a copy on little-endian hosts.
    public func appendInt64s(to out: inout [Int64]) {
        out.reserveCapacity(out.count + count)
        for row in 0..<count { out.append(Int64(bitPattern: word(row))) }
    }

    /// The chunk decoded into memory (`ColumnData`); TEXT assumes `validate()` passed.
    /// - Complexity: O(count).
    public func decoded() -> ColumnData {
        let valid = (0..<count).map(isValid)
        switch type {
        case .int64: return ColumnData(values: .int64((0..<count).map { Int64(bitPattern: word($0)) }), valid: valid)
        case .float64: return ColumnData(values: .float64((0..<count).map { Double(bitPattern: word($0)) }), valid: valid)
        case .text: return ColumnData(values: .text((0..<count).map(text)), valid: valid)
        }
    }

    @inlinable
    func bitmapByte(_ i: Int) -> UInt8 { bitmap[i] }

    @inlinable
    var valueBytes: UnsafeRawBufferPointer { body }

    private func textOffset(_ i: Int) -> Int { Int(loadLittleEndian(UInt32.self, from: body, at: 4 * i)) }

    private var textBlob: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: body[(4 * (count + 1))...])
    }
}
