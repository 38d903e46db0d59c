import Foundation

/// A file written under a temporary name (`<name>.partial`) and renamed into place by
/// `commit()`, so a reader never sees a half-written `masks.npy` or `meta.csv` under its final
/// name.
///
/// Bytes are appended at `position` with `pwrite(2)`. Small writes (CSV rows, the NPY header)
/// are gathered in a buffer first, so a file receiving a few kilobytes per chunk still costs
/// one system call per `bufferCapacity` bytes; large ones (a chunk of masks) go straight to
/// the file. Nothing is `fsync`ed: like any ordinary file write, the data reaches the disk
/// when the kernel writes it back.
final class OutputFile {
    let finalURL: URL
    let partialURL: URL
    /// Bytes gathered before a `pwrite(2)`.
    static let bufferCapacity = 256 << 10
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    /// The file offset of the next appended byte (buffered bytes included).
    private(set) var position = 0

    init(_ url: URL) throws(DatasetGenerationError) {
        finalURL = url
        partialURL = url.appendingPathExtension("partial")
        do {
            descriptor = try SystemCalls.open(partialURL.path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        } catch {
            throw DatasetGenerationError(.ioFailure, "cannot create file", path: partialURL.path, underlying: error)
        }
        buffer.reserveCapacity(Self.bufferCapacity)
    }

    deinit {
        if descriptor >= 0 { try? SystemCalls.close(descriptor) }
    }

    /// Appends `bytes` (through the buffer when they are small).
    func write(_ bytes: UnsafeRawBufferPointer) throws(DatasetGenerationError) {
        guard bytes.count > 0 else { return }
        if buffer.count + bytes.count > Self.bufferCapacity { try flush() }
        if bytes.count < Self.bufferCapacity {
            buffer.append(contentsOf: bytes)
        } else {
            try pwriteAll(bytes, at: position)
        }
        position += bytes.count
    }

    func write(_ bytes: [UInt8]) throws(DatasetGenerationError) {
        let result: Result<Void, DatasetGenerationError> = bytes.withUnsafeBytes { raw in
            Result { () throws(DatasetGenerationError) in try write(raw) }
        }
        try result.get()
    }

    func write(_ text: String) throws(DatasetGenerationError) {
        try write(Array(text.utf8))
    }

    /// Writes the buffered bytes (they end at `position`).
    private func flush() throws(DatasetGenerationError) {
        guard !buffer.isEmpty else { return }
        let start = position - buffer.count
        let result: Result<Void, DatasetGenerationError> = buffer.withUnsafeBytes { raw in
            Result { () throws(DatasetGenerationError) in try pwriteAll(raw, at: start) }
        }
        buffer.removeAll(keepingCapacity: true)
        try result.get()
    }

    private func pwriteAll(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(DatasetGenerationError) {
        do {
            try SystemCalls.pwriteAll(descriptor, bytes, at: offset)
        } catch {
            throw DatasetGenerationError(.ioFailure, "write failed", path: partialURL.path, underlying: error)
        }
    }

    /// Writes what is buffered, closes the file and renames it to its final name, replacing
    /// any older file atomically.
    func commit() throws(DatasetGenerationError) {
        try flush()
        do {
            let fd = descriptor
            descriptor = -1
            try SystemCalls.close(fd)
        } catch {
            throw DatasetGenerationError(.ioFailure, "close failed", path: partialURL.path, underlying: error)
        }
        do {
            try SystemCalls.rename(partialURL.path, finalURL.path)
        } catch {
            throw DatasetGenerationError(.ioFailure, "cannot move file into place", path: finalURL.path, underlying: error)
        }
    }

    /// Closes and deletes the temporary file (after a failure).
    func discard() {
        if descriptor >= 0 { try? SystemCalls.close(descriptor) }
        descriptor = -1
        buffer = []
        SystemCalls.unlinkIgnoringErrors(partialURL.path)
    }
}
