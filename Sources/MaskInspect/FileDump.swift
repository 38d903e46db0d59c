import Foundation
import MaskFormat
import MaskStorage

/// What to write. The summary is always written; `header` adds the hex and decoded fields
/// of the fixed-size structures, `blocks` a row per block (per box for an ROI set); `json`
/// replaces all text with one JSON object.
public struct DumpOptions: Sendable, Equatable {
    public var header = false
    public var blocks = false
    public var json = false
    public init(header: Bool = false, blocks: Bool = false, json: Bool = false) {
        self.header = header
        self.blocks = blocks
        self.json = json
    }
}

/// Why a file could not be dumped at all (as opposed to corruption, which is reported in
/// the dump): the CLI exits 2 for these.
public enum DumpError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing(path: String, reason: String)
    case notMasksearchFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path, let reason): return "error: \(path): \(reason)"
        case .notMasksearchFile(let path, let reason): return "error: \(path) is not a masksearch file: \(reason)"
        }
    }
}

/// The kinds of file a database directory holds, told apart by their 8-byte magic
/// (Format/README.md, "Files").
public enum FileKind: String, Sendable, Equatable {
    case segment
    case manifest
    case roiSet = "roi set"
    case index
    case shardMap = "shard map"
    case roiHistograms = "roi histograms"

    /// `\x89MSK` — every masksearch magic starts with these four bytes.
    static let familyPrefix: [UInt8] = [0x89, 0x4D, 0x53, 0x4B]

    /// The kind of a file from its first 8 bytes, or — for a segment whose header is
    /// damaged — from its last 8 (the footer repeats the magic).
    public static func detect(_ bytes: UnsafeRawBufferPointer) -> FileKind? {
        guard bytes.count >= 8 else { return nil }
        let head = Array(bytes[0..<8])
        if head == SegmentLayout.magic { return .segment }
        if head == ManifestLayout.magic { return .manifest }
        if head == ROISetLayout.magic { return .roiSet }
        if head == IndexLayout.magic { return .index }
        if head == ShardMapLayout.magic { return .shardMap }
        if head == ROIHistogramLayout.magic { return .roiHistograms }
        if Array(bytes[(bytes.count - 8)...]) == SegmentLayout.magic { return .segment }
        return nil
    }
}

/// A dump of one file, writing text to any `TextOutputStream` (GRDB's `DumpFormat`
/// pattern): the CLI prints it, tests compare it to golden files.
public protocol FileDumper {
    /// The file as the dump names it (its last path component, so output does not
    /// depend on where the file lives).
    var displayName: String { get }
    /// Every problem found, in file order.
    var corruptions: [FormatError] { get }
    /// The summary, the views `options` asks for, one `corruption:` line per problem and a
    /// final count; or one JSON object. Returns the number of corruptions.
    @discardableResult
    func write<Out: TextOutputStream>(_ options: DumpOptions, to out: inout Out) -> Int
}

/// Opens `path`, detects its kind and inspects it: the entry point of `masksearch dump`.
public enum FileDump {
    public static func open(path: String) throws(DumpError) -> any FileDumper {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DumpError.missing(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw DumpError.missing(path: path, reason: "is a directory (dump its MANIFEST, seg-*.mss, roi-*.msr, chi-*.chi or rhi-*.rhi files)")
        }
        let file: MappedFile
        do throws(StorageError) {
            file = try MappedFile(path: path)
        } catch {
            throw DumpError.missing(path: path, reason: "cannot be read (\(error))")
        }
        guard let kind = FileKind.detect(file.bytes) else {
            let prefix = file.count >= 4 && Array(file.bytes[0..<4]) == FileKind.familyPrefix
            throw DumpError.notMasksearchFile(
                path: path,
                reason: prefix ? "unknown masksearch magic" : "no masksearch magic at its start or end")
        }
        switch kind {
        case .segment: return SegmentDump(file: file)
        case .manifest: return ManifestDump(file: file)
        case .roiSet: return ROISetDump(file: file)
        case .index: return IndexDump(file: file)
        case .shardMap: return ShardMapDump(file: file)
        case .roiHistograms: return ROIHistogramDump(file: file)
        }
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// Writes the `corruption:` lines and the final count.
    static func writeCorruptions<Out: TextOutputStream>(_ list: [FormatError], warnings: [FormatError] = [], to out: inout Out) {
        for w in warnings { out.write("warning: " + line(w).dropFirst("corruption: ".count) + "\n") }
        for c in list { out.write(line(c) + "\n") }
        out.write("warnings: \(warnings.count)\n")
        out.write("corruptions: \(list.count)\n")
    }

    /// `corruption: <structure>: <what> (<detail>) at byte N` — FormatError's own wording,
    /// without the file name (a dump is about one file).
    static func line(_ e: FormatError) -> String {
        var copy = e
        copy.file = ""
        return copy.description
    }

    static func json(_ e: FormatError) -> JSONValue {
        .object([
            ("structure", .string(e.structure)), ("code", .string(e.code.rawValue)),
            ("offset", e.offset.map { .unsigned($0) } ?? .null), ("detail", .string(e.detail)),
        ])
    }
}
