import Foundation

/// A file written under a temporary name (`<name>.partial`) and renamed into place by
/// `commit()`, so a reader never sees a half-written `masks.npy` or `meta.csv` under its final
/// name. Writes go straight to the file descriptor in the caller's (large) chunks.
final class OutputFile {
    let finalURL: URL
    let partialURL: URL
    private let handle: FileHandle

    init(_ url: URL) throws(DatasetGenerationError) {
        finalURL = url
        partialURL = url.appendingPathExtension("partial")
        guard FileManager.default.createFile(atPath: partialURL.path, contents: nil) else {
            throw DatasetGenerationError(.ioFailure, "cannot create file", path: partialURL.path)
        }
        do {
            handle = try FileHandle(forWritingTo: partialURL)
        } catch {
            throw DatasetGenerationError(.ioFailure, "cannot open file for writing", path: partialURL.path, underlying: error)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(DatasetGenerationError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        do {
            try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base),
                                              count: bytes.count, deallocator: .none))
        } catch {
            throw DatasetGenerationError(.ioFailure, "write failed", path: partialURL.path, underlying: error)
        }
    }

    func write(_ bytes: [UInt8]) throws(DatasetGenerationError) {
        var failure: DatasetGenerationError?
        bytes.withUnsafeBytes { buffer in
            do throws(DatasetGenerationError) { try write(buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    func write(_ text: String) throws(DatasetGenerationError) {
        try write(Array(text.utf8))
    }

    /// Closes the file and renames it to its final name, replacing any older file.
    func commit() throws(DatasetGenerationError) {
        do {
            try handle.close()
            if FileManager.default.fileExists(atPath: finalURL.path) {
                try FileManager.default.removeItem(at: finalURL)
            }
            try FileManager.default.moveItem(at: partialURL, to: finalURL)
        } catch {
            throw DatasetGenerationError(.ioFailure, "cannot move file into place", path: finalURL.path, underlying: error)
        }
    }

    /// Closes and deletes the temporary file (after a failure).
    func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(at: partialURL)
    }
}
