import Foundation
import MaskFormat

/// The manifest: the one file that says what a database holds — shape, pixel format,
/// schema, the live segment files, the ROI sets and the index parameters. Every change to a
/// database writes new immutable files first and then replaces the manifest atomically
/// (`writeFileAtomically`: temp file, fsync, rename, fsync the directory), so a crash leaves
/// the old state or the new one, never a mix.
///
/// On disk (Format/manifest.md): `\x89MSKMAN\n` (8 bytes), u32 version (1), u32 length n,
/// n bytes of UTF-8 JSON (this struct, keys sorted), u32 CRC-32C of all preceding bytes.
public struct Manifest: Codable, Sendable, Equatable {
    public struct Segment: Codable, Sendable, Equatable {
        public var file: String
        public var maskCount: Int
        /// CHI sibling file, when the index has been created for this segment.
        public var indexFile: String?
    }
    public struct Column: Codable, Sendable, Equatable {
        public var name: String
        public var type: String
    }
    public struct ROISetEntry: Codable, Sendable, Equatable {
        public var name: String
        public var file: String
        public var key: String
        public var count: Int
    }
    public struct IndexParameters: Codable, Sendable, Equatable {
        public var bins: Int
        public var cell: Int
        public init(bins: Int, cell: Int) {
            self.bins = bins
            self.cell = cell
        }

        /// The defaults for masks of this size (`IndexLayout.defaultBins`, `defaultCell`).
        public static func defaults(height: Int, width: Int) -> IndexParameters {
            IndexParameters(bins: IndexLayout.defaultBins, cell: IndexLayout.defaultCell(height: height, width: width))
        }
    }

    public var version: Int = 1
    public var height: Int
    public var width: Int
    public var pixelFormat: String
    public var bandRows: Int
    public var extraColumns: [Column]
    public var segments: [Segment]
    public var roiSets: [ROISetEntry]
    public var index: IndexParameters?
    /// The next number for a new file name (`seg-000007.mss`, `roi-000008.msr`, ...).
    public var nextFileNumber: Int
    /// The images of the masks (`ingest --images`, an absolute path; CONTRACT.md section 5);
    /// absent in manifests written before it existed.
    public var imageFolder: String? = nil

    public static let fileName = "MANIFEST"
    public static let magic: [UInt8] = [0x89, 0x4D, 0x53, 0x4B, 0x4D, 0x41, 0x4E, 0x0A]

    public var format: PixelFormat? { PixelFormat(name: pixelFormat) }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let json = (try? encoder.encode(self)).map { Array($0) } ?? []
        var w = ByteWriter(capacity: json.count + 20)
        w.raw(Manifest.magic)
        w.u32(1)
        w.u32(UInt32(json.count))
        w.raw(json)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws(FormatError) -> Manifest {
        let s = "manifest"
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else {
            throw FormatError(.badMagic, structure: s, file: file, offset: 0)
        }
        var r = ByteReader(bytes, at: 8, structure: s)
        let version = try r.u32()
        guard version == 1 else {
            throw FormatError(.unsupportedVersion, structure: s, file: file, offset: 8, detail: "version \(version)")
        }
        let n = Int(try r.u32())
        guard n <= bytes.count - 20 else {
            throw FormatError(.outOfBounds, structure: s, file: file, offset: 12, detail: "JSON length \(n)")
        }
        let json = try r.bytes(n)
        let stored = try r.u32()
        let computed = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(16 + n)]))
        guard stored == computed else {
            throw FormatError(.checksumMismatch, structure: s, file: file, offset: UInt64(16 + n),
                              detail: "stored \(hex32(stored)), computed \(hex32(computed))")
        }
        guard r.position == bytes.count else {
            throw FormatError(.invalidField, structure: s, file: file, offset: UInt64(r.position), detail: "trailing bytes")
        }
        do {
            let m = try JSONDecoder().decode(Manifest.self, from: Data(json))
            guard m.format != nil, m.height > 0, m.width > 0 else {
                throw FormatError(.invalidField, structure: s, file: file, detail: "bad shape or pixel format")
            }
            return m
        } catch let e as FormatError {
            throw e
        } catch {
            throw FormatError(.invalidField, structure: s, file: file, offset: 16, detail: "JSON: \(error)")
        }
    }

    /// Records `folder` (an absolute path) as the database's image folder, under the lock.
    public static func recordImageFolder(_ folder: String, in directory: String) throws(StorageError) {
        let lock = try DatabaseLock(directory: directory)
        defer { lock.release() }
        var manifest = try Database.readManifest(directory)
        manifest.imageFolder = folder
        try lock.commit(manifest)
    }

    public static func fileName(prefix: String, number: Int, ext: String) -> String {
        let digits = String(number)
        return prefix + "-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + "." + ext
    }
}
