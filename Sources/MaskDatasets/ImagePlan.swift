/// Everything random about one image, drawn from the image's own stream `(seed, imageIndex)`:
/// its label, object box, whether the box is listed in `rois/object.csv`, a background tone,
/// and for each of its masks the kind, the prediction and (for saliency masks) the activation
/// grid. Pixels are rendered from the plan afterwards, without further randomness.
///
/// The draws are made for all `masksPerImage` masks even when the last image is cut short,
/// so a dataset of N masks is a prefix of the dataset of M > N masks with the same seed.
struct ImagePlan {
    struct PlannedMask {
        let modelID: Int
        let maskType: Int
        let kind: SaliencyKind
        let prediction: Int
        /// The activation grid of a saliency mask; nil for human attention.
        let grid: ActivationGrid?
    }

    let imageIndex: Int
    let label: Int
    let box: ObjectBox
    let boxIsListed: Bool
    /// Brightness of the image background (`SceneStyle`), in 0...1.
    let backgroundTone: Double
    /// All `masksPerImage` planned masks (callers render only those below `maskCount`).
    let masks: [PlannedMask]

    /// - Complexity: O(models · grid²).
    init(imageIndex: Int, configuration c: DatasetGenerator.Configuration) {
        var rng = SeededRandom(seed: c.seed, stream: UInt64(imageIndex))
        self.imageIndex = imageIndex
        let label = rng.index(below: c.labelCount)
        self.label = label
        box = ObjectBox.random(height: c.height, width: c.width, using: &rng)
        boxIsListed = !rng.chance(c.missingBoxFraction)
        backgroundTone = rng.double(in: 0.15, 0.45)
        let unitBox = (x0: box.x0 / Double(c.width), y0: box.y0 / Double(c.height),
                       x1: box.x1 / Double(c.width), y1: box.y1 / Double(c.height))
        func predict(_ kind: SaliencyKind, _ rng: inout SeededRandom) -> Int {
            if c.labelCount == 1 || rng.chance(kind.predictionAccuracy) { return label }
            return (label + 1 + rng.index(below: c.labelCount - 1)) % c.labelCount
        }
        var masks: [PlannedMask] = []
        masks.reserveCapacity(c.masksPerImage)
        for model in 1...max(1, c.modelsPerImage) where model <= c.modelsPerImage {
            let kind = SaliencyKind.randomSaliency(using: &rng)
            let prediction = predict(kind, &rng)
            let grid = ActivationGrid.synthesize(kind: kind, size: c.activationGridSize, box: unitBox, using: &rng)
            masks.append(PlannedMask(modelID: model, maskType: 1, kind: kind, prediction: prediction, grid: grid))
        }
        if c.includeHumanAttention {
            masks.append(PlannedMask(modelID: 0, maskType: 2, kind: .human, prediction: label, grid: nil))
        }
        self.masks = masks
    }
}
