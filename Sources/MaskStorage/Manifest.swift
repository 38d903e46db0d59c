import Foundation
import MaskFormat

/// The manifest: the one file that says what a database holds — shape, pixel format,
/// schema, the live segment files, the ROI sets and the index parameters. Every change to a
/// database writes new immutable files first and then replaces the manifest atomically
/// (`writeFileAtomically`: temp file, fsync, rename, fsync the directory), so a crash leaves
/// the old state or the new one, never a mix.
///
/// On disk (Format/manifest.md): this struct as UTF-8 JSON (keys sorted) in the frame of
/// `ManifestLayout` (MaskFormat): magic, version, length, JSON, CRC-32C.
public struct Manifest: Encodable, Sendable, Equatable {
    public struct Segment: Encodable, Sendable, Equatable {
        public var file: String
        public var maskCount: Int
        /// CHI sibling file, when the index has been created for this segment.
        public var indexFile: String?
    }
    public struct Column: Encodable, Sendable, Equatable {
        public var name: String
        public var type: String
    }
    public struct ROISetEntry: Encodable, Sendable, Equatable {
        public var name: String
        public var file: String
        public var key: String
        public var count: Int
        /// The set's ROI histogram files (`rhi-`, one per segment that has one; Format/roi-histograms.md),
        /// written by `masksearch index`; absent until then, and gone when the set is replaced.
        public var histograms: [ROIHistogramEntry]? = nil

        /// The name of the set's histogram file for the segment file `segment`, if it has one.
        public func histogramFile(for segment: String) -> String? {
            histograms?.first { $0.segment == segment }?.file
        }
    }
    /// One ROI histogram file: the set's boxes' histograms of the masks of `segment`.
    public struct ROIHistogramEntry: Encodable, Sendable, Equatable {
        public var segment: String
        public var file: String
        public init(segment: String, file: String) {
            self.segment = segment
            self.file = file
        }
    }
    public struct IndexParameters: Encodable, Sendable, Equatable {
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
    /// The file's magic (`ManifestLayout.magic`).
    public static var magic: [UInt8] { ManifestLayout.magic }

    public var format: PixelFormat? { PixelFormat(name: pixelFormat) }

    /// The file's bytes: this struct as JSON (keys sorted) in `ManifestLayout`'s frame.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let json = (try? encoder.encode(self)).map { Array($0) } ?? []
        return ManifestLayout.frame(json: json)
    }

    /// Decodes a file: its frame checked by `ManifestLayout`, then the JSON (`JSONValue.parse`,
    /// then `init(json:)`: the field and the problem named in the error).
    public static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws(FormatError) -> Manifest {
        let s = "manifest"
        let m = try decodeJSON(try ManifestLayout.json(in: bytes, file: file), file: file)
        guard m.format != nil, m.height > 0, m.width > 0 else {
            throw FormatError(.invalidField, structure: s, file: file, detail: "bad shape or pixel format")
        }
        return m
    }

    /// The manifest in `json` (the frame's JSON, at `ManifestLayout.headerSize` in `file`):
    /// `JSONValue.parse`, then `init(json:)`; the error names the byte or the field.
    public static func decodeJSON(_ json: UnsafeRawBufferPointer, file: String) throws(FormatError) -> Manifest {
        let s = "manifest"
        let value: JSONValue
        do throws(JSONParseError) {
            value = try JSONValue.parse(json)
        } catch {
            throw FormatError(.invalidField, structure: s, file: file, offset: UInt64(ManifestLayout.headerSize + error.offset), detail: "JSON: \(error)")
        }
        do throws(ManifestJSONError) {
            return try Manifest(json: value)
        } catch {
            throw FormatError(.invalidField, structure: s, file: file, offset: UInt64(ManifestLayout.headerSize), detail: "JSON: \(error)")
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
