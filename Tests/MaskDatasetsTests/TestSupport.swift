import Foundation
@testable import MaskDatasets

/// A fresh temporary directory, removed by `cleanUp()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("maskdatasets-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// A small configuration that keeps debug-build tests fast: 32×40 masks (W not a multiple of
/// the 8-lane SIMD width, so row tails are exercised).
func smallConfiguration(masks: Int = 60, seed: UInt64 = 7, elementType: MaskElementType = .uint8,
                        images: Bool = true) -> DatasetGenerator.Configuration {
    DatasetGenerator.Configuration(maskCount: masks, height: 32, width: 44, seed: seed,
                                   elementType: elementType, writeImages: images)
}

/// Generates `configuration` into a new temporary directory, in chunks of about
/// `chunkBytes` mask bytes when given.
func generate(_ configuration: DatasetGenerator.Configuration, chunkBytes: Int? = nil) throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory()
    var generator = DatasetGenerator(configuration: configuration)
    if let chunkBytes { generator.targetChunkBytes = chunkBytes }
    try generator.write(to: directory.url)
    return directory
}

/// A parsed `.npy` file: the header fields and the raw data bytes.
struct ParsedNPY {
    let major: UInt8
    let minor: UInt8
    let headerLength: Int
    let dictionary: String
    let data: Data

    enum Failure: Error { case badMagic, truncated, badDictionary(String) }

    init(_ bytes: Data) throws {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes.prefix(6)) == magic else { throw Failure.badMagic }
        major = bytes[bytes.startIndex + 6]
        minor = bytes[bytes.startIndex + 7]
        headerLength = Int(bytes[bytes.startIndex + 8]) | Int(bytes[bytes.startIndex + 9]) << 8
        guard bytes.count >= 10 + headerLength else { throw Failure.truncated }
        guard let text = String(data: bytes.subdata(in: 10..<(10 + headerLength)), encoding: .ascii) else {
            throw Failure.badDictionary("not ASCII")
        }
        dictionary = text
        data = bytes.subdata(in: (10 + headerLength)..<bytes.count)
    }

    /// The value of `'descr'`.
    var descriptor: String? { capture(after: "'descr': '", until: "'") }

    /// The value of `'fortran_order'`.
    var fortranOrder: String? { capture(after: "'fortran_order': ", until: ",") }

    /// The integers of `'shape'`.
    var shape: [Int]? {
        capture(after: "'shape': (", until: ")").map { text in
            text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
    }

    private func capture(after prefix: String, until terminator: Character) -> String? {
        guard let start = dictionary.range(of: prefix)?.upperBound,
              let end = dictionary[start...].firstIndex(of: terminator) else { return nil }
        return String(dictionary[start..<end])
    }
}

/// The data rows of a CSV file (header dropped), split on commas.
func csvRows(_ url: URL) throws -> (header: [String], rows: [[String]]) {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    let split = lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    return (split.first ?? [], Array(split.dropFirst()))
}

/// The masks of a generated dataset as Double values, one array per mask.
func maskValues(_ directory: URL, configuration c: DatasetGenerator.Configuration) throws -> [[Double]] {
    let npy = try ParsedNPY(Data(contentsOf: directory.appendingPathComponent("masks.npy")))
    let pixels = c.height * c.width
    return npy.data.withUnsafeBytes { raw in
        (0..<c.maskCount).map { m in
            (0..<pixels).map { p in
                switch c.elementType {
                case .uint8:
                    return Double(raw[m * pixels + p]) / 255.0
                case .float32:
                    let bits = raw.loadUnaligned(fromByteOffset: (m * pixels + p) * 4, as: UInt32.self)
                    return Double(Float(bitPattern: UInt32(littleEndian: bits)))
                }
            }
        }
    }
}

/// CRC-32 as zlib's `crc32` computes it (reflected polynomial 0xEDB88320), bit by bit.
func zlibCRC32(_ data: Data) -> UInt32 {
    var table = [UInt32](repeating: 0, count: 256)
    for n in 0..<256 {
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        table[n] = c
    }
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in data { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
}
