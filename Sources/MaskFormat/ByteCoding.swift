/// Little-endian encoding of fixed-width integers: all byte-order code of the on-disk
/// formats lives here (as LevelDB's `coding.h`). Integers are read at any offset with
/// explicit byte order, never by casting a pointer.

/// Appends little-endian fields to a growing byte array.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { append(v) }
    public mutating func u32(_ v: UInt32) { append(v) }
    public mutating func u64(_ v: UInt64) { append(v) }
    public mutating func i64(_ v: Int64) { append(UInt64(bitPattern: v)) }
    public mutating func f64(_ v: Double) { append(v.bitPattern) }
    public mutating func raw(_ v: some Sequence<UInt8>) { bytes.append(contentsOf: v) }
    /// A string as u16 byte length + UTF-8 bytes.
    public mutating func shortString(_ s: String) {
        let utf8 = Array(s.utf8)
        u16(UInt16(clamping: utf8.count))
        bytes.append(contentsOf: utf8.prefix(Int(UInt16.max)))
    }
    /// Zero bytes up to a multiple of `alignment`.
    public mutating func pad(to alignment: Int) {
        let rem = bytes.count % alignment
        if rem != 0 { bytes.append(contentsOf: repeatElement(0, count: alignment - rem)) }
    }
    public mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }

    /// Overwrites a u32 at `offset` (for back-patched checksums and lengths).
    public mutating func patchU32(_ v: UInt32, at offset: Int) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }

    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        var le = v.littleEndian
        withUnsafeBytes(of: &le) { bytes.append(contentsOf: $0) }
    }
}

/// Reads little-endian fields from a byte buffer with bounds checks that throw
/// `FormatError.outOfBounds` naming the structure being read.
public struct ByteReader {
    public let buffer: UnsafeRawBufferPointer
    public var position: Int
    public let structure: String

    public init(_ buffer: UnsafeRawBufferPointer, at position: Int = 0, structure: String) {
        self.buffer = buffer
        self.position = position
        self.structure = structure
    }

    public mutating func u8() throws(FormatError) -> UInt8 { try read(UInt8.self) }
    public mutating func u16() throws(FormatError) -> UInt16 { try read(UInt16.self) }
    public mutating func u32() throws(FormatError) -> UInt32 { try read(UInt32.self) }
    public mutating func u64() throws(FormatError) -> UInt64 { try read(UInt64.self) }
    public mutating func i64() throws(FormatError) -> Int64 { Int64(bitPattern: try read(UInt64.self)) }
    public mutating func f64() throws(FormatError) -> Double { Double(bitPattern: try read(UInt64.self)) }

    public mutating func bytes(_ n: Int) throws(FormatError) -> UnsafeRawBufferPointer {
        guard n >= 0, position <= buffer.count, n <= buffer.count - position else {
            throw FormatError(.outOfBounds, structure: structure, offset: UInt64(position), detail: "needs \(n) bytes")
        }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: buffer[position..<(position + n)])
    }

    public mutating func shortString() throws(FormatError) -> String {
        let n = Int(try u16())
        let raw = try bytes(n)
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw FormatError(.invalidField, structure: structure, offset: UInt64(position - n), detail: "string is not UTF-8")
        }
        return s
    }

    public mutating func skip(_ n: Int) throws(FormatError) { _ = try bytes(n) }

    private mutating func read<T: FixedWidthInteger>(_: T.Type) throws(FormatError) -> T {
        let size = MemoryLayout<T>.size
        let raw = try bytes(size)
        var v: T = 0
        withUnsafeMutableBytes(of: &v) { $0.copyMemory(from: raw) }
        return T(littleEndian: v)
    }
}

/// Reads a little-endian integer at `offset` of a raw buffer (caller checks bounds).
@inlinable
public func loadLittleEndian<T: FixedWidthInteger>(_: T.Type, from buffer: UnsafeRawBufferPointer, at offset: Int) -> T {
    T(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: T.self))
}
