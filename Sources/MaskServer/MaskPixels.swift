import MaskFormat
import MaskStorage

/// One stored mask read whole: its codes as stored (little-endian, `pixelFormat.bytesPerPixel`
/// bytes each, row-major) and its values in [0, 1] by the format's value semantics.
struct MaskPixels: Sendable {
    let width: Int
    let height: Int
    let pixelFormat: PixelFormat
    let bytes: [UInt8]

    init(database: Database, row: Int) throws {
        width = database.width
        height = database.height
        pixelFormat = database.pixelFormat
        var buffer = [UInt8](repeating: 0, count: width * height * pixelFormat.bytesPerPixel)
        let h = height
        try buffer.withUnsafeMutableBytes { try database.readPixels(row: row, rows: 0..<h, into: $0) }
        bytes = buffer
    }

    /// The stored code of pixel `i` (row-major).
    func code(_ i: Int) -> UInt32 {
        switch pixelFormat {
        case .uint8: return UInt32(bytes[i])
        case .float16: return UInt32(bytes[2 * i]) | UInt32(bytes[2 * i + 1]) << 8
        case .float32:
            return UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24
        }
    }

    /// Every pixel's value (`PixelFormat.value(ofCode:)`).
    var values: [Double] {
        (0..<(width * height)).map { pixelFormat.value(ofCode: code($0)) }
    }

    /// The NumPy descriptor of the stored dtype.
    var npyDescriptor: String {
        switch pixelFormat {
        case .uint8: return "|u1"
        case .float16: return "<f2"
        case .float32: return "<f4"
        }
    }
}
