import MaskFormat
import MaskIndex
import MaskStorage

/// The dump of a Cumulative Histogram Index file (`chi-NNNNNN.chi`, Format/index.md): the
/// header (checked by `IndexHeader.decode`), the layout it implies against the file size,
/// the validity bitmap, the checksum of every valid mask's entries recomputed from the
/// entry columns, and (versions 3 and 4) the delta region: its count against its capacity and every
/// published record's mask number and checksum (`DeltaRegion.scan`). `--blocks` lists the
/// masks. Corruption of one mask or record is reported and the dump goes on with the next.
public struct IndexDump: FileDumper {
    public struct MaskRow: Sendable, Equatable {
        public var mask: Int
        public var valid: Bool
        /// nil for masks not valid (their entries are not used).
        public var checksumOK: Bool?
    }

    public let displayName: String
    public let fileSize: Int
    public let header: IndexHeader?
    public let masks: [MaskRow]
    public let corruptions: [FormatError]
    /// The header's unsynced-boot mark and when it was set (Format/index.md, write protocol).
    public let unsyncedBoot: UInt64
    public let unsyncedSince: UInt32
    /// The delta region as read (files of version 3 and later whose size is right), else nil.
    public let delta: DeltaDirectory?
    let head: [UInt8]

    init(file: MappedFile) {
        displayName = FileDump.lastComponent(file.path)
        let bytes = file.bytes
        fileSize = bytes.count
        head = Array(bytes.prefix(IndexLayout.headerSize))
        let hasHeader = bytes.count >= IndexLayout.headerSize
        unsyncedBoot = hasHeader ? loadLittleEndian(UInt64.self, from: bytes, at: IndexLayout.unsyncedBootOffset) : 0
        unsyncedSince = hasHeader ? loadLittleEndian(UInt32.self, from: bytes, at: IndexLayout.unsyncedSinceOffset) : 0
        var found: [FormatError] = []
        var rows: [MaskRow] = []
        var header: IndexHeader?
        var delta: DeltaDirectory?
        do throws(FormatError) {
            let h = try IndexHeader.decode(bytes)
            header = h
            if bytes.count < h.fileSize {
                found.append(FormatError(.outOfBounds, structure: "index entries", offset: UInt64(bytes.count),
                                         detail: "file is \(bytes.count) bytes, the header implies \(h.fileSize)"))
            } else {
                rows = IndexDump.checkColumns(bytes, header: h, corruptions: &found)
                if h.hasDelta { delta = IndexDump.checkDelta(bytes, header: h, corruptions: &found) }
            }
        } catch {
            found.append(error)
        }
        self.header = header
        self.delta = delta
        masks = rows
        corruptions = found
    }

    /// Every mask's validity bit, and for the valid ones the checksum of their column entries.
    static func checkColumns(_ bytes: UnsafeRawBufferPointer, header h: IndexHeader, corruptions found: inout [FormatError]) -> [MaskRow] {
        let keys = h.keyCount, width = h.entryWidth
        var rows: [MaskRow] = []
        for m in 0..<h.maskCount {
            let valid = bytes[h.validityOffset + m >> 3] & (1 << UInt8(m & 7)) != 0
            guard valid else { rows.append(MaskRow(mask: m, valid: false, checksumOK: nil)); continue }
            var w = ByteWriter(capacity: keys * width)
            for k in 0..<keys {
                let at = h.entriesOffset + k * h.columnStride + m * width
                if width == 2 { w.u16(loadLittleEndian(UInt16.self, from: bytes, at: at)) } else { w.u32(loadLittleEndian(UInt32.self, from: bytes, at: at)) }
            }
            let stored = loadLittleEndian(UInt32.self, from: bytes, at: h.checksumsOffset + m * 4)
            let computed = CRC32C.checksum(w.bytes)
            rows.append(MaskRow(mask: m, valid: true, checksumOK: stored == computed))
            if stored != computed {
                found.append(FormatError(.checksumMismatch, structure: "index entries of mask \(m)",
                                         offset: UInt64(h.checksumsOffset + m * 4),
                                         detail: "stored \(hex32(stored)), computed \(hex32(computed))"))
            }
        }
        return rows
    }

    /// The delta region's directory; a count beyond the capacity and every damaged published
    /// record are reported (queries ignore them: the masks count as unindexed).
    static func checkDelta(_ bytes: UnsafeRawBufferPointer, header h: IndexHeader, corruptions found: inout [FormatError]) -> DeltaDirectory {
        let d = DeltaRegion.scan(UnsafeRawBufferPointer(rebasing: bytes[h.deltaOffset..<h.fileSize]), header: h)
        if d.storedCount > h.deltaCapacity {
            found.append(FormatError(.invalidField, structure: "index delta header", offset: UInt64(h.deltaOffset),
                                     detail: "\(d.storedCount) records published, capacity \(h.deltaCapacity)"))
        }
        for slot in d.damaged {
            let at = h.deltaRecordsOffset + slot * h.deltaRecordSize
            let listed = loadLittleEndian(UInt32.self, from: bytes, at: h.deltaDirectoryOffset + slot * 4)
            let mask = loadLittleEndian(UInt32.self, from: bytes, at: at)
            found.append(FormatError(.checksumMismatch, structure: "index delta record \(slot)", offset: UInt64(at),
                                     detail: "mask \(mask) (directory: \(listed)) of \(h.maskCount): number out of range or mismatched, or checksum mismatch"))
        }
        return d
    }

    var validCount: Int { masks.filter(\.valid).count }

    /// Masks with entries a query may use: valid in the columns, or an intact delta record
    /// (whatever the durability mark says).
    var indexedCount: Int {
        let slots = delta?.slots ?? DeltaSlots(maskCount: 0)
        return masks.filter { $0.valid || slots[$0.mask] != nil }.count
    }

    /// "durable", "unsynced in this boot since T", or "untrusted (unsynced in an earlier boot)".
    var durability: String {
        if unsyncedBoot == 0 { return "durable" }
        if unsyncedBoot == BootSession.tag { return "unsynced in this boot since \(unsyncedSince) (Unix time)" }
        return "untrusted: bits set in an earlier boot without a sync; queries ignore them until a writer repairs the file"
    }

    @discardableResult
    public func write<Out: TextOutputStream>(_ options: DumpOptions, to out: inout Out) -> Int {
        if options.json {
            out.write(json().rendered() + "\n")
            return corruptions.count
        }
        func line(_ k: String, _ v: String) { out.write((k + ":").padding(to: 14) + v + "\n") }
        line("file", displayName)
        line("kind", "index")
        line("size", "\(fileSize) bytes")
        if let h = header {
            line("shape", "\(h.height)x\(h.width) \(h.pixelFormat)")
            line("bins", "\(h.bins)")
            line("cell", "\(h.cell) (\(h.cornerRows)x\(h.cornerCols) corners, \(h.keyCount) keys of \(h.entryWidth) bytes)")
            line("masks", "\(h.maskCount) (header) \(validCount) valid")
            line("layout", "validity @\(h.validityOffset), checksums @\(h.checksumsOffset), entries @\(h.entriesOffset), stride \(h.columnStride), \(h.fileSize) bytes (declared) \(fileSize) (file)")
            line("segment", "footer CRC \(hex32(h.segmentFooterCRC))")
            line("durability", durability)
            if let d = delta {
                let capacity = h.readVersion >= 4 ? "stored; records sparse from @\(h.deltaRecordsOffset)" : "by formula"
                line("delta", "\(d.storedCount) of \(h.deltaCapacity) records (capacity \(capacity); \(d.slots.count) intact, \(h.deltaRecordSize) bytes each) @\(h.deltaOffset), generation \(d.generation)")
            }
        }
        if options.header {
            out.write("\nindex header: bytes 0..<\(head.count)\n")
            for l in Text.hexLines(head, baseOffset: 0) { out.write(l + "\n") }
        }
        if options.blocks {
            out.write("\nmasks\n")
            let slots = delta?.slots ?? DeltaSlots(maskCount: 0)
            let rows = masks.map {
                [String($0.mask), $0.valid ? "yes" : "no", $0.checksumOK.map { $0 ? "OK" : "BAD" } ?? "-", slots[$0.mask].map { String($0) } ?? "-"]
            }
            for l in Text.table(["mask", "valid", "checksum", "delta slot"], rows, rightAligned: [true, false, false, true]) { out.write(l + "\n") }
        }
        FileDump.writeCorruptions(corruptions, to: &out)
        return corruptions.count
    }

    public func json() -> JSONValue {
        var fields: [(String, JSONValue)] = [("file", .string(displayName)), ("kind", .string("index")), ("size", .int(fileSize))]
        if let h = header {
            fields += [("height", .int(h.height)), ("width", .int(h.width)), ("pixel_format", .string(h.pixelFormat.description)),
                       ("bins", .int(h.bins)), ("cell", .int(h.cell)), ("keys", .int(h.keyCount)), ("entry_width", .int(h.entryWidth)),
                       ("masks", .int(h.maskCount)), ("valid_masks", .int(validCount)), ("durability", .string(durability))]
            if let d = delta {
                fields += [("indexed_masks", .int(indexedCount)), ("delta_capacity", .int(h.deltaCapacity)), ("delta_records", .int(d.storedCount)),
                           ("delta_masks", .array(d.slots.masks.map { .int($0) })), ("delta_generation", .int(Int(d.generation)))]
            }
        }
        fields += [("corruptions", .array(corruptions.map(FileDump.json))), ("corruption_count", .int(corruptions.count))]
        return .object(fields)
    }
}
