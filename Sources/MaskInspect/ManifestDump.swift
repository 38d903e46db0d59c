import Foundation
import MaskFormat
import MaskStorage

/// The dump of a `MANIFEST` (Format/manifest.md): the frame (magic, version, JSON length,
/// CRC-32C) checked field by field, the decoded JSON, and cross-checks against the
/// directory it sits in (every file it names exists; file numbers are below
/// `nextFileNumber`; names follow the `seg-NNNNNN.mss` / `roi-NNNNNN.msr` pattern).
public struct ManifestDump: FileDumper {
    public let displayName: String
    public let fileSize: Int
    public let version: UInt32?
    public let jsonLength: Int?
    public let storedCRC: UInt32?
    public let computedCRC: UInt32?
    /// The decoded manifest (also when its checksum is bad, if the JSON still parses).
    public let manifest: Manifest?
    public let corruptions: [FormatError]
    /// The first 16 bytes and the last 4 (the frame around the JSON).
    let frameHead: [UInt8]
    let frameTail: [UInt8]

    init(file: MappedFile) {
        displayName = FileDump.lastComponent(file.path)
        let bytes = file.bytes
        fileSize = bytes.count
        frameHead = Array(bytes.prefix(ManifestLayout.headerSize))
        frameTail = bytes.count >= ManifestLayout.minimumSize ? Array(bytes.suffix(4)) : []
        var decoding = Decoding()
        if bytes.count < ManifestLayout.minimumSize {
            decoding.found.append(FormatError(.outOfBounds, structure: "manifest", offset: 0,
                                              detail: "\(bytes.count) bytes, shorter than the \(ManifestLayout.minimumSize)-byte frame"))
        } else {
            decoding.decode(bytes)
        }
        if let m = decoding.manifest {
            decoding.found += ManifestDump.check(m, directory: (file.path as NSString).deletingLastPathComponent)
        }
        version = decoding.version
        jsonLength = decoding.length
        storedCRC = decoding.stored
        computedCRC = decoding.computed
        manifest = decoding.manifest
        corruptions = decoding.found
    }

    /// What the dumper learns from the frame and the JSON, field by field, and the damage it
    /// found; it keeps going past damage as far as the bytes allow.
    private struct Decoding {
        var version: UInt32?, length: Int?, stored: UInt32?, computed: UInt32?, manifest: Manifest?
        var found: [FormatError] = []

        mutating func decode(_ bytes: UnsafeRawBufferPointer) {
            let s = "manifest"
            typealias O = ManifestLayout.Offset
            let head = ManifestLayout.headerSize
            if Array(bytes[O.magic..<(O.magic + 8)]) != ManifestLayout.magic { found.append(FormatError(.badMagic, structure: s, offset: 0)) }
            let v = loadLittleEndian(UInt32.self, from: bytes, at: O.version)
            version = v
            if v != ManifestLayout.version {
                found.append(FormatError(.unsupportedVersion, structure: s, offset: UInt64(O.version),
                                         detail: "version \(v), this build reads \(ManifestLayout.version)"))
            }
            let n = Int(loadLittleEndian(UInt32.self, from: bytes, at: O.jsonLength))
            length = n
            guard n <= bytes.count - ManifestLayout.minimumSize else {
                found.append(FormatError(.outOfBounds, structure: s, offset: UInt64(O.jsonLength), detail: "JSON length \(n) in a \(bytes.count)-byte file"))
                return
            }
            let st = loadLittleEndian(UInt32.self, from: bytes, at: head + n)
            let c = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(head + n)]))
            (stored, computed) = (st, c)
            if st != c {
                found.append(FormatError(.checksumMismatch, structure: s, offset: UInt64(head + n), detail: "stored \(hex32(st)), computed \(hex32(c))"))
            }
            if n + ManifestLayout.minimumSize != bytes.count {
                found.append(FormatError(.invalidField, structure: s, offset: UInt64(head + n + 4),
                                         detail: "\(bytes.count - ManifestLayout.minimumSize - n) trailing bytes"))
            }
            decodeJSON(UnsafeRawBufferPointer(rebasing: bytes[head..<(head + n)]))
        }

        mutating func decodeJSON(_ json: UnsafeRawBufferPointer) {
            do throws(FormatError) {
                manifest = try Manifest.decodeJSON(json, file: "")
            } catch {
                found.append(FormatError(.invalidField, structure: "manifest JSON", offset: error.offset, detail: "does not decode: \(error.detail)"))
            }
        }
    }

    /// Semantic checks of a decoded manifest, and of the files it names in `directory`.
    static func check(_ m: Manifest, directory: String) -> [FormatError] {
        var out: [FormatError] = []
        let s = "manifest JSON"
        func bad(_ d: String) { out.append(FormatError(.invalidField, structure: s, detail: d)) }
        if m.version != 1 { bad("version \(m.version)") }
        if m.height <= 0 || m.width <= 0 { bad("shape \(m.height) x \(m.width)") }
        if m.format == nil { bad("pixel format '\(m.pixelFormat)'") }
        if m.bandRows <= 0 || m.bandRows > Int(UInt16.max) { bad("band rows \(m.bandRows)") }
        for c in m.extraColumns where !["INT64", "FLOAT64", "TEXT"].contains(c.type) { bad("column '\(c.name)' has type '\(c.type)'") }
        func number(_ name: String, prefix: String, ext: String) -> Int? {
            guard name.hasPrefix(prefix + "-"), name.hasSuffix("." + ext), name.count == prefix.count + 8 + ext.count else { return nil }
            return Int(name.dropFirst(prefix.count + 1).prefix(6))
        }
        var names = Set<String>()
        func file(_ name: String, prefix: String, ext: String) {
            if !names.insert(name).inserted { bad("file \(name) named twice") }
            guard let n = number(name, prefix: prefix, ext: ext) else { bad("file name '\(name)' is not \(prefix)-NNNNNN.\(ext)"); return }
            if n >= m.nextFileNumber { bad("file \(name) is numbered at or above nextFileNumber \(m.nextFileNumber)") }
            if !FileManager.default.fileExists(atPath: directory + "/" + name) {
                out.append(FormatError(.outOfBounds, structure: "manifest", detail: "names \(name), which is missing from the directory"))
            }
        }
        for seg in m.segments {
            file(seg.file, prefix: "seg", ext: "mss")
            if seg.maskCount <= 0 { bad("segment \(seg.file) has \(seg.maskCount) masks") }
            if let i = seg.indexFile { file(i, prefix: "chi", ext: "chi") }
        }
        var roiNames = Set<String>()
        for r in m.roiSets {
            file(r.file, prefix: "roi", ext: "msr")
            if !roiNames.insert(r.name).inserted { bad("ROI set '\(r.name)' named twice") }
            if r.key != "image_id" && r.key != "mask_id" { bad("ROI set '\(r.name)' has key '\(r.key)'") }
            for h in r.histograms ?? [] {
                file(h.file, prefix: "rhi", ext: "rhi")
                if !m.segments.contains(where: { $0.file == h.segment }) { bad("ROI set '\(r.name)' has histograms of \(h.segment), not a segment") }
            }
        }
        return out
    }

    @discardableResult
    public func write<Out: TextOutputStream>(_ options: DumpOptions, to out: inout Out) -> Int {
        if options.json {
            out.write(json().rendered() + "\n")
            return corruptions.count
        }
        func line(_ key: String, _ value: String) { out.write((key + ":").padding(to: 14) + value + "\n") }
        line("file", displayName)
        line("kind", "manifest")
        line("size", "\(fileSize) bytes")
        line("version", version.map { "\($0) (this build reads 1)" } ?? "-")
        line("JSON length", jsonLength.map { "\($0) bytes" } ?? "-")
        line("checksum", storedCRC.map { hex32($0) + ($0 == computedCRC ? " OK" : " BAD (computed \(hex32(computedCRC ?? 0)))") } ?? "-")
        if let m = manifest {
            line("shape", "\(m.height) x \(m.width)")
            line("pixel format", m.pixelFormat)
            line("band rows", "\(m.bandRows)")
            line("columns", (ColumnDescriptor.builtins.map { "\($0.name) INT64" } + m.extraColumns.map { "\($0.name) \($0.type)" })
                .joined(separator: ", "))
            line("segments", "\(m.segments.count), \(m.segments.reduce(0) { $0 + $1.maskCount }) masks")
            for seg in m.segments {
                out.write("  \(seg.file)  \(seg.maskCount) masks  index: \(seg.indexFile ?? "none")\n")
            }
            line("roi sets", "\(m.roiSets.count)")
            for r in m.roiSets {
                out.write("  \(r.name)  \(r.file)  \(r.count) boxes keyed by \(r.key)\n")
                for h in r.histograms ?? [] { out.write("    histograms of \(h.segment): \(h.file)\n") }
            }
            line("index", m.index.map { "bins \($0.bins), cell \($0.cell)" } ?? "none")
            line("next file", "\(m.nextFileNumber)")
        }
        if options.header {
            out.write("\nmanifest frame\n")
            for l in Text.hexLines(frameHead, baseOffset: 0) { out.write(l + "\n") }
            if !frameTail.isEmpty { for l in Text.hexLines(frameTail, baseOffset: fileSize - 4) { out.write(l + "\n") } }
            let rows: [[String]] = [
                ["0", "8", "magic", Text.hex(frameHead.prefix(8)), Array(frameHead.prefix(8)) == Manifest.magic ? "OK" : "BAD"],
                ["8", "4", "version", version.map(String.init) ?? "-", version == 1 ? "OK" : "BAD"],
                ["12", "4", "JSON length n", jsonLength.map(String.init) ?? "-", jsonLength.map { $0 + 20 == fileSize ? "OK" : "BAD" } ?? "-"],
                ["16", "n", "JSON (UTF-8)", manifest == nil ? "does not decode" : "decodes", manifest == nil ? "BAD" : "OK"],
                ["16+n", "4", "CRC-32C of 0..<16+n", storedCRC.map(hex32) ?? "-",
                 storedCRC.map { $0 == computedCRC ? "OK" : "BAD (computed \(hex32(computedCRC ?? 0)))" } ?? "-"],
            ]
            for l in Text.table(["off", "size", "field", "value", "check"], rows, rightAligned: [true, true, false, false, false]) {
                out.write(l + "\n")
            }
        }
        FileDump.writeCorruptions(corruptions, to: &out)
        return corruptions.count
    }

    public func json() -> JSONValue {
        var o: [(String, JSONValue)] = [
            ("file", .string(displayName)), ("kind", .string("manifest")), ("size", .int(fileSize)),
            ("version", version.map { .int(Int64($0)) } ?? .null), ("json_length", .optional(jsonLength)),
            ("checksum_ok", storedCRC.map { .bool($0 == computedCRC) } ?? .null),
        ]
        if let m = manifest {
            o += [
                ("height", .int(m.height)), ("width", .int(m.width)), ("pixel_format", .string(m.pixelFormat)),
                ("band_rows", .int(m.bandRows)),
                ("extra_columns", .array(m.extraColumns.map { .object([("name", .string($0.name)), ("type", .string($0.type))]) })),
                ("segments", .array(m.segments.map {
                    .object([("file", .string($0.file)), ("mask_count", .int($0.maskCount)), ("index_file", $0.indexFile.map { .string($0) } ?? .null)])
                })),
                ("roi_sets", .array(m.roiSets.map {
                    .object([("name", .string($0.name)), ("file", .string($0.file)), ("key", .string($0.key)), ("count", .int($0.count)),
                             ("histograms", $0.histograms.map { .array($0.map { .object([("segment", .string($0.segment)), ("file", .string($0.file))]) }) } ?? .null)])
                })),
                ("index", m.index.map { .object([("bins", .int($0.bins)), ("cell", .int($0.cell))]) } ?? .null),
                ("next_file_number", .int(m.nextFileNumber)),
            ]
        }
        o += [("corruptions", .array(corruptions.map(FileDump.json))), ("corruption_count", .int(corruptions.count))]
        return .object(o)
    }
}
