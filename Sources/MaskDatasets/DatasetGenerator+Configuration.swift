import MaskImaging

extension DatasetGenerator {
    /// What to generate. Every field has a default, so `Configuration()` is a valid
    /// 3,000-mask, 224×224, uint8 dataset with images.
    public struct Configuration: Sendable, Equatable {
        /// Total number of masks N (exact). Images get `masksPerImage` masks each, in the order
        /// model 1, model 2, …, human attention; the last image may get fewer.
        public var maskCount: Int = 3000
        /// Mask height H in pixels.
        public var height: Int = 224
        /// Mask width W in pixels.
        public var width: Int = 224
        /// The seed; equal seeds (and configurations) give byte-identical files.
        public var seed: UInt64 = 0
        /// Element type of `masks.npy`.
        public var elementType: MaskElementType = .uint8
        /// Saliency masks per image (model_id 1…modelsPerImage, mask_type 1).
        public var modelsPerImage: Int = 2
        /// Adds one human-attention mask per image (model_id 0, mask_type 2, kind `human`).
        public var includeHumanAttention: Bool = true
        /// Writes `images/<image_id>.png`, each the masks' size (`SceneRenderer`).
        public var writeImages: Bool = true
        /// Side of the coarse activation grid that saliency maps are upsampled from
        /// (7 like ResNet-50's last convolutional layer at 224×224 input).
        public var activationGridSize: Int = 7
        /// Number of class labels; `label` and `pred` lie in 0..<labelCount.
        public var labelCount: Int = 20
        /// Fraction of images whose object box is left out of `rois/object.csv`.
        public var missingBoxFraction: Double = 0.1
        /// Rendering threads: nil uses one per active core. The calling thread always appends
        /// the rendered chunks to the files, and with images one more thread creates the
        /// image files. The output does not depend on it.
        public var threadCount: Int? = nil

        public init() {}

        public init(maskCount: Int, height: Int = 224, width: Int = 224, seed: UInt64 = 0,
                    elementType: MaskElementType = .uint8, writeImages: Bool = true) {
            self.maskCount = maskCount
            self.height = height
            self.width = width
            self.seed = seed
            self.elementType = elementType
            self.writeImages = writeImages
        }

        /// Masks per image: the saliency models plus the optional human-attention mask.
        public var masksPerImage: Int { modelsPerImage + (includeHumanAttention ? 1 : 0) }

        /// Number of images, `ceil(maskCount / masksPerImage)`.
        public var imageCount: Int {
            masksPerImage == 0 ? 0 : (maskCount + masksPerImage - 1) / masksPerImage
        }

        /// Bytes of one stored mask.
        public var bytesPerMask: Int { height * width * elementType.byteCount }

        /// Throws `.invalidConfiguration` naming the first bad field.
        public func validate() throws(DatasetGenerationError) {
            func fail(_ message: String) -> DatasetGenerationError {
                DatasetGenerationError(.invalidConfiguration, message)
            }
            guard maskCount >= 0 else { throw fail("mask count must be >= 0, got \(maskCount)") }
            guard height >= 1, width >= 1 else { throw fail("mask size must be at least 1×1, got \(height)×\(width)") }
            guard height <= 65_536, width <= 65_536 else { throw fail("mask size must be at most 65536×65536, got \(height)×\(width)") }
            guard modelsPerImage >= 0, modelsPerImage <= 1_000 else { throw fail("models per image must be in 0...1000, got \(modelsPerImage)") }
            guard masksPerImage >= 1 else { throw fail("each image needs at least one mask (models per image is 0 and human attention is off)") }
            if writeImages, height > RasterImage.maxSide || width > RasterImage.maxSide {
                throw fail("images are drawn at the mask size, at most \(RasterImage.maxSide)×\(RasterImage.maxSide); got \(height)×\(width) (generate without images)")
            }
            guard activationGridSize >= 1, activationGridSize <= 256 else { throw fail("activation grid size must be in 1...256, got \(activationGridSize)") }
            guard labelCount >= 1 else { throw fail("label count must be >= 1, got \(labelCount)") }
            guard missingBoxFraction >= 0, missingBoxFraction <= 1 else { throw fail("missing box fraction must be in [0, 1], got \(missingBoxFraction)") }
            if let threadCount, threadCount < 1 { throw fail("thread count must be >= 1, got \(threadCount)") }
        }
    }
}
