/// A colour map: 256 RGB entries indexed by a value in [0, 1].
///
/// - `grey`: black to white.
/// - `viridis`, `magma`: matplotlib's perceptually uniform maps, from the degree-6 polynomial
///   fits by Matt Zucker (public domain); each channel lies within about 0.015 of matplotlib's table.
/// - `jet`: the classic blue → cyan → yellow → red map GradCAM pictures use
///   (`clamp(1.5 − |4t − k|)` for k = 3, 2, 1).
public struct Colormap: Sendable, Equatable {
    public let name: String
    /// 256 entries, entry i for t = i / 255.
    public let table: [(UInt8, UInt8, UInt8)]

    /// The names `named` knows.
    public static let names = ["grey", "viridis", "magma", "jet"]

    public static func == (a: Colormap, b: Colormap) -> Bool { a.name == b.name }

    /// The map called `name` (one of `names`), or nil.
    public static func named(_ name: String) -> Colormap? {
        switch name {
        case "grey", "gray": return grey
        case "viridis": return viridis
        case "magma": return magma
        case "jet": return jet
        default: return nil
        }
    }

    public static let grey = Colormap(name: "grey") { t in (t, t, t) }
    public static let jet = Colormap(name: "jet") { t in
        func ramp(_ k: Double) -> Double { min(1, max(0, 1.5 - abs(4 * t - k))) }
        return (ramp(3), ramp(2), ramp(1))
    }
    public static let viridis = Colormap(name: "viridis", polynomial: [
        (0.2777273272234177, 0.005407344544966578, 0.3340998053353061),
        (0.1050930431085774, 1.404613529898575, 1.384590162594685),
        (-0.3308618287255563, 0.214847559468213, 0.09509516302823659),
        (-4.634230498983486, -5.799100973351585, -19.33244095627987),
        (6.228269936347081, 14.17993336680509, 56.69055260068105),
        (4.776384997670288, -13.74514537774601, -65.35303263337234),
        (-5.435455855934631, 4.645852612178535, 26.3124352495832),
    ])
    public static let magma = Colormap(name: "magma", polynomial: [
        (-0.002136485053939582, -0.000749655052795221, -0.005386127855323933),
        (0.2516605407371642, 0.6775232436837668, 2.494026599312351),
        (8.353717279216625, -3.577719514958484, 0.3144679030132573),
        (-27.66873308576866, 14.26473078096533, -13.64921318813922),
        (52.17613981234068, -27.94360607168351, 12.94416944238394),
        (-50.76852536473588, 29.04658282127291, 4.23415299384598),
        (18.65570506591883, -11.48977351997711, -5.601961508734096),
    ])

    /// A map whose entry i is `colour(i / 255)` with channels in [0, 1] (clamped, rounded).
    init(name: String, colour: (Double) -> (Double, Double, Double)) {
        self.name = name
        table = (0..<256).map { i in
            let (r, g, b) = colour(Double(i) / 255)
            func byte(_ v: Double) -> UInt8 { UInt8((min(1, max(0, v)) * 255).rounded()) }
            return (byte(r), byte(g), byte(b))
        }
    }

    /// A map whose channels are polynomials in t, coefficients from degree 0 up.
    init(name: String, polynomial c: [(Double, Double, Double)]) {
        self.init(name: name) { t in
            var r = 0.0, g = 0.0, b = 0.0
            for k in c.indices.reversed() {
                r = r * t + c[k].0
                g = g * t + c[k].1
                b = b * t + c[k].2
            }
            return (r, g, b)
        }
    }

    /// The colour of `t`, clamped to [0, 1] (NaN counts as 0): entry `round(t · 255)`.
    @inline(__always)
    public func rgb(_ t: Double) -> (UInt8, UInt8, UInt8) {
        table[Self.entry(t)]
    }

    @inline(__always)
    static func entry(_ t: Double) -> Int {
        guard t > 0 else { return 0 }
        return t >= 1 ? 255 : Int((t * 255).rounded())
    }
}
