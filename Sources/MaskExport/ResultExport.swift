import Foundation
import MaskFormat
import MaskImaging
import MaskQuery
import MaskStorage

/// One image written by `ResultExport.augment`.
public struct AugmentedImage: Sendable, Equatable {
    public let imageID: Int64
    /// The source image file (absolute path).
    public let source: String
    /// The written file, relative to the output directory: `images/<image_id>.png`.
    public let output: String
    /// The image's `label` column (of its first mask), or nil when there is none or it is NULL.
    public let label: ColumnValue?
}

/// What `ResultExport.augment` did.
public struct AugmentationSummary: Sendable {
    /// The images written, in result order.
    public let images: [AugmentedImage]
    /// Images of the result left out because the ROI set has no box for them.
    public let withoutBox: [Int64]
}

/// Export and augmentation of a query result to a directory (CONTRACT.md section 7): the
/// library behind the UI's export and augment buttons and the CLI's `export`/`augment`.
/// Both write into a staging sibling renamed into place at the end, so the target directory
/// (which must be missing or empty) appears complete or not at all.
public enum ResultExport {
    /// Writes `dir/result.csv` (the result as `query --format csv` prints it) and, per the
    /// request, `masks/<mask_id>.npy|png`, `overlays/<mask_id>.png` and `images/<image_id>.<ext>`
    /// for the masks and images the result refers to (`ResultItems`).
    ///
    /// - Throws: `ExportError`; the target is then left as it was.
    public static func export(result: QueryResult, request: ExportRequest, database: any MaskTable,
                              imageFolder: String?, to dir: String) throws(ExportError) {
        let needsItems = request.masks != nil || request.overlays || request.images
        let lookup = needsItems ? MaskLookup(table: database) : nil
        let items = try lookup.map { lookup throws(ExportError) in try ResultItems(result, lookup: lookup) }
        let folder = imageFolder.map(ImageFolder.init(path:))
        if request.images, folder == nil {
            throw ExportError(.invalidArgument, what: "exporting images", why: "the database has no image folder")
        }
        try StagingDirectory.write(to: dir) { (staging) throws(ExportError) in
            try staging.write(Array(ResultFormatter.format(result, as: .csv).utf8), to: "result.csv")
            guard let lookup, let items else { return }
            if let masks = request.masks {
                try staging.makeDirectory("masks")
                for row in items.maskRows {
                    let bytes = masks == .npy ? try lookup.npyFile(row: row) : try lookup.pngFile(row: row)
                    try staging.write(bytes, to: "masks/\(database.maskID(row: row)).\(masks.rawValue)")
                }
            }
            if request.overlays {
                try staging.makeDirectory("overlays")
                for row in items.maskRows {
                    let png = try overlayPNG(row: row, lookup: lookup, folder: folder, request: request)
                    try staging.write(png, to: "overlays/\(database.maskID(row: row)).png")
                }
            }
            if request.images, let folder {
                try staging.makeDirectory("images")
                for id in items.imageIDs {
                    guard let file = folder.file(imageID: id) else {
                        throw ExportError(.io, what: "exporting image \(id)", why: "no \(id).png or \(id).jpg in \(folder.path)")
                    }
                    let bytes = try read(file)
                    try staging.write(bytes, to: "images/\(id).\((file as NSString).pathExtension)")
                }
            }
        }
    }

    /// The overlay of the mask in `row` over its image (the mask alone when there is no image
    /// file), with the box of `request.roiSet` outlined.
    public static func overlayPNG(row: Int, lookup: MaskLookup, folder: ImageFolder?, request: ExportRequest) throws(ExportError) -> [UInt8] {
        let values = try lookup.values(row: row)
        let imageID = lookup.table.imageID(row: row)
        var image: RasterImage? = nil
        if let file = folder?.file(imageID: imageID) {
            do {
                image = try ImageFile.read(path: file)
            } catch {
                throw ExportError(.io, what: "reading image \(imageID)", why: error.description)
            }
        }
        var style = request.overlayStyle
        style.box = lookup.box(set: request.roiSet, row: row)
        do {
            return try PNGCodec.encode(Overlay.render(values, over: image, style: style))
        } catch {
            throw ExportError(.io, what: "encoding the overlay of mask \(lookup.table.maskID(row: row))", why: error.description)
        }
    }

    /// Writes, per distinct image of the result that has a box in ROI set `roiSet`,
    /// `dir/images/<image_id>.png`: the image with every pixel outside the box replaced by
    /// `method` and every pixel inside byte-identical (`Augmentation.apply`), and
    /// `dir/augmented.csv` (`image_id,source,output,label`). The box is the mask-pixel box
    /// scaled to the image's size (rounded outward) when the two differ. Image i's noise is
    /// seeded by `seed ^ (i · 0x9E3779B97F4A7C15)`: the same seed gives the same bytes, and
    /// images differ from each other.
    ///
    /// - Throws: `.unsupportedResult` when the ROI set does not exist; `.io` when an image is
    ///   missing or unreadable. The target is then left as it was.
    @discardableResult
    public static func augment(result: QueryResult, database: any MaskTable, roiSet: String, method: Augmentation.Method,
                               seed: UInt64, imageFolder: String?, to dir: String) throws(ExportError) -> AugmentationSummary {
        guard let set = database.roiSet(named: roiSet) else {
            throw ExportError(.unsupportedResult, what: "augmenting the result", why: "no ROI set named '\(roiSet)'")
        }
        guard let imageFolder else {
            throw ExportError(.invalidArgument, what: "augmenting the result", why: "the database has no image folder")
        }
        let lookup = MaskLookup(table: database)
        let items = try ResultItems(result, lookup: lookup)
        let folder = ImageFolder(path: imageFolder)
        let labelColumn = database.columns.firstIndex { $0.name == "label" }
        var written: [AugmentedImage] = [], withoutBox: [Int64] = []
        try StagingDirectory.write(to: dir) { (staging) throws(ExportError) in
            try staging.makeDirectory("images")
            var csv = "image_id,source,output,label\n"
            for id in items.imageIDs {
                let firstRow = lookup.rows(imageID: id).first
                guard let firstRow, let maskBox = set.box(maskID: database.maskID(row: firstRow), imageID: id) else {
                    withoutBox.append(id)
                    continue
                }
                guard let file = folder.file(imageID: id) else {
                    throw ExportError(.io, what: "augmenting image \(id)", why: "no \(id).png or \(id).jpg in \(folder.path)")
                }
                let png = try augmentedPNG(file: file, imageID: id, maskBox: maskBox, database: database, method: method, seed: seed)
                try staging.write(png, to: "images/\(id).png")
                let label = labelColumn.map { database.value(row: firstRow, column: $0) }.flatMap { $0 == .null ? nil : $0 }
                let entry = AugmentedImage(imageID: id, source: file, output: "images/\(id).png", label: label)
                written.append(entry)
                csv += "\(id),\(csvField(file)),\(entry.output),\(label.map(text) ?? "")\n"
            }
            try staging.write(Array(csv.utf8), to: "augmented.csv")
        }
        return AugmentationSummary(images: written, withoutBox: withoutBox)
    }

    private static func augmentedPNG(file: String, imageID: Int64, maskBox: PixelBox, database: any MaskTable,
                                     method: Augmentation.Method, seed: UInt64) throws(ExportError) -> [UInt8] {
        let bytes = try read(file)
        do throws(ImagingError) {
            let image = try ImageFile.decode(bytes, what: "reading \(file)")
            let box = scaled(maskBox, from: (database.width, database.height), to: (image.width, image.height))
            let imageSeed = seed ^ (UInt64(bitPattern: imageID) &* 0x9E37_79B9_7F4A_7C15)
            return try PNGCodec.encode(Augmentation.apply(image, keeping: box, method: method, seed: imageSeed))
        } catch {
            throw ExportError(.io, what: "augmenting image \(imageID)", why: error.description)
        }
    }

    /// `box` in a `from`-sized grid mapped to a `to`-sized one, rounded outward.
    static func scaled(_ box: PixelBox, from: (Int, Int), to: (Int, Int)) -> PixelBox {
        if from == to { return box }
        func down(_ v: Int, _ a: Int, _ b: Int) -> Int { Int((Double(v) * Double(b) / Double(a)).rounded(.down)) }
        func up(_ v: Int, _ a: Int, _ b: Int) -> Int { Int((Double(v) * Double(b) / Double(a)).rounded(.up)) }
        return PixelBox(x0: down(box.x0, from.0, to.0), y0: down(box.y0, from.1, to.1),
                        x1: up(box.x1, from.0, to.0), y1: up(box.y1, from.1, to.1))
    }

    static func read(_ file: String) throws(ExportError) -> [UInt8] {
        do {
            return try ImageFile.readBytes(path: file)
        } catch {
            throw ExportError(.io, what: "reading \(file)", why: error.why)
        }
    }

    private static func text(_ value: ColumnValue) -> String {
        switch value {
        case .null: return ""
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .text(let s): return csvField(s)
        }
    }

    private static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
