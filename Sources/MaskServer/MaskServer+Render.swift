import HTTPTypes
import Hummingbird
import MaskExport
import MaskFormat
import MaskImaging

extension MaskServer {
    /// `GET /api/masks/{id}.png`: without `colormap` and `overlay` the mask as 8-bit grey
    /// (value v as round(v · 255)); else the mask colour-mapped (`grey` when only `overlay`
    /// is asked), over its image with `overlay=1` (the mask alone, with header
    /// `X-Masksearch-Overlay: no-image`, when the image has no file), the ROI box outlined.
    func maskPNG(_ row: Int, options: RenderOptions) async throws -> Response {
        let colormap = try options.colormap.map(MaskServer.colormap) ?? (options.overlay ? .grey : nil)
        let imagePath = options.overlay ? self.imagePath(catalog.imageID(row)) : nil
        let lookup = catalog.lookup
        let png = try await Blocking.run { () throws -> [UInt8] in
            let values = try lookup.values(row: row)
            guard let colormap else {
                var grey = values.greyImage()
                if let box = options.box { Overlay.outline(box, in: &grey, thickness: grey.width >= 256 ? 2 : 1, colour: OverlayStyle.boxColour) }
                return try PNGCodec.encode(grey, compression: .fast)
            }
            let image = try imagePath.map { try MaskServer.readImage($0) }
            let style = OverlayStyle(colormap: colormap, opacity: options.opacity, range: options.range, box: options.box)
            return try PNGCodec.encode(Overlay.render(values, over: image, style: style), compression: .fast)
        }
        let headers: HTTPFields = options.overlay && imagePath == nil ? [MaskServer.overlayHeader: "no-image"] : [:]
        return Reply.bytes(png, contentType: "image/png", headers: headers)
    }

    static let overlayHeader = HTTPField.Name("X-Masksearch-Overlay")!

    static func colormap(_ name: String) throws(APIError) -> Colormap {
        guard let map = Colormap.named(name) else {
            throw .badRequest("unknown colormap '\(name)' (known: \(Colormap.names.joined(separator: ", ")))")
        }
        return map
    }

    /// `GET /api/aggregate/{image_id}.png?op=intersect|union&t=T&mask_type=1,2`: the pixel-wise
    /// INTERSECT(mask > t) or UNION(mask > t) of the image's masks (of those mask types when
    /// given), white (or the colour map's top) where it holds. `mask > t` is the engine's
    /// definition, on codes: `PixelFormat.codeInterval(lower: t.nextUp, upper: 1)`. Also takes
    /// `colormap`, `overlay`, `opacity` and `roi` as a mask PNG does.
    func aggregate(file: String, query: QueryParameters) async throws -> Response {
        let (stem, ext) = MaskServer.splitExtension(file)
        guard ext == "png", let imageID = Int64(stem), case let all = catalog.rows(ofImage: imageID), !all.isEmpty else {
            throw APIError.notFound("no image '\(file)' (aggregates are /api/aggregate/<image_id>.png)")
        }
        let request = try AggregateRequest(query: query)
        let rows = all.filter { request.maskTypes?.contains(catalog.maskType($0)) ?? true }
        guard !rows.isEmpty else { throw APIError.notFound("image \(imageID) has no masks of those mask types") }
        let options = try RenderOptions(query: query, catalog: catalog, row: rows[0])
        let colormap = try options.colormap.map(MaskServer.colormap) ?? .grey
        let imagePath = options.overlay ? self.imagePath(imageID) : nil
        let lookup = catalog.lookup, format = database.pixelFormat
        let png = try await Blocking.run { () throws -> [UInt8] in
            let flags = try request.flags(rows: rows, lookup: lookup, format: format)
            let image = try imagePath.map { try MaskServer.readImage($0) }
            let style = OverlayStyle(colormap: colormap, opacity: options.opacity, range: 0...1, box: options.box)
            return try PNGCodec.encode(Overlay.render(flags, over: image, style: style), compression: .fast)
        }
        return Reply.bytes(png, contentType: "image/png")
    }
}

/// The parameters of an aggregate image: `op` (intersect or union, default intersect), `t`
/// (a number in [0, 1], default 0.5), `mask_type` (a comma-separated list of integers).
struct AggregateRequest: Sendable {
    var intersect = true
    var threshold = 0.5
    var maskTypes: Set<Int64>?

    init(query: QueryParameters) throws(APIError) {
        switch query["op"]?.lowercased() {
        case nil, "intersect": intersect = true
        case "union": intersect = false
        case let other?: throw .badRequest("op must be intersect or union, not '\(other)'")
        }
        if let t = query["t"] {
            guard let v = Double(t), v >= 0, v <= 1 else { throw .badRequest("t must be a number in [0, 1], not '\(t)'") }
            threshold = v
        }
        if let list = query["mask_type"], !list.isEmpty {
            let parts = list.split(separator: ",").map { Int64($0) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
                throw .badRequest("mask_type must be a comma-separated list of integers, not '\(list)'")
            }
            maskTypes = Set(parts.compactMap { $0 })
        }
    }

    /// 1 where the aggregate holds, 0 elsewhere.
    func flags(rows: [Int], lookup: MaskLookup, format: PixelFormat) throws -> MaskValues {
        let codes = format.codeInterval(lower: threshold.nextUp, upper: 1.0)
        let table = lookup.table
        var count = [Int](repeating: 0, count: table.width * table.height)
        for row in rows {
            let bytes = try lookup.codes(row: row)
            for i in count.indices where codes.contains(MaskServer.code(bytes, i, format)) { count[i] += 1 }
        }
        let values = count.map { intersect ? ($0 == rows.count ? 1.0 : 0.0) : ($0 > 0 ? 1.0 : 0.0) }
        return try MaskValues(width: table.width, height: table.height, values: values)
    }
}

extension MaskServer {
    /// The stored code of pixel `i` in little-endian stored bytes.
    @inline(__always)
    static func code(_ bytes: [UInt8], _ i: Int, _ format: PixelFormat) -> UInt32 {
        switch format {
        case .uint8: return UInt32(bytes[i])
        case .float16: return UInt32(bytes[2 * i]) | UInt32(bytes[2 * i + 1]) << 8
        case .float32:
            return UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24
        }
    }
}
