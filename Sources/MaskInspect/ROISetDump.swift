import MaskFormat
import MaskStorage

/// The dump of an ROI set file (`roi-NNNNNN.msr`, Format/roi.md), decoded here field by
/// field (MaskStorage's decoder is internal and stops at the first problem): magic,
/// version, key kind, reserved bytes, box count against the file length, the name, boxes
/// sorted by strictly increasing id, and the CRC-32C. `--blocks` lists the boxes.
public struct ROISetDump: FileDumper {
    public struct Box: Sendable, Equatable {
        public var id: Int64, x0: Int64, y0: Int64, x1: Int64, y1: Int64
    }

    public let displayName: String
    public let fileSize: Int
    public let version: UInt32?
    public let key: UInt8?
    public let name: String?
    public let declaredCount: UInt64?
    public let boxes: [Box]
    public let storedCRC: UInt32?
    public let computedCRC: UInt32?
    public let corruptions: [FormatError]
    let head: [UInt8]

    init(file: MappedFile) {
        displayName = FileDump.lastComponent(file.path)
        let bytes = file.bytes
        fileSize = bytes.count
        head = Array(bytes.prefix(ROISetLayout.Offset.name + 2))
        var decoding = Decoding()
        if bytes.count < ROISetLayout.minimumSize {
            decoding.found.append(FormatError(.outOfBounds, structure: Self.structure, offset: 0,
                                              detail: "\(bytes.count) bytes, shorter than the \(ROISetLayout.minimumSize)-byte minimum"))
        } else {
            decoding.checkFrame(bytes)
            decoding.decodeBody(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)]))
        }
        version = decoding.version
        key = decoding.key
        name = decoding.name
        declaredCount = decoding.count
        boxes = decoding.boxes
        storedCRC = decoding.stored
        computedCRC = decoding.computed
        corruptions = decoding.found
    }

    static let structure = "ROI set"

    /// What the dumper learns while decoding, field by field, and the damage it found; it keeps
    /// going past damage as far as the bytes allow.
    private struct Decoding {
        var version: UInt32?, key: UInt8?, name: String?, count: UInt64?, boxes: [Box] = []
        var stored: UInt32?, computed: UInt32?
        var found: [FormatError] = []

        /// The magic and the trailing CRC-32C.
        mutating func checkFrame(_ bytes: UnsafeRawBufferPointer) {
            let s = ROISetDump.structure
            if Array(bytes[0..<8]) != ROISetLayout.magic { found.append(FormatError(.badMagic, structure: s, offset: 0)) }
            let st = loadLittleEndian(UInt32.self, from: bytes, at: bytes.count - 4)
            let c = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)]))
            (stored, computed) = (st, c)
            if st != c {
                found.append(FormatError(.checksumMismatch, structure: s, offset: UInt64(bytes.count - 4),
                                         detail: "stored \(hex32(st)), computed \(hex32(c))"))
            }
        }

        /// The fixed fields, the name and the boxes of `body` (the file without its CRC).
        mutating func decodeBody(_ body: UnsafeRawBufferPointer) {
            let s = ROISetDump.structure
            typealias O = ROISetLayout.Offset
            var r = ByteReader(body, at: O.version, structure: s)
            do throws(FormatError) {
                let v = try r.u32()
                version = v
                if v != ROISetLayout.version {
                    found.append(FormatError(.unsupportedVersion, structure: s, offset: UInt64(O.version),
                                             detail: "version \(v), this build reads \(ROISetLayout.version)"))
                }
                let k = try r.u8()
                key = k
                if k != ROISetLayout.keyImageID && k != ROISetLayout.keyMaskID {
                    found.append(FormatError(.invalidField, structure: s, offset: UInt64(O.key), detail: "key kind \(k)"))
                }
                if try r.bytes(3).contains(where: { $0 != 0 }) {
                    found.append(FormatError(.invalidField, structure: s, offset: UInt64(O.reserved), detail: "reserved bytes are not zero"))
                }
                let n = try r.u64()
                count = n
                name = try r.shortString()
                try decodeBoxes(declared: n, reader: &r, bodySize: body.count)
            } catch {
                found.append(error)
            }
        }

        /// The box records: their count against the bytes left, ids strictly increasing.
        mutating func decodeBoxes(declared n: UInt64, reader r: inout ByteReader, bodySize: Int) throws(FormatError) {
            let size = ROISetLayout.boxSize
            let left = bodySize - r.position, room = UInt64(left / size)
            if n != room || left % size != 0 {
                found.append(FormatError(.invalidField, structure: ROISetDump.structure, offset: UInt64(ROISetLayout.Offset.count),
                                         detail: "\(n) boxes declared, \(left) bytes of boxes"))
            }
            var previous: Int64?
            for i in 0..<Int(min(n, room)) {
                let at = r.position
                let b = Box(id: try r.i64(), x0: try r.i64(), y0: try r.i64(), x1: try r.i64(), y1: try r.i64())
                if let p = previous, b.id <= p {
                    found.append(FormatError(.invalidField, structure: "ROI set box \(i)", offset: UInt64(at),
                                             detail: "id \(b.id) after \(p): ids must increase strictly"))
                }
                previous = b.id
                boxes.append(b)
            }
        }
    }

    var keyName: String {
        switch key {
        case 1: return "image_id"
        case 2: return "mask_id"
        default: return key.map { "unknown (\($0))" } ?? "-"
        }
    }

    @discardableResult
    public func write<Out: TextOutputStream>(_ options: DumpOptions, to out: inout Out) -> Int {
        if options.json {
            out.write(json().rendered() + "\n")
            return corruptions.count
        }
        func line(_ k: String, _ v: String) { out.write((k + ":").padding(to: 14) + v + "\n") }
        line("file", displayName)
        line("kind", "roi set")
        line("size", "\(fileSize) bytes")
        line("version", version.map { "\($0) (this build reads 1)" } ?? "-")
        line("name", name ?? "-")
        line("key", keyName)
        line("boxes", "\(declaredCount.map(String.init) ?? "-") (declared) \(boxes.count) (read)")
        line("checksum", storedCRC.map { hex32($0) + ($0 == computedCRC ? " OK" : " BAD (computed \(hex32(computedCRC ?? 0)))") } ?? "-")
        if options.header {
            out.write("\nROI set header: bytes 0..<\(head.count)\n")
            for l in Text.hexLines(head, baseOffset: 0) { out.write(l + "\n") }
        }
        if options.blocks {
            out.write("\nboxes\n")
            let rows = boxes.map { [String($0.id), String($0.x0), String($0.y0), String($0.x1), String($0.y1)] }
            for l in Text.table([keyName, "x0", "y0", "x1", "y1"], rows, rightAligned: [true, true, true, true, true]) {
                out.write(l + "\n")
            }
        }
        FileDump.writeCorruptions(corruptions, to: &out)
        return corruptions.count
    }

    public func json() -> JSONValue {
        .object([
            ("file", .string(displayName)), ("kind", .string("roi set")), ("size", .int(fileSize)),
            ("version", version.map { .int(Int64($0)) } ?? .null), ("name", name.map { .string($0) } ?? .null),
            ("key", .string(keyName)), ("declared_boxes", declaredCount.map { .int(Int64(bitPattern: $0)) } ?? .null),
            ("checksum_ok", storedCRC.map { .bool($0 == computedCRC) } ?? .null),
            ("boxes", .array(boxes.map {
                .object([("id", .int($0.id)), ("x0", .int($0.x0)), ("y0", .int($0.y0)), ("x1", .int($0.x1)), ("y1", .int($0.y1))])
            })),
            ("corruptions", .array(corruptions.map(FileDump.json))), ("corruption_count", .int(corruptions.count)),
        ])
    }
}
