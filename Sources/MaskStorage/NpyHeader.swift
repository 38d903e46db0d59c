/// The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0), as specified in
/// numpy/lib/format.py: the magic `\x93NUMPY`, major and minor version, a little-endian
/// header length (u16 for 1.0, u32 for 2.0/3.0), and a Python dict literal with the keys
/// 'descr', 'fortran_order' and 'shape'; the data follows the header.
public struct NpyHeader: Sendable, Equatable {
    public enum ElementType: Sendable, Equatable {
        case uint8, float16, float32, float64

        public var size: Int {
            switch self {
            case .uint8: return 1
            case .float16: return 2
            case .float32: return 4
            case .float64: return 8
            }
        }

        public init?(name: String) {
            switch name {
            case "uint8": self = .uint8
            case "float16": self = .float16
            case "float32": self = .float32
            case "float64": self = .float64
            default: return nil
            }
        }
    }

    public var elementType: ElementType
    public var bigEndian: Bool
    public var shape: [Int]
    /// Byte offset of the data.
    public var dataOffset: Int

    /// Parses the header from the first bytes of a file (at least `dataOffset` of them, or
    /// all the file has): the preamble, then the dict's 'descr', 'fortran_order' and 'shape'.
    public static func parse(_ bytes: [UInt8], file: String) throws(StorageError) -> NpyHeader {
        func bad(_ reason: String) -> StorageError {
            .invalidInput(file: file, location: "npy header", reason: reason)
        }
        let (start, headerLength) = try preamble(bytes, bad: bad)
        guard let text = String(validating: bytes[start..<(start + headerLength)], as: UTF8.self) else {
            throw bad("header is not text")
        }
        guard let descr = dictValue(text, key: "descr"), let fortran = dictValue(text, key: "fortran_order"),
              let shapeText = dictValue(text, key: "shape") else {
            throw bad("malformed header dict: \(text.trimmingSpaces)")
        }
        let (type, bigEndian) = try dtype(descr.trimmingCharacters(quotes: true), bad: bad)
        switch fortran.trimmingSpaces {
        case "False": break
        case "True":
            throw bad("Fortran-order arrays are not supported; save with np.ascontiguousarray(a) first")
        default: throw bad("malformed fortran_order '\(fortran)'")
        }
        return NpyHeader(elementType: type, bigEndian: bigEndian, shape: try shape(shapeText, bad: bad),
                         dataOffset: start + headerLength)
    }

    /// The magic, the version and the header length: where the dict starts and its length,
    /// checked to lie inside `bytes`.
    private static func preamble(_ bytes: [UInt8], bad: (String) -> StorageError) throws(StorageError) -> (start: Int, length: Int) {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10 else { throw bad("truncated: the file has \(bytes.count) bytes, an .npy header needs at least 10") }
        guard Array(bytes[0..<6]) == magic else { throw bad("not an .npy file (bad magic)") }
        let major = bytes[6]
        let headerLength: Int
        let start: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw bad("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        default:
            throw bad("unsupported .npy format version \(major).\(bytes[7])")
        }
        guard bytes.count >= start + headerLength else {
            throw bad("truncated: header declares \(headerLength) bytes, file has \(bytes.count - start)")
        }
        return (start, headerLength)
    }

    /// The element type and byte order of a dtype string such as `<f4` or `|u1`.
    private static func dtype(_ d: String, bad: (String) -> StorageError) throws(StorageError) -> (ElementType, bigEndian: Bool) {
        guard d.count >= 3, let order = d.first else { throw bad("malformed dtype '\(d)'") }
        let type: ElementType
        switch String(d.dropFirst()) {
        case "u1": type = .uint8
        case "f2": type = .float16
        case "f4": type = .float32
        case "f8": type = .float64
        default:
            throw bad("unsupported dtype '\(d)': masksearch reads uint8, float16, float32 and float64")
        }
        switch order {
        case "<", "|", "=": return (type, false)
        case ">": return (type, type.size > 1)
        default: throw bad("malformed dtype '\(d)'")
        }
    }

    /// The dimensions of a shape tuple such as `(3, 224, 224)` or `(5L, 7L)`.
    private static func shape(_ shapeText: String, bad: (String) -> StorageError) throws(StorageError) -> [Int] {
        let inner = shapeText.trimmingSpaces.dropFirst().dropLast()   // strip ( )
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = String(part).trimmingSpaces.replacingL
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { throw bad("malformed shape '\(shapeText)'") }
            shape.append(v)
        }
        return shape
    }

    /// The raw text of `key`'s value in a Python dict literal (a quoted string, a tuple or a bare word).
    private static func dictValue(_ text: String, key: String) -> String? {
        let chars = Array(text)
        for quote in ["'", "\""] {
            let needle = Array(quote + key + quote)
            guard let at = find(needle, in: chars) else { continue }
            var i = at + needle.count
            while i < chars.count && (chars[i] == " " || chars[i] == ":") { i += 1 }
            guard i < chars.count else { return nil }
            var j = i
            switch chars[i] {
            case "(":
                while j < chars.count && chars[j] != ")" { j += 1 }
                return j < chars.count ? String(chars[i...j]) : nil
            case "'", "\"":
                let q = chars[i]
                j = i + 1
                while j < chars.count && chars[j] != q { j += 1 }
                return j < chars.count ? String(chars[i...j]) : nil
            default:
                while j < chars.count && chars[j] != "," && chars[j] != "}" { j += 1 }
                return String(chars[i..<j])
            }
        }
        return nil
    }

    private static func find(_ needle: [Character], in hay: [Character]) -> Int? {
        guard needle.count <= hay.count else { return nil }
        for i in 0...(hay.count - needle.count) where Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
    var replacingL: String { hasSuffix("L") ? String(dropLast()) : self }
    func trimmingCharacters(quotes: Bool) -> String {
        var s = trimmingSpaces
        if s.count >= 2, let f = s.first, f == "'" || f == "\"", s.last == f { s = String(s.dropFirst().dropLast()) }
        return s
    }
}
