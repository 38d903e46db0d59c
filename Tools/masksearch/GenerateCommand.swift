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
    @Flag(help: ArgumentHelp("Write the masks to standard output as one .npy stream instead of DIR/masks.npy; meta.csv and rois/ are written into DIR first.",
                             discussion: "For datasets too large to keep: masksearch generate DIR --stdout --no-images | masksearch ingest DB - --meta DIR/meta.csv"))
    var stdout = false

    func validate() throws {
        if stdout && isatty(1) != 0 {
            throw ValidationError("--stdout writes binary mask data: pipe it into `masksearch ingest DB - --meta DIR/meta.csv` or redirect it to a file")
        }
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
        if stdout {
            try streamMasks(bar: bar)
        } else {
            try generate(configuration, into: dir, bar: bar)
        }
        bar.finish()
        let s = Date().timeIntervalSince(start)
        let line = String(format: "generated %d masks of %@ into %@ in %.2f s (%.0f masks/s)",
                          masks, size, stdout ? "standard output (metadata in \(dir))" : dir, s, Double(masks) / s)
        if stdout {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } else {
            print(line)
        }
    }

    /// `--stdout`: metadata into DIR, then the masks as one .npy stream on descriptor 1.
    /// SIGPIPE is ignored so that a reader exiting early is a reported write error (exit 1),
    /// not a silent kill. The bar is drawn only when standard output is not a pipe (the
    /// ingest at the other end draws its own).
    private func streamMasks(bar: ProgressBar) throws {
        signal(SIGPIPE, SIG_IGN)
        var status = stat()
        let piped = fstat(1, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO
        do {
            try DatasetGenerator(configuration: configuration)
                .stream(to: 1, metadataIn: URL(fileURLWithPath: dir), progress: piped ? nil : bar.update)
        } catch {
            throw CommandFailure(error.description, code: error.code == .invalidConfiguration ? 2 : 1)
        }
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
