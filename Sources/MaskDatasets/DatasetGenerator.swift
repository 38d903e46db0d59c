import Dispatch
import Foundation

/// Writes a synthetic dataset of ML image masks in the interchange layout (CONTRACT.md
/// section 5), shaped like the workloads of the MaskSearch paper (VLDB 2024):
///
///     DIR/masks.npy          (N, H, W) uint8 or float32, C order, NPY 1.0, data at a 64-byte boundary
///     DIR/meta.csv           mask_id,image_id,model_id,mask_type,label,pred,kind
///     DIR/rois/object.csv    image_id,x0,y0,x1,y1  (two decimals; ~10 % of images absent)
///     DIR/images/<id>.png    optional thumbnails showing the object box
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
/// Throughput: images are generated in batches of about 32 MB of mask data. Within a batch,
/// `DispatchQueue.concurrentPerform` workers render contiguous image ranges straight into the
/// batch buffer; a background thread appends the previous batch to `masks.npy` with one write
/// meanwhile (two buffers alternate, see `BackgroundBatchWriter`). Memory stays O(batch), so N
/// is not limited by RAM. The pixel work is in `MaskRenderer`.
public struct DatasetGenerator: Sendable {
    public let configuration: Configuration

    /// Mask bytes rendered per batch (rounded to whole images).
    static let targetBatchBytes = 32 << 20

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Writes the dataset into `directory` (created if missing). `masks.npy`, `meta.csv` and
    /// `rois/object.csv` are written under temporary names and renamed into place at the end,
    /// replacing those of an earlier dataset; thumbnails are written in place (thumbnails of an
    /// earlier, larger dataset are not removed). `progress(masksWritten, maskCount)` is called
    /// on the calling thread as batches reach the file.
    ///
    /// - Throws: `DatasetGenerationError` (`.invalidConfiguration` before anything is written,
    ///   `.ioFailure` naming the file).
    /// - Complexity: O(N · H · W) time, O(batch) memory.
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
            try writeBatches(masks: masksFile, meta: metaFile, objects: objectFile,
                             images: c.writeImages ? imagesDirectory : nil, progress: progress)
            for file in files { try file.commit() }
        } catch {
            for file in files { file.discard() }
            throw error
        }
    }

    private func createDirectory(_ url: URL) throws(DatasetGenerationError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw DatasetGenerationError(.ioFailure, "cannot create directory", path: url.path, underlying: error)
        }
    }

    private func writeBatches(masks: OutputFile, meta: OutputFile, objects: OutputFile, images: URL?,
                              progress: ((Int, Int) -> Void)?) throws(DatasetGenerationError) {
        let c = configuration
        let perImage = c.masksPerImage, bytesPerMask = c.bytesPerMask
        let imagesPerBatch = max(1, min(c.imageCount, Self.targetBatchBytes / max(1, perImage * bytesPerMask)))
        let threads = c.threadCount ?? ProcessInfo.processInfo.activeProcessorCount
        let renderer = MaskRenderer(configuration: c)
        let writer = BackgroundBatchWriter(masks: masks, meta: meta, objects: objects)
        let bufferBytes = max(1, imagesPerBatch * perImage * bytesPerMask)
        let buffers = (0..<2).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: bufferBytes, alignment: 64) }
        defer {
            try? writer.finish()   // never free a buffer the writer may still be reading
            for buffer in buffers { buffer.deallocate() }
        }

        var firstImage = 0, batch = 0, masksSubmitted = 0
        while firstImage < c.imageCount {
            let buffer = buffers[batch % 2]
            let imageCount = min(imagesPerBatch, c.imageCount - firstImage)
            let firstMask = firstImage * perImage
            let maskCount = min(c.maskCount, (firstImage + imageCount) * perImage) - firstMask
            let itemCount = min(imageCount, threads * 4)
            let slots = UnsafeMutableBufferPointer<WorkItemOutput>.allocate(capacity: itemCount)
            slots.initialize(repeating: WorkItemOutput())
            let shared = SharedBatch(buffer: buffer, outputs: slots)
            let batchFirstImage = firstImage
            let work: @Sendable (Int) -> Void = { item in
                let lower = batchFirstImage + imageCount * item / itemCount
                let upper = batchFirstImage + imageCount * (item + 1) / itemCount
                shared.outputs[item] = self.generate(images: lower..<upper, firstMaskOfBatch: firstMask,
                                                     into: shared.buffer, renderer: renderer, imagesDirectory: images)
            }
            Self.run(itemCount, items: work, onThreads: threads)
            let outputs = Array(slots)
            slots.deinitialize().deallocate()

            if let error = outputs.lazy.compactMap(\.error).first { throw error }
            try writer.submit(maskBytes: UnsafeRawBufferPointer(rebasing: buffer[0..<(maskCount * bytesPerMask)]),
                              metaRows: outputs.map(\.meta.bytes), objectRows: outputs.map(\.objects.bytes))
            if masksSubmitted > 0 { progress?(masksSubmitted, c.maskCount) }   // the previous batch is on disk
            masksSubmitted = firstMask + maskCount
            firstImage += imageCount
            batch += 1
        }
        try writer.finish()
        progress?(c.maskCount, c.maskCount)
    }

    /// Runs `items(0..<count)` on up to `threads` threads: the calling thread alone when
    /// `threads` is 1, otherwise `concurrentPerform` workers taking the next item from a shared
    /// counter (so a worker delayed by another process does not hold up the batch).
    private static func run(_ count: Int, items: @escaping @Sendable (Int) -> Void, onThreads threads: Int) {
        guard threads > 1, count > 1 else {
            for item in 0..<count { items(item) }
            return
        }
        let next = ItemCounter()
        DispatchQueue.concurrentPerform(iterations: min(threads, count)) { _ in
            while let item = next.take(below: count) { items(item) }
        }
    }

    /// Plans and renders `images`, writing their masks into `buffer` (mask m of the dataset at
    /// offset `(m − firstMaskOfBatch) · bytesPerMask`) and their CSV rows and thumbnails.
    private func generate(images: Range<Int>, firstMaskOfBatch: Int, into buffer: UnsafeMutableRawBufferPointer,
                          renderer: MaskRenderer, imagesDirectory: URL?) -> WorkItemOutput {
        let c = configuration
        var output = WorkItemOutput()
        let scratch = RenderScratch(configuration: c)
        for image in images {
            let plan = ImagePlan(imageIndex: image, configuration: c)
            for (k, mask) in plan.masks.enumerated() {
                let maskID = image * c.masksPerImage + k
                guard maskID < c.maskCount else { break }
                renderer.render(mask, of: plan, into: buffer.baseAddress! + (maskID - firstMaskOfBatch) * c.bytesPerMask,
                                scratch: scratch)
                output.meta.appendMetaRow(maskID: maskID, imageID: image, mask: mask, label: plan.label)
            }
            if plan.boxIsListed { output.objects.appendObjectRow(imageID: image, box: plan.box) }
            if let imagesDirectory, output.error == nil {
                let url = imagesDirectory.appendingPathComponent("\(image).png")
                do {
                    try Data(ThumbnailRenderer.png(for: plan, configuration: c)).write(to: url)
                } catch {
                    output.error = DatasetGenerationError(.ioFailure, "cannot write image", path: url.path, underlying: error)
                }
            }
        }
        return output
    }
}

/// The batch buffer and per-item output slots, shared by the workers of one batch. Each worker
/// writes only its own slot and its own images' byte range, so no two threads touch the same
/// memory.
private struct SharedBatch: @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer
    let outputs: UnsafeMutableBufferPointer<WorkItemOutput>
}

/// The output of one work item (a contiguous range of images) of a batch.
private struct WorkItemOutput {
    var meta = CSVRowWriter()
    var objects = CSVRowWriter()
    var error: DatasetGenerationError?
}

/// Hands out item numbers 0, 1, 2, … to the workers of one batch.
private final class ItemCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    func take(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
}
