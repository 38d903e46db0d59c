import MaskFormat
import MaskStorage

/// The dump of a segment file (`seg-NNNNNN.mss`): a summary with declared values beside
/// recomputed ones, optionally the header and footer field by field (`--header`) and a row
/// per block (`--blocks`), or all of it as JSON. Works on damaged files: see
/// `SegmentInspection` for what is checked and how it recovers.
public struct SegmentDump: FileDumper {
    public let displayName: String
    public let inspection: SegmentInspection

    public var corruptions: [FormatError] { inspection.corruptions }

    /// Inspects the segment at `path`.
    public init(path: String) throws(DumpError) {
        let file: MappedFile
        do throws(StorageError) {
            file = try MappedFile(path: path)
        } catch {
            throw DumpError.missing(path: path, reason: "cannot be read (\(error))")
        }
        self.init(file: file)
    }

    init(file: MappedFile) {
        displayName = FileDump.lastComponent(file.path)
        inspection = SegmentInspection(bytes: file.bytes)
    }

    @discardableResult
    public func write<Out: TextOutputStream>(_ options: DumpOptions, to out: inout Out) -> Int {
        if options.json {
            out.write(json().rendered() + "\n")
            return corruptions.count
        }
        writeSummary(to: &out)
        if options.header { writeHeader(to: &out) }
        if options.blocks { writeBlocks(to: &out) }
        FileDump.writeCorruptions(corruptions, warnings: inspection.warnings, to: &out)
        return corruptions.count
    }

    // MARK: Summary

    struct Totals {
        var stored = 0, raw = 0, lz4 = 0, rawBlocks = 0
    }

    var totals: Totals {
        var t = Totals()
        for b in inspection.blocks {
            t.stored += Int(b.descriptor.storedSize)
            t.raw += Int(b.descriptor.rawSize)
            if b.descriptor.isRaw { t.rawBlocks += 1 } else { t.lz4 += 1 }
        }
        return t
    }

    /// `n (source)` pairs, skipping unknown values.
    private func declared(_ pairs: [(Int?, String)]) -> String {
        let parts = pairs.compactMap { v, s in v.map { "\($0) (\(s))" } }
        return parts.isEmpty ? "unknown" : parts.joined(separator: " ")
    }

    public func writeSummary<Out: TextOutputStream>(to out: inout Out) {
        let i = inspection
        let h = i.header, rh = i.rawHeader, f = i.footer
        func line(_ key: String, _ value: String) { out.write((key + ":").padding(to: 14) + value + "\n") }
        line("file", displayName)
        line("kind", "segment")
        line("size", "\(i.fileSize) bytes")
        let startMagic = rh.map { $0.magic == SegmentLayout.magic ? "OK" : "BAD" } ?? "missing"
        let endMagic = i.rawFooter.map { $0.magic == SegmentLayout.magic ? "OK" : "BAD" } ?? "missing"
        line("magic", "\(Text.hex(SegmentLayout.magic)) (start \(startMagic), end \(endMagic))")
        if let rh {
            line("version", "write \(rh.writeVersion), read \(rh.readVersion) (this build reads up to \(SegmentLayout.readVersion))")
            line("shape", "\(rh.height) x \(rh.width)" + (h == nil ? " (header damaged)" : ""))
            line("pixel format", PixelFormat(rawValue: rh.pixelFormat).map { "\($0) (\(rh.pixelFormat))" } ?? "unknown (\(rh.pixelFormat))")
            line("band rows", "\(rh.bandRows) (\(rh.bandsPerMask) bands per mask)")
        }
        let bpm = i.bandsPerMask
        let masksFromDir = i.directoryBlockCount.flatMap { n in bpm.map { n / $0 } }
        let masksFromWalk = bpm.map { i.walkedBlockCount / $0 }
        line("masks", declared([(h?.maskCount ?? rh.map { Int($0.maskCount) }, h == nil ? "header, damaged" : "header"),
                                (f?.maskCount, "footer"), (masksFromDir, "block directory"), (masksFromWalk, "block walk"),
                                (i.maskIDColumn?.count, "mask_id column")]))
        let expectedBlocks = h.map { $0.maskCount * $0.bandsPerMask }
        line("blocks", declared([(expectedBlocks, "header: masks x bands"), (i.directoryBlockCount, "block directory"),
                                 (i.walkedBlockCount, "block walk")]))
        let t = totals
        let expectedRaw = h.map { $0.maskCount * $0.height * $0.width * $0.pixelFormat.bytesPerPixel }
        line("raw bytes", declared([(expectedRaw, "header: masks x height x width x pixel size"), (t.raw, "blocks")]))
        let headers = i.blocks.count * SegmentLayout.blockHeaderSize
        line("stored bytes", "\(t.stored) payload + \(headers) block headers = \(t.stored + headers)")
        line("ratio", t.stored + headers > 0 ? Text.fixed2(Double(t.raw) / Double(t.stored + headers)) + " (raw / stored)" : "-")
        line("block kinds", "\(t.lz4) lz4, \(t.rawBlocks) raw")
        let bad = i.blocks.filter { $0.problems > 0 }.count
        line("block checks", "\(i.blocks.count - bad) OK, \(bad) BAD" + (i.blocksFromDirectory ? "" : " (blocks found by walking block headers)"))
        line("columns", i.footer == nil ? "unknown (footer damaged)" : "\(i.columns.count)")
        if !i.columns.isEmpty {
            // Statistics columns only for a file that has them (version 2), so version-1
            // output is unchanged.
            let stats = i.columns.contains { $0.descriptor.statistics != nil }
            let rows = i.columns.map { c -> [String] in
                let s = c.descriptor.statistics
                return [c.descriptor.name, c.descriptor.type.description, c.nulls.map(String.init) ?? "?",
                        String(c.descriptor.offset), String(c.descriptor.length),
                        c.checksumOK.map { $0 ? "OK" : "BAD" } ?? "-"]
                    + (stats ? [s.map { Text.value($0.minimum) } ?? "-", s.map { Text.value($0.maximum) } ?? "-"] : [])
            }
            let head = ["name", "type", "nulls", "offset", "length", "checksum"] + (stats ? ["min", "max"] : [])
            for l in Text.table(head, rows, rightAligned: [false, false, true, true, true, false] + (stats ? [true, true] : [])) {
                out.write(l + "\n")
            }
        }
        for n in i.notes { out.write("note: \(n)\n") }
    }

    // MARK: --header

    public func writeHeader<Out: TextOutputStream>(to out: inout Out) {
        out.write("\nsegment header: bytes 0..<64\n")
        guard let rh = inspection.rawHeader else {
            out.write("  (file too short)\n")
            return
        }
        for l in Text.hexLines(rh.bytes, baseOffset: 0) { out.write(l + "\n") }
        let magicOK = rh.magic == SegmentLayout.magic
        let crcOK = rh.storedCRC == rh.computedCRC
        let fmt = PixelFormat(rawValue: rh.pixelFormat).map { "\($0)" } ?? "unknown"
        let expectedBands = rh.bandRows > 0 ? String((Int(rh.height) + Int(rh.bandRows) - 1) / Int(rh.bandRows)) : "?"
        let rows: [[String]] = [
            ["0", "8", "magic", Text.hex(rh.magic), magicOK ? "OK" : "BAD"],
            ["8", "2", "write version", "\(rh.writeVersion)", ""],
            ["10", "2", "read version", "\(rh.readVersion)", rh.readVersion <= SegmentLayout.readVersion ? "OK" : "too new"],
            ["12", "4", "header size", "\(rh.headerSize)", rh.headerSize == 64 ? "OK" : "BAD"],
            ["16", "4", "height", "\(rh.height)", ""],
            ["20", "4", "width", "\(rh.width)", ""],
            ["24", "1", "pixel format", "\(rh.pixelFormat) (\(fmt))", fmt == "unknown" ? "BAD" : "OK"],
            ["25", "1", "reserved", "\(rh.reserved)", rh.reserved == 0 ? "OK" : "BAD"],
            ["26", "2", "band rows", "\(rh.bandRows)", ""],
            ["28", "4", "mask count", "\(rh.maskCount)", ""],
            ["32", "4", "bands per mask", "\(rh.bandsPerMask)", "\(rh.bandsPerMask)" == expectedBands ? "OK" : "BAD (expected \(expectedBands))"],
            ["36", "4", "flags", "\(rh.flags)", rh.flags == 0 ? "OK" : "BAD"],
            ["40", "20", "reserved", rh.reservedTailIsZero ? "zeros" : "not zero", rh.reservedTailIsZero ? "OK" : "BAD"],
            ["60", "4", "CRC-32C of 0..<60", hex32(rh.storedCRC), crcOK ? "OK" : "BAD (computed \(hex32(rh.computedCRC)))"],
        ]
        for l in Text.table(["off", "size", "field", "value", "check"], rows, rightAligned: [true, true, false, false, false]) {
            out.write(l + "\n")
        }
        guard let rf = inspection.rawFooter else { return }
        let fo = rf.fileOffset
        out.write("\nsegment footer: bytes \(fo)..<\(fo + 64) (the last 64; offsets below are relative to \(fo))\n")
        for l in Text.hexLines(rf.bytes, baseOffset: fo) { out.write(l + "\n") }
        let fcrcOK = rf.storedCRC == rf.computedCRC
        let pieces = rh.readVersion >= SegmentLayout.piecesReadVersion
        let frows: [[String]] = [
            ["0", "8", "column directory offset", "\(rf.columnDirectoryOffset)", ""],
            ["8", "8", "column directory length", "\(rf.columnDirectoryLength)", ""],
            ["16", "8", "block directory offset", "\(rf.blockDirectoryOffset)", ""],
            ["24", "8", "block directory length", "\(rf.blockDirectoryLength)", ""],
            ["32", "4", "column directory CRC-32C", hex32(rf.columnDirectoryCRC), ""],
            ["36", "4", pieces ? "piece checksum table CRC-32C" : "block directory CRC-32C", hex32(rf.blockDirectoryCRC), ""],
            ["40", "4", "mask count", "\(rf.maskCount)", rf.maskCount == rh.maskCount ? "OK (= header)" : "differs from the header (\(rh.maskCount))"],
            pieces ? ["44", "4", "blocks per piece", "\(rf.reserved)", rf.reserved > 0 ? "OK" : "BAD"]
                : ["44", "4", "reserved", "\(rf.reserved)", rf.reserved == 0 ? "OK" : "BAD"],
            ["48", "4", "CRC-32C of 0..<48", hex32(rf.storedCRC), fcrcOK ? "OK" : "BAD (computed \(hex32(rf.computedCRC)))"],
            ["52", "4", "footer length", "\(rf.footerLength)", rf.footerLength == 64 ? "OK" : "BAD"],
            ["56", "8", "magic", Text.hex(rf.magic), rf.magic == SegmentLayout.magic ? "OK" : "BAD"],
        ]
        for l in Text.table(["off", "size", "field", "value", "check"], frows, rightAligned: [true, true, false, false, false]) {
            out.write(l + "\n")
        }
    }

    // MARK: --blocks

    /// One column of the JSON summary; `min` and `max` only when the entry has statistics.
    private func columnJSON(_ c: SegmentInspection.Column) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("name", .string(c.descriptor.name)), ("type", .string(c.descriptor.type.description)),
            ("nulls", .optional(c.nulls)), ("offset", .unsigned(c.descriptor.offset)),
            ("length", .unsigned(c.descriptor.length)), ("checksum_ok", c.checksumOK.map { .bool($0) } ?? .null),
        ]
        if let s = c.descriptor.statistics {
            fields += [("min", Self.json(s.minimum)), ("max", Self.json(s.maximum))]
        }
        return .object(fields)
    }

    private static func json(_ v: ColumnValue) -> JSONValue {
        switch v {
        case .int(let x): return .int(x)
        case .double(let x): return .double(x)
        case .text(let s): return .string(s)
        case .null: return .null
        }
    }

    private func maskID(_ b: SegmentInspection.Block) -> String {
        guard let m = b.mask, let ids = inspection.maskIDColumn, m < ids.count else { return "-" }
        return String(ids[m])
    }

    public func writeBlocks<Out: TextOutputStream>(to out: inout Out) {
        out.write("\nblocks (" + (inspection.blocksFromDirectory ? "from the block directory" : "found by walking block headers") + ")\n")
        let rows = inspection.blocks.map { b -> [String] in
            let d = b.descriptor
            return [String(b.index), b.mask.map(String.init) ?? "?", String(d.band), String(d.offset), String(d.storedSize),
                    String(d.rawSize), d.storedSize > 0 ? Text.fixed2(Double(d.rawSize) / Double(d.storedSize)) : "-",
                    d.isRaw ? "raw" : "lz4", maskID(b), b.checksumOK.map { $0 ? "OK" : "BAD" } ?? "-",
                    b.decodeOK.map { $0 ? "OK" : "BAD" } ?? "-"]
        }
        for l in Text.table(["block", "mask", "band", "offset", "stored", "raw", "ratio", "kind", "mask_id", "checksum", "decode"],
                            rows, rightAligned: [true, true, true, true, true, true, true, false, true, false, false]) {
            out.write(l + "\n")
        }
    }

    // MARK: --json

    public func json() -> JSONValue {
        let i = inspection
        let h = i.header, rh = i.rawHeader, f = i.footer
        let t = totals
        let bpm = i.bandsPerMask
        var summary: [(String, JSONValue)] = [
            ("file", .string(displayName)), ("kind", .string("segment")), ("size", .int(i.fileSize)),
        ]
        if let rh {
            summary += [
                ("magic_ok", .bool(rh.magic == SegmentLayout.magic)),
                ("write_version", .int(Int(rh.writeVersion))), ("read_version", .int(Int(rh.readVersion))),
                ("height", .int(Int(rh.height))), ("width", .int(Int(rh.width))),
                ("pixel_format", .string(PixelFormat(rawValue: rh.pixelFormat)?.description ?? "unknown")),
                ("band_rows", .int(Int(rh.bandRows))), ("bands_per_mask", .int(Int(rh.bandsPerMask))),
            ]
        }
        summary += [
            ("header_ok", .bool(h != nil)), ("footer_ok", .bool(f != nil)),
            ("masks", .object([
                ("header", .optional(rh.map { Int($0.maskCount) })), ("footer", .optional(f?.maskCount)),
                ("block_directory", .optional(i.directoryBlockCount.flatMap { n in bpm.map { n / $0 } })),
                ("block_walk", .optional(bpm.map { i.walkedBlockCount / $0 })),
                ("mask_id_column", .optional(i.maskIDColumn?.count)),
            ])),
            ("blocks", .object([
                ("expected", .optional(h.map { $0.maskCount * $0.bandsPerMask })),
                ("block_directory", .optional(i.directoryBlockCount)), ("block_walk", .int(i.walkedBlockCount)),
            ])),
            ("raw_bytes", .int(t.raw)), ("stored_payload_bytes", .int(t.stored)),
            ("stored_bytes", .int(t.stored + i.blocks.count * SegmentLayout.blockHeaderSize)),
            ("lz4_blocks", .int(t.lz4)), ("raw_blocks", .int(t.rawBlocks)),
            ("columns", .array(i.columns.map(columnJSON))),
        ]
        let blocks: [JSONValue] = i.blocks.map { b in
            let d = b.descriptor
            let id = maskID(b)
            return .object([
                ("index", .int(b.index)), ("mask", .optional(b.mask)), ("band", .int(Int(d.band))),
                ("offset", .unsigned(d.offset)), ("stored_size", .int(Int(d.storedSize))), ("raw_size", .int(Int(d.rawSize))),
                ("raw", .bool(d.isRaw)), ("mask_id", Int64(id).map { .int($0) } ?? .null),
                ("crc", .string(hex32(d.crc))), ("checksum_ok", b.checksumOK.map { .bool($0) } ?? .null),
                ("decode_ok", b.decodeOK.map { .bool($0) } ?? .null),
            ])
        }
        return .object([
            ("summary", .object(summary)),
            ("blocks_from", .string(i.blocksFromDirectory ? "block directory" : "block walk")),
            ("blocks", .array(blocks)),
            ("notes", .array(i.notes.map { .string($0) })),
            ("warnings", .array(i.warnings.map(FileDump.json))),
            ("corruptions", .array(i.corruptions.map(FileDump.json))),
            ("corruption_count", .int(i.corruptions.count)),
        ])
    }
}
