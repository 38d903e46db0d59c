import Foundation

/// Writes a synthetic dataset of ML image masks in the interchange layout (CONTRACT.md
/// section 5), shaped like the workloads of the MaskSearch paper (VLDB 2024):
///
///     DIR/masks.npy          (N, H, W) uint8 or float32, C order, NPY 1.0, data at a 64-byte boundary
///     DIR/meta.csv           mask_id,image_id,model_id,mask_type,label,pred,kind
///     DIR/rois/object.csv    image_id,x0,y0,x1,y1  (two decimals; ~10 % of images absent)
///     DIR/images/<id>.png    optional images at the masks' size: the object in its box (`SceneRenderer`)
///
/// Each image has a label, an object box (5–40 % of the mask) and `masksPerImage` masks:
/// per model a GradCAM-like saliency map (mask_type 1, a 7×7 activation grid upsampled
/// bilinearly, ReLU, min-max normalised) of a planted kind — `focused`, `spurious` or
/// `diffused` — and a human-attention blob over the box (model_id 0, mask_type 2). mask_id runs
/// 0..<N in order; image_id is the image's index. See `SaliencyKind` and `ImagePlan`.
///
/// Determinism: every random draw of image i comes from the xoshiro256** stream `(seed, i)`,
/// so the files depend only on the configuration, not on batching or thread count, and a
/// smaller N gives a prefix of a larger one.
///
/// Throughput: images are generated in chunks of about 1 MB of mask data, by a pipeline of
/// threads (`ChunkPipeline`): rendering workers (one per core) each take the next chunk and a
/// free reusable buffer and render its masks, CSV rows and PNG images into it; the calling
/// thread appends the chunks to `masks.npy` and the CSV files in order, and one image thread
/// creates the image files (one thread because file creation in one directory is
/// serialised by the kernel anyway). A chunk is still in the CPU caches when it is written,
/// and the pool of buffers bounds memory at O(cores · chunk), so N is not limited by RAM.
/// The pixel work is in `MaskRenderer`.
///
/// Measured choices (40k 224×224 uint8 masks, 2 GB, on the 2-core development VM): writing
/// `masks.npy` in 0.5–1 MB pieces cost the kernel about half the time of 2 MB pieces and a
/// third of 4 MB ones (the old 32 MB batches were slower still); pwrite from both workers
/// gains nothing, since ext4 serialises buffered writes to one file on its inode lock; a
/// shared writable mapping filled by both threads cost slightly more kernel time than
/// `pwrite` when the file was `fallocate`d first and three times more when it was sparse (and
/// a mapping turns a full disk into SIGBUS); leaving all-zero pages as holes (a quarter of
/// the pages) cost more kernel time than it saved (one extent per hole).
public struct DatasetGenerator: Sendable {
    public let configuration: Configuration

    /// Mask bytes rendered per chunk by default (rounded down to whole images, at least one):
    /// small enough that a chunk is still in the caches when it is written, large enough that
    /// the per-chunk hand-offs (a few microseconds) do not matter.
    static let defaultChunkBytes = 1 << 20

    /// Memory for the pool of chunk buffers: it holds no more than this, but never fewer
    /// buffers than one per worker plus one for the writers.
    static let slotMemoryBudget = 64 << 20

    /// Mask bytes per chunk; tests lower it to exercise many chunks. The output does not
    /// depend on it.
    var targetChunkBytes = DatasetGenerator.defaultChunkBytes

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Writes the dataset into `directory` (created if missing). `masks.npy`, `meta.csv` and
    /// `rois/object.csv` are written under temporary names and renamed into place at the end,
    /// replacing those of an earlier dataset; images are written in place (images of an
    /// earlier, larger dataset are not removed). `progress(masksWritten, maskCount)` is called
    /// on the calling thread as chunks reach the file.
    ///
    /// - Throws: `DatasetGenerationError` (`.invalidConfiguration` before anything is written,
    ///   `.ioFailure` naming the file).
    /// - Complexity: O(N · H · W) time, O(cores · chunk) memory.
    public func write(to directory: URL, progress: ((Int, Int) -> Void)? = nil) throws(DatasetGenerationError) {
        let c = configuration
        try c.validate()
        let roisDirectory = directory.appendingPathComponent("rois", isDirectory: true)
        let imagesDirectory = directory.appendingPathComponent("images", isDirectory: true)
        try createDirectory(roisDirectory)
        if c.writeImages { try createDirectory(imagesDirectory) }

        var files: [OutputFile] = []
        do throws(DatasetGenerationError) {
            let masksFile = try OutputFile(directory.appendingPathComponent("masks.npy"))
            files.append(masksFile)
            let metaFile = try OutputFile(directory.appendingPathComponent("meta.csv"))
            files.append(metaFile)
            let objectFile = try OutputFile(roisDirectory.appendingPathComponent("object.csv"))
            files.append(objectFile)
            let header = NPYHeader(descriptor: c.elementType.npyDescriptor, shape: [c.maskCount, c.height, c.width])
            try masksFile.write(try header.encoded())
            try metaFile.write(CSVRowWriter.metaHeader)
            try objectFile.write(CSVRowWriter.objectHeader)
            try writeChunks(masks: masksFile, rows: (metaFile, objectFile),
                            images: c.writeImages ? imagesDirectory : nil, progress: progress)
            for file in files { try file.commit() }
        } catch {
            for file in files { file.discard() }
            throw error
        }
    }

    func createDirectory(_ url: URL) throws(DatasetGenerationError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw DatasetGenerationError(.ioFailure, "cannot create directory", path: url.path, underlying: error)
        }
    }

    /// Renders and writes every chunk (see the type's Throughput notes): `workers` renderer
    /// threads fill slots of a `ChunkPipeline`, a thread writes the images (when asked) and this
    /// thread writes the mask data to `masks` and, when `rows` is given, the CSV rows to its
    /// files, in chunk order.
    func writeChunks(masks: any ByteSink, rows: (meta: OutputFile, objects: OutputFile)?, images: URL?,
                     progress: ((Int, Int) -> Void)?) throws(DatasetGenerationError) {
        let c = configuration
        let bytesPerImage = c.masksPerImage * c.bytesPerMask
        let imagesPerChunk = max(1, min(c.imageCount, targetChunkBytes / max(1, bytesPerImage)))
        let chunkCount = (c.imageCount + imagesPerChunk - 1) / imagesPerChunk
        let workers = max(1, min(c.threadCount ?? ProcessInfo.processInfo.activeProcessorCount, chunkCount))
        let imageDirectory = try images.map { url throws(DatasetGenerationError) in try ImageDirectory(url) }
        // Two slots per worker plus two for the writers, fewer when chunks are large (big
        // masks), but always one per worker and one more for the writers.
        let slotBytes = imagesPerChunk * bytesPerImage
        let slotCount = min(chunkCount, max(workers + 1, min(2 * workers + 2, Self.slotMemoryBudget / max(1, slotBytes))))
        let pipeline = ChunkPipeline(chunkCount: chunkCount, slotCount: slotCount, slotMaskBytes: slotBytes,
                                     consumers: imageDirectory == nil ? [.masks] : [.masks, .images])
        spawnRenderers(chunkCount == 0 ? 0 : workers, pipeline: pipeline, imagesPerChunk: imagesPerChunk,
                       images: imageDirectory != nil)
        if let imageDirectory { spawnImageWriter(pipeline, chunkCount: chunkCount, directory: imageDirectory) }
        do throws(DatasetGenerationError) {
            try writeMasks(pipeline, chunkCount: chunkCount, to: masks, rows: rows, progress: progress)
        } catch {
            pipeline.fail(error)
        }
        pipeline.waitForThreads()
        if let failure = pipeline.firstFailure { throw failure }
        if chunkCount == 0 { progress?(c.maskCount, c.maskCount) }
    }

    /// Starts `count` renderer threads that take chunks in turn and publish their slots.
    private func spawnRenderers(_ count: Int, pipeline: ChunkPipeline, imagesPerChunk: Int, images: Bool) {
        let c = configuration
        let renderer = MaskRenderer(configuration: c)
        for _ in 0..<count {
            pipeline.spawn {
                let scratch = RenderScratch(configuration: c)
                var sceneScratch = SceneRenderer.Scratch()
                while let (chunk, slot) = pipeline.takeChunk() {
                    let first = chunk * imagesPerChunk
                    do throws(DatasetGenerationError) {
                        try self.render(images: first..<min(c.imageCount, first + imagesPerChunk), into: pipeline.slots[slot],
                                        renderer: renderer, scratch: scratch, images: images, sceneScratch: &sceneScratch)
                    } catch {
                        pipeline.fail(error)
                        return
                    }
                    pipeline.publish(chunk: chunk, slot: slot)
                }
            }
        }
    }

    /// Starts the thread that writes each chunk's PNG images, in chunk order.
    private func spawnImageWriter(_ pipeline: ChunkPipeline, chunkCount: Int, directory imageDirectory: ImageDirectory) {
        let directory = UncheckedSendable(imageDirectory)
        pipeline.spawn {
            for chunk in 0..<chunkCount {
                guard let slot = pipeline.take(.images, chunk: chunk) else { return }
                do throws(DatasetGenerationError) {
                    try Self.writeImageFiles(of: pipeline.slots[slot], to: directory.value)
                } catch {
                    pipeline.fail(error)
                    return
                }
                pipeline.release(slot: slot)
            }
        }
    }

    /// Writes each chunk's masks (and CSV rows, when `rows` is given) in chunk order, on the
    /// calling thread (so that `progress` is called there).
    private func writeMasks(_ pipeline: ChunkPipeline, chunkCount: Int, to masks: any ByteSink,
                            rows: (meta: OutputFile, objects: OutputFile)?,
                            progress: ((Int, Int) -> Void)?) throws(DatasetGenerationError) {
        var masksWritten = 0
        for chunk in 0..<chunkCount {
            guard let index = pipeline.take(.masks, chunk: chunk) else { break }
            let slot = pipeline.slots[index]
            try masks.write(UnsafeRawBufferPointer(rebasing: slot.masks[0..<slot.maskByteCount]))
            if let rows {
                try rows.meta.write(slot.meta.bytes)
                try rows.objects.write(slot.objects.bytes)
            }
            masksWritten += slot.maskCount
            pipeline.release(slot: index)
            progress?(masksWritten, configuration.maskCount)
        }
    }

    /// Plans and renders `imageRange` into `slot`: their masks (contiguous from the first image's
    /// first mask), CSV rows and, when `images`, PNG files (drawn in `sceneScratch`, reused).
    private func render(images imageRange: Range<Int>, into slot: ChunkSlot, renderer: MaskRenderer, scratch: RenderScratch,
                        images: Bool, sceneScratch: inout SceneRenderer.Scratch) throws(DatasetGenerationError) {
        let c = configuration
        slot.reset(firstImage: imageRange.lowerBound)
        let firstMask = imageRange.lowerBound * c.masksPerImage
        for image in imageRange {
            let plan = ImagePlan(imageIndex: image, configuration: c)
            for (k, mask) in plan.masks.enumerated() {
                let maskID = image * c.masksPerImage + k
                guard maskID < c.maskCount else { break }
                renderer.render(mask, of: plan, into: slot.masks.baseAddress! + (maskID - firstMask) * c.bytesPerMask,
                                scratch: scratch)
                slot.meta.appendMetaRow(maskID: maskID, imageID: image, mask: mask, label: plan.label)
                slot.maskCount += 1
            }
            if plan.boxIsListed { slot.objects.appendObjectRow(imageID: image, box: plan.box) }
            if images {
                try SceneRenderer.appendPNG(for: plan, configuration: c, to: &slot.png, scratch: &sceneScratch)
                slot.pngEnds.append(slot.png.count)
            }
        }
        slot.maskByteCount = slot.maskCount * c.bytesPerMask
    }

    /// Creates the image files of the images of `slot`.
    private static func writeImageFiles(of slot: ChunkSlot, to directory: ImageDirectory) throws(DatasetGenerationError) {
        var failure: DatasetGenerationError?
        slot.png.withUnsafeBytes { png in
            var start = 0
            for (k, end) in slot.pngEnds.enumerated() {
                do throws(DatasetGenerationError) {
                    try directory.writeImage(slot.firstImage + k, UnsafeRawBufferPointer(rebasing: png[start..<end]))
                } catch {
                    failure = error
                    return
                }
                start = end
            }
        }
        if let failure { throw failure }
    }
}

/// A value handed to exactly one other thread, which alone uses it from then on.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
