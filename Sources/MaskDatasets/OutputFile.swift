import Foundation

/// A file written under a temporary name (`<name>.partial`) and renamed into place by
/// `commit()`, so a reader never sees a half-written `masks.npy` or `meta.csv` under its final
/// name.
///
/// Bytes are appended at `position` with `pwrite(2)`. Small writes (CSV rows, the NPY header)
/// are gathered in a buffer first, so a file receiving a few kilobytes per chunk still costs
/// one system call per `bufferCapacity` bytes. `appendSkippingZeroPages` leaves file pages
/// that would hold only zeros unwritten: holes, which read back as zeros (see there). Nothing
/// is `fsync`ed: like any ordinary file write, the data reaches the disk when the kernel
/// writes it back.
final class OutputFile {
    let finalURL: URL
    let partialURL: URL
    /// Bytes gathered before a `pwrite(2)`.
    static let bufferCapacity = 256 << 10
    /// The granularity of `appendSkippingZeroPages`: the page size of the page cache and the
    /// block size of common file systems.
    static let pageSize = 4096
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    /// The file offset of the next appended byte (buffered bytes included).
    private(set) var position = 0
    /// True once a page was left unwritten: the file may then end before `position`.
    private var skippedPages = false

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

    /// Appends `bytes`, writing only the parts that fall on file pages (`pageSize` bytes,
    /// aligned to the start of the file) holding a non-zero byte of `bytes`; the rest stays a
    /// hole, which reads as zeros. The file is extended to `position` by `commit()` when it
    /// would end in a hole, so its size and contents are exactly those of writing every byte.
    ///
    /// Why: every page the kernel adds to the page cache costs a fresh page of memory (on this
    /// virtual machine, first touches of memory dominate the cost of writing `masks.npy`), and
    /// the background of saliency and human-attention masks is zero: about a quarter of the
    /// pages of a default dataset are all zero. The holes also save that much disk space.
    ///
    /// - Complexity: O(n) to test the pages, plus one `pwrite` per run of non-zero pages.
    func appendSkippingZeroPages(_ bytes: UnsafeRawBufferPointer) throws(DatasetGenerationError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        try flush()
        let count = bytes.count, page = Self.pageSize
        var runStart: Int? = nil   // start (in bytes) of the pending run of non-zero pages
        var i = 0
        while i < count {
            let end = min(count, i + page - (position + i) % page)
            if Self.isZero(base + i, end - i) {
                skippedPages = true
                if let start = runStart {
                    try pwriteAll(UnsafeRawBufferPointer(rebasing: bytes[start..<i]), at: position + start)
                    runStart = nil
                }
            } else if runStart == nil {
                runStart = i
            }
            i = end
        }
        if let start = runStart {
            try pwriteAll(UnsafeRawBufferPointer(rebasing: bytes[start..<count]), at: position + start)
        }
        position += count
    }

    /// True when the `count` bytes at `pointer` are all zero.
    static func isZero(_ pointer: UnsafeRawPointer, _ count: Int) -> Bool {
        var i = 0
        while i + 64 <= count {
            var any: UInt64 = 0
            for k in stride(from: 0, to: 64, by: 8) { any |= pointer.loadUnaligned(fromByteOffset: i + k, as: UInt64.self) }
            if any != 0 { return false }
            i += 64
        }
        while i < count {
            if pointer.load(fromByteOffset: i, as: UInt8.self) != 0 { return false }
            i += 1
        }
        return true
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

    /// Writes what is buffered, sets the file's size to `position`, closes the file and renames
    /// it to its final name, replacing any older file atomically.
    func commit() throws(DatasetGenerationError) {
        try flush()
        do {
            if skippedPages { try SystemCalls.ftruncate(descriptor, size: position) }
            let fd = descriptor
            descriptor = -1
            try SystemCalls.close(fd)
        } catch {
            throw DatasetGenerationError(.ioFailure, "cannot finish file", path: partialURL.path, underlying: error)
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
