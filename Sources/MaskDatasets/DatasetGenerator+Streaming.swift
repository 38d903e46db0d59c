import Foundation

extension DatasetGenerator {
    /// Writes the dataset with its masks as a stream instead of `masks.npy`, for datasets too
    /// large to keep on disk (`masksearch generate DIR --stdout | masksearch ingest DB - --meta
    /// DIR/meta.csv`):
    ///
    /// 1. `meta.csv` and `rois/object.csv` are written into `directory` and renamed into place
    ///    (the same bytes as `write(to:)` gives; the metadata is drawn from each image's plan
    ///    alone, without rendering a pixel);
    /// 2. only then is anything written to `stream`: the NPY header with the full shape
    ///    (N, H, W), then the mask data in chunk order — byte for byte the `masks.npy` that
    ///    `write(to:)` would write. Images, when configured, are written into
    ///    `directory/images/` during this pass.
    ///
    /// The order lets a reader started at the same time (the ingest at the other end of a pipe)
    /// open `meta.csv` as soon as it has read the header. Memory is the pipeline's bounded slot
    /// pool, as for files; the stream's reader sets the pace (a pipe's writes block).
    ///
    /// - Parameter descriptor: an open, writable descriptor (e.g. 1); written sequentially,
    ///   never seeked or closed.
    /// - Parameter progress: `(masksWritten, maskCount)` after each chunk of the stream.
    /// - Throws: `DatasetGenerationError` (`.invalidConfiguration` before anything is written;
    ///   `.ioFailure` naming the file or the stream). A failure during the stream leaves the
    ///   metadata files in place and the stream cut short.
    /// - Complexity: O(N · H · W) time, O(cores · chunk) memory.
    public func stream(to descriptor: Int32, name: String = "standard output", metadataIn directory: URL,
                       progress: ((Int, Int) -> Void)? = nil) throws(DatasetGenerationError) {
        let c = configuration
        try c.validate()
        let imagesDirectory = directory.appendingPathComponent("images", isDirectory: true)
        try writeMetadata(to: directory)
        if c.writeImages { try createDirectory(imagesDirectory) }
        let output = StreamOutput(descriptor: descriptor, name: name)
        let header = NPYHeader(descriptor: c.elementType.npyDescriptor, shape: [c.maskCount, c.height, c.width])
        try output.writeArray(try header.encoded())
        try writeChunks(masks: output, rows: nil, images: c.writeImages ? imagesDirectory : nil, progress: progress)
    }

    /// Writes `meta.csv` and `rois/object.csv` from the images' plans (no pixels), under
    /// temporary names renamed into place at the end.
    /// - Complexity: O(N) time; O(1) memory beyond a batch of rows.
    func writeMetadata(to directory: URL) throws(DatasetGenerationError) {
        let c = configuration
        let roisDirectory = directory.appendingPathComponent("rois", isDirectory: true)
        try createDirectory(roisDirectory)
        var files: [OutputFile] = []
        do throws(DatasetGenerationError) {
            let meta = try OutputFile(directory.appendingPathComponent("meta.csv"))
            files.append(meta)
            let objects = try OutputFile(roisDirectory.appendingPathComponent("object.csv"))
            files.append(objects)
            try meta.write(CSVRowWriter.metaHeader)
            try objects.write(CSVRowWriter.objectHeader)
            var metaRows = CSVRowWriter(), objectRows = CSVRowWriter()
            for image in 0..<c.imageCount {
                let plan = ImagePlan(imageIndex: image, configuration: c)
                for (k, mask) in plan.masks.enumerated() where image * c.masksPerImage + k < c.maskCount {
                    metaRows.appendMetaRow(maskID: image * c.masksPerImage + k, imageID: image, mask: mask, label: plan.label)
                }
                if plan.boxIsListed { objectRows.appendObjectRow(imageID: image, box: plan.box) }
                if metaRows.bytes.count >= OutputFile.bufferCapacity || image == c.imageCount - 1 {
                    try meta.write(metaRows.bytes)
                    try objects.write(objectRows.bytes)
                    metaRows.removeAll()
                    objectRows.removeAll()
                }
            }
            for file in files { try file.commit() }
        } catch {
            for file in files { file.discard() }
            throw error
        }
    }
}
