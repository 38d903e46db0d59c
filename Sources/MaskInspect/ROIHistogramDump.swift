import MaskFormat
import MaskStorage

/// The dump of a ROI histogram file (`rhi-NNNNNN.rhi`, Format/roi-histograms.md): the header
/// (checked by `ROIHistogramLayout.decodeHeader`: magic, version, CRC, shape, width, stride,
/// size) and every column's CRC-32C recomputed, each mismatch reported as `corruption: ROI
/// histogram column C` and the next column checked. It cannot check the binding to a segment
/// and a ROI set (the header's two CRCs): dump the database's MANIFEST, and `masksearch index`
/// replaces a file that does not match.
public struct ROIHistogramDump: FileDumper {
    public let displayName: String
    public let fileSize: Int
    public let header: ROIHistogramLayout.Header?
    public let corruptions: [FormatError]

    init(file: MappedFile) {
        displayName = FileDump.lastComponent(file.path)
        fileSize = file.count
        var found: [FormatError] = []
        var decoded: ROIHistogramLayout.Header?
        do throws(FormatError) {
            decoded = try ROIHistogramLayout.decodeHeader(file.bytes, file: "")
        } catch {
            found.append(error)
        }
        if let h = decoded {
            for c in 0..<h.columnCount {
                let column = UnsafeRawBufferPointer(rebasing: file.bytes[h.columnOffset(c)..<(h.columnOffset(c) + h.maskCount * h.entryWidth)])
                let stored = loadLittleEndian(UInt32.self, from: file.bytes, at: h.checksumOffset(column: c))
                let computed = CRC32C.checksum(column)
                if stored != computed {
                    found.append(FormatError(.checksumMismatch, structure: "ROI histogram column \(c)", offset: UInt64(h.columnOffset(c)),
                                             detail: "stored \(hex32(stored)), computed \(hex32(computed))"))
                }
            }
        }
        header = decoded
        corruptions = found
    }

    @discardableResult
    public func write<Out: TextOutputStream>(_ options: DumpOptions, to out: inout Out) -> Int {
        guard !options.json else {
            out.write(json().rendered() + "\n")
            return corruptions.count
        }
        var pairs = [("file", displayName), ("kind", "roi histograms"), ("size", "\(fileSize) bytes")]
        if let h = header {
            pairs += [("version", "\(ROIHistogramLayout.version) (this build reads \(ROIHistogramLayout.version))"),
                      ("shape", "\(h.height) x \(h.width) \(h.pixelFormat)"), ("masks", "\(h.maskCount)"),
                      ("bins", "\(h.bins) (\(h.columnCount) columns of \(h.entryWidth)-byte counts)"),
                      ("segment", "footer CRC \(hex32(h.segmentFooterCRC))"), ("roi set", "file CRC \(hex32(h.roiSetCRC))")]
        }
        out.write(Text.summary(pairs))
        FileDump.writeCorruptions(corruptions, to: &out)
        return corruptions.count
    }

    public func json() -> JSONValue {
        var o: [(String, JSONValue)] = [("file", .string(displayName)), ("kind", .string("roi histograms")), ("size", .int(fileSize))]
        if let h = header {
            o += [("height", .int(h.height)), ("width", .int(h.width)), ("pixel_format", .string("\(h.pixelFormat)")),
                  ("masks", .int(h.maskCount)), ("bins", .int(h.bins)), ("entry_width", .int(h.entryWidth)),
                  ("segment_footer_crc", .int(Int64(h.segmentFooterCRC))), ("roi_set_crc", .int(Int64(h.roiSetCRC)))]
        }
        o += [("corruptions", .array(corruptions.map(FileDump.json))), ("corruption_count", .int(corruptions.count))]
        return .object(o)
    }
}
