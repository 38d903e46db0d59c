import Dispatch

/// Appends finished batches to the output files on a background thread, so writing batch k
/// (the kernel copying ~32 MB into the page cache) overlaps rendering batch k + 1.
///
/// At most one write is in flight: `submit` first waits for the previous one. The generator
/// renders into two buffers alternately; when it submits batch k it has waited for batch k − 1,
/// so the buffer it renders next (k + 1's, last used by k − 1) is free. The semaphore orders the
/// writer's effects (and its recorded error) before the caller's next `submit` or `finish`.
final class BackgroundBatchWriter: @unchecked Sendable {
    private let masks: OutputFile
    private let meta: OutputFile
    private let objects: OutputFile
    private let queue = DispatchQueue(label: "masksearch.generate.writer")
    private let idle = DispatchSemaphore(value: 1)
    /// Written only by the writer thread between `idle.wait()` and `idle.signal()`.
    private var failure: DatasetGenerationError?

    init(masks: OutputFile, meta: OutputFile, objects: OutputFile) {
        self.masks = masks
        self.meta = meta
        self.objects = objects
    }

    /// Waits for the previous write, rethrows its error, then starts writing `maskBytes`
    /// (which must stay valid and unchanged until the next `submit` or `finish` returns) and
    /// the CSV row chunks in order.
    func submit(maskBytes: UnsafeRawBufferPointer, metaRows: [[UInt8]], objectRows: [[UInt8]]) throws(DatasetGenerationError) {
        idle.wait()
        if let failure {
            idle.signal()
            throw failure
        }
        let bytes = SendableBytes(buffer: maskBytes)
        queue.async {
            do throws(DatasetGenerationError) {
                try self.masks.write(bytes.buffer)
                for rows in metaRows { try self.meta.write(rows) }
                for rows in objectRows { try self.objects.write(rows) }
            } catch {
                self.failure = error
            }
            self.idle.signal()
        }
    }

    /// Waits for the last write and rethrows its error.
    func finish() throws(DatasetGenerationError) {
        idle.wait()
        defer { idle.signal() }
        if let failure { throw failure }
    }
}

/// A read-only view of a batch buffer handed to the writer thread (see the ordering argument
/// of `BackgroundBatchWriter`).
private struct SendableBytes: @unchecked Sendable {
    let buffer: UnsafeRawBufferPointer
}
