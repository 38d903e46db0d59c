import Foundation
import Testing
@testable import MaskDatasets

@Suite("Mask values")
struct MaskValueTests {
    @Test("float32 values lie in [0, 1], are never -0.0, and each map is normalised")
    func float32Normalised() throws {
        let c = smallConfiguration(masks: 90, elementType: .float32, images: false)
        let directory = try generate(c)
        defer { directory.cleanUp() }
        let npy = try ParsedNPY(Data(contentsOf: directory.url.appendingPathComponent("masks.npy")))
        let floats = npy.data.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        #expect(floats.allSatisfy { $0 >= 0 && $0 <= 1 && $0.sign == .plus })
        let pixels = c.height * c.width
        for m in 0..<c.maskCount {
            let mask = floats[(m * pixels)..<((m + 1) * pixels)]
            let peak = mask.max()!
            #expect(peak == 1 || peak == 0, "mask \(m) peaks at \(peak)")
            if m % 3 != 2 { #expect(mask.min() == 0, "saliency mask \(m) is min-max normalised") }
        }
    }

    @Test("uint8 masks reach level 255 unless constant")
    func uint8Levels() throws {
        let c = smallConfiguration(masks: 90, images: false)
        let directory = try generate(c)
        defer { directory.cleanUp() }
        let npy = try ParsedNPY(Data(contentsOf: directory.url.appendingPathComponent("masks.npy")))
        let pixels = c.height * c.width
        for m in 0..<c.maskCount {
            let mask = npy.data[(m * pixels)..<((m + 1) * pixels)]
            #expect(mask.max() == 255 || mask.max() == mask.min())
        }
    }

    @Test("the uint8 dataset is the float32 dataset quantised by round(v·255), ties to even")
    func uint8IsQuantisedFloat32() throws {
        let floatDirectory = try generate(smallConfiguration(masks: 45, elementType: .float32, images: false))
        let byteDirectory = try generate(smallConfiguration(masks: 45, elementType: .uint8, images: false))
        defer { floatDirectory.cleanUp(); byteDirectory.cleanUp() }
        let floats = try ParsedNPY(Data(contentsOf: floatDirectory.url.appendingPathComponent("masks.npy"))).data
        let bytes = try ParsedNPY(Data(contentsOf: byteDirectory.url.appendingPathComponent("masks.npy"))).data
        let expected: [UInt8] = floats.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { k in
                let v = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)))
                return UInt8((Double(v) * 255).rounded(.toNearestOrEven))
            }
        }
        #expect(Array(bytes) == expected)
    }

    @Test("the uint8 encoder matches the exact rule on every Float near each half level")
    func uint8EncoderExactAtTies() {
        // Floats whose product with 255 lies within a few ulps of k + 0.5: where Float
        // arithmetic can round the wrong way. Also 0, 1 and a sweep.
        var values: [Float] = [0, 1, 0.5, 1 / 255, 254.5 / 255]
        for k in 0..<255 {
            var v = Float((Double(k) + 0.5) / 255)
            for _ in 0..<6 { v = v.nextDown }
            for _ in 0..<12 { values.append(v); v = v.nextUp }
        }
        values += (0...4096).map { Float($0) / 4096 }
        let count = values.count
        let padded = values + [Float](repeating: 0, count: (8 - count % 8) % 8)
        var out = [UInt8](repeating: 0, count: padded.count)
        out.withUnsafeMutableBytes { raw in
            var redo = SIMD8<Float>(repeating: 0), tail: Float = 0
            for x in stride(from: 0, to: padded.count, by: 8) {
                var lanes = SIMD8<Float>(repeating: 0)
                for k in 0..<8 { lanes[k] = padded[x + k] }
                var laneRedo = SIMD8<Float>(repeating: 0)
                UInt8PixelEncoder.storeClamping(lanes, into: raw.baseAddress!, at: x, redo: &laneRedo)
                if UInt8PixelEncoder.needsRedo(laneRedo, tail) {
                    for k in 0..<8 { UInt8PixelEncoder.storeExactly(padded[x + k], into: raw.baseAddress!, at: x + k) }
                }
                redo = laneRedo
            }
            _ = redo
        }
        for k in 0..<count {
            #expect(out[k] == UInt8((Double(values[k]) * 255).rounded(.toNearestOrEven)), "v = \(values[k])")
        }
    }

    @Test("planted kinds: focused maps put their high values inside the object box, spurious ones outside")
    func kindsBehaveAsPlanted() throws {
        var c = smallConfiguration(masks: 900, images: false)
        c.height = 48
        c.width = 48
        let directory = try generate(c)
        defer { directory.cleanUp() }
        let meta = try csvRows(directory.url.appendingPathComponent("meta.csv")).rows
        let boxes = Dictionary(uniqueKeysWithValues: try csvRows(directory.url.appendingPathComponent("rois/object.csv")).rows.map {
            (Int($0[0])!, (Int(Double($0[1])!.rounded(.down)), Int(Double($0[2])!.rounded(.down)),
                           Int(Double($0[3])!.rounded(.up)), Int(Double($0[4])!.rounded(.up))))
        })
        let masks = try maskValues(directory.url, configuration: c)
        var insideShare: [SaliencyKind: [Double]] = [:], midShare: [SaliencyKind: [Double]] = [:]
        for row in meta {
            let id = Int(row[0])!, kind = SaliencyKind(rawValue: row[6])!
            guard let box = boxes[Int(row[1])!] else { continue }
            var high = 0, highInside = 0, mid = 0
            for y in 0..<c.height {
                for x in 0..<c.width {
                    let v = masks[id][y * c.width + x]
                    if v >= 0.8 {
                        high += 1
                        if x >= box.0, x < box.2, y >= box.1, y < box.3 { highInside += 1 }
                    }
                    if v > 0.2, v < 0.8 { mid += 1 }
                }
            }
            insideShare[kind, default: []].append(Double(highInside) / Double(max(high, 1)))
            midShare[kind, default: []].append(Double(mid) / Double(c.height * c.width))
        }
        func mean(_ xs: [Double]?) -> Double { (xs ?? []).reduce(0, +) / Double(max(1, xs?.count ?? 0)) }
        #expect(mean(insideShare[.focused]) > 0.8)
        #expect(mean(insideShare[.spurious]) < 0.2)
        #expect(mean(insideShare[.human]) > 0.95)
        #expect(mean(midShare[.diffused]) > 2 * mean(midShare[.focused]))
        let accuracy = Dictionary(grouping: meta, by: { $0[6] }).mapValues { rows in
            Double(rows.filter { $0[4] == $0[5] }.count) / Double(rows.count)
        }
        #expect(accuracy["focused"]! > accuracy["spurious"]!)
        #expect(accuracy["focused"]! > accuracy["diffused"]!)
    }

    @Test("bilinear sampling follows the half-pixel convention and finds each run's end points")
    func bilinearAxis() {
        let axis = BilinearAxis(gridCount: 7, outputCount: 224)
        // Pixels 0...15 sit before the first node centre and copy it.
        #expect(axis.lower[0...15].allSatisfy { $0 == 0 } && axis.upperWeight[0...15].allSatisfy { $0 == 0 })
        #expect(axis.lower[16] == 0 && axis.upper[16] == 1 && axis.upperWeight[16] == Float(1.0 / 64))
        #expect(axis.lower[223] == 6 && axis.upperWeight[223] == 0)
        #expect(axis.extremeSamples == [0, 47, 48, 79, 80, 111, 112, 143, 144, 175, 176, 207, 208, 223])
        let identity = BilinearAxis(gridCount: 5, outputCount: 5)
        #expect(identity.lower == [0, 1, 2, 3, 4] && identity.upperWeight.allSatisfy { $0 == 0 })
    }

    @Test("saliency maps equal a brute-force evaluation of the formula at every pixel")
    func extremesMatchBruteForce() throws {
        for (height, width, seed) in [(224, 224, 1), (37, 53, 2), (5, 3, 3), (7, 7, 4), (100, 9, 5)] {
            var c = smallConfiguration(masks: 6, seed: UInt64(seed), elementType: .float32, images: false)
            c.height = height
            c.width = width
            let renderer = MaskRenderer(configuration: c)
            let scratch = RenderScratch(configuration: c)
            var rng = SeededRandom(seed: UInt64(seed), stream: 9)
            for kind in [SaliencyKind.focused, .spurious, .diffused] {
                let grid = ActivationGrid.synthesize(kind: kind, size: 7, box: (0.2, 0.3, 0.6, 0.7), using: &rng)
                var out = [Float](repeating: -1, count: height * width)
                out.withUnsafeMutableBytes { renderSaliency(renderer, grid, into: $0.baseAddress!, scratch) }
                // Brute force: the same Float expression at every pixel.
                var table = [[Float]](repeating: [Float](repeating: 0, count: width), count: 7)
                for i in 0..<7 {
                    for x in 0..<width {
                        let left = grid.values[i * 7 + renderer.columns.lower[x]]
                        let right = grid.values[i * 7 + renderer.columns.upper[x]]
                        table[i][x] = renderer.columns.lowerWeight[x] * left + renderer.columns.upperWeight[x] * right
                    }
                }
                var raw: [Float] = []
                for y in 0..<height {
                    for x in 0..<width {
                        let top: Float = table[renderer.rows.lower[y]][x], bottom: Float = table[renderer.rows.upper[y]][x]
                        let a: Float = renderer.rows.lowerWeight[y], b: Float = renderer.rows.upperWeight[y]
                        raw.append(a * top + b * bottom)
                    }
                }
                let lowest = max(raw.min()!, 0), highest = max(raw.max()!, 0)
                var expected = [Float](repeating: 0, count: raw.count)
                if highest > lowest {
                    let scale = MaskRenderer.normalisingScale(span: highest - lowest)
                    expected = raw.map { r in
                        let v = (r - lowest) * scale
                        return v > 0 ? min(v, 1) : 0
                    }
                    #expect(out.max() == 1)
                    #expect(out.min() == 0)
                }
                // Bit-for-bit: the extremes from the end-point samples and the memset of the
                // zero support change nothing.
                #expect(out.map(\.bitPattern) == expected.map(\.bitPattern), "\(kind) \(height)×\(width)")
            }
        }
    }

    private func renderSaliency(_ renderer: MaskRenderer, _ grid: ActivationGrid, into pointer: UnsafeMutableRawPointer,
                                _ scratch: RenderScratch) {
        renderer.renderSaliency(grid, Float32PixelEncoder.self, into: pointer, scratch: scratch)
    }

    @Test("the normalising scale maps the span to at least 1 and stays within an ulp of 1/span")
    func normalisingScale() {
        var rng = SeededRandom(seed: 3, stream: 0)
        for _ in 0..<10_000 {
            let span = Float(rng.double(in: 1e-6, 4))
            let scale = MaskRenderer.normalisingScale(span: span)
            #expect(span * scale >= 1)
            #expect(scale.nextDown * span < 1 || scale == 1 / span)
        }
    }
}
