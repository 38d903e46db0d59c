/// The header of a NumPy `.npy` file, format version 1.0
/// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
///
/// | Offset | Size | Content                                                        |
/// |--------|------|----------------------------------------------------------------|
/// | 0      | 6    | magic `\x93NUMPY`                                              |
/// | 6      | 2    | version 1, 0                                                   |
/// | 8      | 2    | header length L, little-endian uint16                          |
/// | 10     | L    | ASCII dict `{'descr': …, 'fortran_order': False, 'shape': (…), }`, space-padded, ending in `\n` |
///
/// L is chosen so the data starts at a multiple of 64 bytes (NumPy itself pads to 64).
public struct NPYHeader: Sendable, Equatable {
    public let descriptor: String
    public let shape: [Int]

    public init(descriptor: String, shape: [Int]) {
        self.descriptor = descriptor
        self.shape = shape
    }

    /// The data alignment the header pads to.
    public static let alignment = 64

    /// The complete header bytes (magic through the final newline).
    ///
    /// - Throws: `.invalidConfiguration` when the dict does not fit version 1.0's 65,535 bytes.
    public func encoded() throws(DatasetGenerationError) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ")
        let shapeText = shape.count == 1 ? "(\(dims),)" : "(\(dims))"
        let dict = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + dict.utf8.count + 1
        let total = (unpadded + Self.alignment - 1) / Self.alignment * Self.alignment
        let headerLength = total - 10
        guard headerLength <= Int(UInt16.max) else {
            throw DatasetGenerationError(.invalidConfiguration, "npy header too long (\(headerLength) bytes)")
        }
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes.append(UInt8(headerLength & 0xFF))
        bytes.append(UInt8(headerLength >> 8))
        bytes += Array(dict.utf8)
        bytes += [UInt8](repeating: 0x20, count: total - bytes.count - 1)
        bytes.append(0x0A)
        return bytes
    }
}
