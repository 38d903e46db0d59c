/// An image's object box in mask pixel coordinates, kept in hundredths of a pixel so that the
/// two-decimal text in `rois/object.csv` (`8.24`) is exactly the box the masks were drawn from.
///
/// The box is `[x0, x1) × [y0, y1)` (x = column, y = row, origin top-left) with
/// `0 <= x0 < x1 <= W·100` and `0 <= y0 < y1 <= H·100`.
struct ObjectBox: Sendable, Equatable {
    let x0Hundredths: Int
    let y0Hundredths: Int
    let x1Hundredths: Int
    let y1Hundredths: Int

    var x0: Double { Double(x0Hundredths) / 100 }
    var y0: Double { Double(y0Hundredths) / 100 }
    var x1: Double { Double(x1Hundredths) / 100 }
    var y1: Double { Double(y1Hundredths) / 100 }

    /// A random box covering 5–40 % of a `height × width` mask (uniform area fraction), with
    /// width/height ratio log-uniform in [1/2, 2] (shrunk to fit), placed uniformly.
    ///
    /// - Complexity: O(1), five random draws.
    static func random(height: Int, width: Int, using rng: inout SeededRandom) -> ObjectBox {
        let W = Double(width), H = Double(height)
        let areaFraction = rng.double(in: 0.05, 0.40)
        let aspect = (rng.double(in: -1, 1) * 0.693_147_180_559_945_3).exponential
        var w = (areaFraction * H * W * aspect).squareRoot()
        w = min(w, W)
        let h = min(H, areaFraction * H * W / w)
        let x0 = rng.double(in: 0, 1) * (W - w)
        let y0 = rng.double(in: 0, 1) * (H - h)
        let x0h = Int((x0 * 100).rounded(.down))
        let y0h = Int((y0 * 100).rounded(.down))
        // At least one hundredth wide, never past the mask edge.
        let x1h = min(width * 100, max(x0h + 1, Int(((x0 + w) * 100).rounded(.down))))
        let y1h = min(height * 100, max(y0h + 1, Int(((y0 + h) * 100).rounded(.down))))
        return ObjectBox(x0Hundredths: min(x0h, x1h - 1), y0Hundredths: min(y0h, y1h - 1),
                         x1Hundredths: x1h, y1Hundredths: y1h)
    }
}

extension Double {
    /// e^self by argument reduction and a Taylor series: exact enough for drawing random shapes,
    /// and the same on every platform (unlike libm's `exp`, whose last bits may differ).
    var exponential: Double {
        // e^x = (e^(x/2^k))^(2^k), with |x/2^k| <= 1/16.
        var k = 0
        var r = self
        while r.magnitude > 0.0625 { r /= 2; k += 1 }
        var term = 1.0, sum = 1.0
        for n in 1...12 { term *= r / Double(n); sum += term }
        for _ in 0..<k { sum *= sum }
        return sum
    }
}
