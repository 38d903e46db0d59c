import Foundation
import MaskImaging
import Testing
@testable import MaskDatasets

@Suite("Generated images")
struct GeneratedImageTests {
    /// A point of `shape` inscribed in the unit square [-1, 1]², well inside it.
    private func innerPoint(_ shape: ObjectShape) -> (u: Double, v: Double) {
        shape == .ring ? (0.8, 0) : (0, 0.3)
    }

    /// The pixel at unit-square point (u, v) of the shape drawn in `rect` (as SceneRenderer insets it).
    private func pixel(in rect: (Double, Double, Double, Double), at p: (u: Double, v: Double)) -> (x: Int, y: Int) {
        let cx = (rect.0 + rect.2) / 2, cy = (rect.1 + rect.3) / 2
        let rx = 0.44 * (rect.2 - rect.0), ry = 0.44 * (rect.3 - rect.1)
        return (Int(cx + p.u * rx), Int(cy + p.v * ry))
    }

    /// True when `c` is `colour` lit by one of the renderer's shades (0.88...1.12, clamped).
    private func isShade(_ c: (UInt8, UInt8, UInt8), of colour: (UInt8, UInt8, UInt8)) -> Bool {
        func ok(_ a: UInt8, _ b: UInt8) -> Bool { Double(a) >= Double(b) * 0.87 - 1 && Double(a) <= min(255, Double(b) * 1.13 + 1) }
        return ok(c.0, colour.0) && ok(c.1, colour.1) && ok(c.2, colour.2)
    }

    @Test("images are PNGs at the masks' size with the labelled object in its box and distractors at spurious peaks")
    func content() throws {
        let c = DatasetGenerator.Configuration(maskCount: 240, height: 96, width: 128, seed: 21)
        let directory = try generate(c)
        defer { directory.cleanUp() }
        var distractorsChecked = 0
        for image in 0..<c.imageCount {
            let png = try [UInt8](Data(contentsOf: directory.url.appendingPathComponent("images/\(image).png")))
            let decoded = try ImageFile.decode(png)
            #expect(decoded.width == 128 && decoded.height == 96 && decoded.channels == 3)
            let plan = ImagePlan(imageIndex: image, configuration: c)
            let box = plan.box
            let rect = (box.x0, box.y0, box.x1, box.y1)
            guard box.x1 - box.x0 > 12, box.y1 - box.y0 > 12 else { continue }
            let shape = ObjectShape(label: plan.label)
            let p = pixel(in: rect, at: innerPoint(shape))
            #expect(isShade(decoded.rgb(x: p.x, y: p.y), of: SceneRenderer.labelColour(plan.label, of: c.labelCount)),
                    "image \(image): label \(plan.label) at \(p)")
            for mask in plan.masks where mask.kind == .spurious && mask.prediction != plan.label {
                guard let peak = mask.grid?.spuriousPeak else { continue }
                let centre = (x: Int(peak.x * 128), y: Int(peak.y * 96))
                // Skip peaks near the object box or another distractor (drawn over each other).
                let nearBox = Double(centre.x) > box.x0 - 12 && Double(centre.x) < box.x1 + 12
                    && Double(centre.y) > box.y0 - 12 && Double(centre.y) < box.y1 + 12
                let others = plan.masks.filter { $0.kind == .spurious && $0.modelID != mask.modelID }
                guard !nearBox, others.isEmpty else { continue }
                let r = 0.08 * 96.0
                let q = pixel(in: (peak.x * 128 - r, peak.y * 96 - r, peak.x * 128 + r, peak.y * 96 + r),
                              at: innerPoint(ObjectShape(label: mask.prediction)))
                #expect(isShade(decoded.rgb(x: q.x, y: q.y), of: SceneRenderer.labelColour(mask.prediction, of: c.labelCount)),
                        "image \(image): distractor of class \(mask.prediction)")
                distractorsChecked += 1
            }
        }
        #expect(distractorsChecked >= 3)
    }

    @Test("each class has its shape and colour; the background stays in its tones")
    func classes() {
        #expect(Set((0..<6).map { ObjectShape(label: $0) }).count == 6)
        #expect(ObjectShape(label: 7) == ObjectShape(label: 1) && ObjectShape(label: -1) == .ring)
        let colours = (0..<20).map { SceneRenderer.labelColour($0, of: 20) }
        #expect(Set(colours.map { "\($0)" }).count == 20)
        for shape in ObjectShape.allCases {
            #expect(shape.contains(u: innerPoint(shape).u, v: innerPoint(shape).v))
            #expect(!shape.contains(u: 1.01, v: 0) && !shape.contains(u: 0, v: -1.01))
        }
    }

    @Test("images at a mask size beyond the decoders' limit are refused before anything is written")
    func tooLarge() {
        var c = DatasetGenerator.Configuration(maskCount: 1, height: 20_000, width: 8, seed: 1)
        #expect(throws: DatasetGenerationError.self) { try c.validate() }
        c.writeImages = false
        #expect(throws: Never.self) { try c.validate() }
    }
}
