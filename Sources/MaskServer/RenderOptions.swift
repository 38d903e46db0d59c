import Foundation
import Hummingbird
import MaskFormat

/// The query parameters of a mask PNG: `colormap=NAME` (absent: 8-bit grey), `overlay=1`
/// (over the mask's image), `opacity=F` in [0, 1] (default 0.5), `vmin`/`vmax` (the values
/// mapped to the colour map's ends, default 0 and 1), `roi=NAME` (that set's box of the
/// mask) or `roi=x0,y0,x1,y1`. Anything malformed is a 400.
struct RenderOptions: Sendable {
    var colormap: String?
    var overlay = false
    var opacity = 0.5
    var range: ClosedRange<Double> = 0...1
    var box: PixelBox?

    init(colormap: String? = nil, overlay: Bool = false, opacity: Double = 0.5,
         range: ClosedRange<Double> = 0...1, box: PixelBox? = nil) {
        self.colormap = colormap
        self.overlay = overlay
        self.opacity = opacity
        self.range = range
        self.box = box
    }

    init(query: QueryParameters, catalog: MaskCatalog, row: Int) throws(APIError) {
        if let name = query["colormap"], !name.isEmpty { colormap = String(name) }
        if let o = query["overlay"] {
            guard o == "1" || o == "0" || o == "true" || o == "false" else { throw .badRequest("overlay must be 1 or 0, not '\(o)'") }
            overlay = o == "1" || o == "true"
        }
        if let o = query["opacity"] {
            guard let v = Double(o), v >= 0, v <= 1 else { throw .badRequest("opacity must be a number in [0, 1], not '\(o)'") }
            opacity = v
        }
        let lo = try RenderOptions.number(query, "vmin", default: 0)
        let hi = try RenderOptions.number(query, "vmax", default: 1)
        guard lo < hi else { throw .badRequest("vmin (\(lo)) must be below vmax (\(hi))") }
        range = lo...hi
        if let roi = query["roi"], !roi.isEmpty {
            box = try RenderOptions.box(String(roi), catalog: catalog, row: row)
        }
    }

    private static func number(_ query: QueryParameters, _ key: String, default d: Double) throws(APIError) -> Double {
        guard let text = query[key] else { return d }
        guard let v = Double(text), v.isFinite else { throw .badRequest("\(key) must be a finite number, not '\(text)'") }
        return v
    }

    /// `x0,y0,x1,y1` (integers, x0 < x1, y0 < y1) or the name of an ROI set; nil when the set
    /// has no box for this mask.
    static func box(_ text: String, catalog: MaskCatalog, row: Int) throws(APIError) -> PixelBox? {
        if text.contains(",") {
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 4, let x0 = parts[0], let y0 = parts[1], let x1 = parts[2], let y1 = parts[3],
                  x0 < x1, y0 < y1 else {
                throw .badRequest("roi must be x0,y0,x1,y1 (integers, x0 < x1, y0 < y1) or an ROI set name, not '\(text)'")
            }
            return PixelBox(x0: x0, y0: y0, x1: x1, y1: y1)
        }
        guard catalog.database.roiSet(named: text) != nil else {
            throw .badRequest("unknown ROI set '\(text)' (known: \(catalog.database.roiSetNames.joined(separator: ", ")))")
        }
        return catalog.box(row: row, roiSet: text)
    }
}
