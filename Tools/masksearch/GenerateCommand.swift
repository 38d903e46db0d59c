import ArgumentParser
import Foundation
import MaskDatasets

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a synthetic dataset in the interchange layout (masks.npy, meta.csv, rois/object.csv, images/).",
        discussion: """
        GradCAM-like saliency maps (a 7x7 activation grid upsampled bilinearly, ReLU, min-max normalised)
        from two models per image with planted kinds (focused, spurious, diffused), object boxes (some
        images without one), labels and predictions, and a human-attention mask per image.
        Deterministic by --seed.
        """)

    @Argument(help: "Output directory (created when missing).") var dir: String
    @Option(help: "Number of masks (3 per image: model 1, model 2, human attention).") var masks: Int = 3000
    @Option(help: "Mask size H,W.") var size: String = "224,224"
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Element type of masks.npy: uint8 or float32.") var dtype: String = "uint8"
    @Flag(help: "Do not write the images (one PNG per image_id at the masks' size: the labelled object in its box on a textured background).") var noImages = false

    func validate() throws {
        guard parsedSize != nil else { throw ValidationError("--size must be H,W with positive integers, not '\(size)'") }
        guard MaskElementType(name: dtype) != nil else { throw ValidationError("--dtype must be uint8 or float32, not '\(dtype)'") }
        guard masks > 0 else { throw ValidationError("--masks must be positive") }
    }

    var parsedSize: (Int, Int)? {
        let p = size.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard p.count == 2, p[0] > 0, p[1] > 0 else { return nil }
        return (p[0], p[1])
    }

    var configuration: DatasetGenerator.Configuration {
        var c = DatasetGenerator.Configuration(maskCount: masks, height: parsedSize!.0, width: parsedSize!.1, seed: seed,
                                               elementType: MaskElementType(name: dtype)!, writeImages: !noImages)
        c.writeImages = !noImages
        return c
    }

    func run() throws {
        let start = Date()
        let bar = ProgressBar("generate")
        try generate(configuration, into: dir, bar: bar)
        bar.finish()
        let s = Date().timeIntervalSince(start)
        print(String(format: "generated %d masks of %@ into %@ in %.2f s (%.0f masks/s)", masks, size, dir, s, Double(masks) / s))
    }
}

/// Runs the generator, mapping its errors to exit codes (2 bad configuration, 1 I/O).
func generate(_ configuration: DatasetGenerator.Configuration, into dir: String, bar: ProgressBar?) throws {
    do {
        try DatasetGenerator(configuration: configuration).write(to: URL(fileURLWithPath: dir), progress: bar?.update)
    } catch {
        throw CommandFailure(error.description, code: error.code == .invalidConfiguration ? 2 : 1)
    }
}
