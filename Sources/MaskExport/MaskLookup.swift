import MaskFormat
import MaskImaging
import MaskStorage
import MaskDatasets

/// Finds masks of a table by mask_id and image_id, and reads one as a file or as values.
/// Built once per table (O(N)); lookups are O(1).
public struct MaskLookup: Sendable {
    public let table: any MaskTable
    private let rowOfMask: [Int64: Int]
    private let rowsOfImage: [Int64: [Int]]

    public init(table: any MaskTable) {
        self.table = table
        let maskIDs = table.builtinColumn(0), imageIDs = table.builtinColumn(1)
        var rowOfMask: [Int64: Int] = [:], rowsOfImage: [Int64: [Int]] = [:]
        rowOfMask.reserveCapacity(maskIDs.count)
        for row in maskIDs.indices {
            rowOfMask[maskIDs[row]] = row
            rowsOfImage[imageIDs[row], default: []].append(row)
        }
        for key in rowsOfImage.keys { rowsOfImage[key]!.sort { maskIDs[$0] < maskIDs[$1] } }
        self.rowOfMask = rowOfMask
        self.rowsOfImage = rowsOfImage
    }

    /// The row of `maskID`, or nil.
    public func row(maskID: Int64) -> Int? { rowOfMask[maskID] }

    /// The rows of the masks of `imageID`, by ascending mask_id (empty when none).
    public func rows(imageID: Int64) -> [Int] { rowsOfImage[imageID] ?? [] }

    /// The stored codes of the mask in `row` (H · W · bytes per pixel, little-endian).
    public func codes(row: Int) throws(ExportError) -> [UInt8] {
        let count = table.height * table.width * table.pixelFormat.bytesPerPixel
        var bytes = [UInt8](repeating: 0, count: count)
        do {
            try bytes.withUnsafeMutableBytes { try table.readPixels(row: row, rows: 0..<table.height, into: $0) }
        } catch {
            throw ExportError(.io, what: "reading mask \(table.maskID(row: row))", why: "\(error)")
        }
        return bytes
    }

    /// The mask in `row` as values in [0, 1].
    public func values(row: Int) throws(ExportError) -> MaskValues {
        let codes = try codes(row: row)
        do {
            return try codes.withUnsafeBytes { raw in
                Result { () throws(ImagingError) in
                    try MaskValues(width: table.width, height: table.height, format: table.pixelFormat, codes: raw)
                }
            }.get()
        } catch {
            throw ExportError(.io, what: "reading mask \(table.maskID(row: row))", why: error.description)
        }
    }

    /// The mask in `row` as a `.npy` file: shape (H, W), the stored dtype, the stored bytes.
    public func npyFile(row: Int) throws(ExportError) -> [UInt8] {
        let descriptor: String
        switch table.pixelFormat {
        case .uint8: descriptor = "|u1"
        case .float16: descriptor = "<f2"
        case .float32: descriptor = "<f4"
        }
        do {
            return try NPYHeader(descriptor: descriptor, shape: [table.height, table.width]).encoded() + codes(row: row)
        } catch let error as ExportError {
            throw error
        } catch {
            throw ExportError(.io, what: "writing mask \(table.maskID(row: row)) as .npy", why: "\(error)")
        }
    }

    /// The mask in `row` as an 8-bit grey PNG.
    public func pngFile(row: Int) throws(ExportError) -> [UInt8] {
        let image = try values(row: row).greyImage()
        do {
            return try PNGCodec.encode(image)
        } catch {
            throw ExportError(.io, what: "encoding mask \(table.maskID(row: row)) as PNG", why: error.description)
        }
    }

    /// The box of `imageID`'s mask in `row` in ROI set `name`, or nil when the set or the box is missing.
    public func box(set name: String?, row: Int) -> PixelBox? {
        guard let name, let set = table.roiSet(named: name) else { return nil }
        return set.box(maskID: table.maskID(row: row), imageID: table.imageID(row: row))
    }
}
