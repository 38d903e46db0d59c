#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the generator appends bytes in order: a file under a temporary name (`OutputFile`)
/// or a sequential stream such as standard output (`StreamOutput`).
protocol ByteSink: AnyObject {
    /// Appends `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(DatasetGenerationError)
}

extension OutputFile: ByteSink {}

extension ByteSink {
    /// Appends the bytes of an array.
    func writeArray(_ bytes: [UInt8]) throws(DatasetGenerationError) {
        let result: Result<Void, DatasetGenerationError> = bytes.withUnsafeBytes { raw in
            Result { () throws(DatasetGenerationError) in try write(raw) }
        }
        try result.get()
    }
}

/// A sequential, unseekable output (a pipe, a terminal, or a file standard output was
/// redirected to): each `write` goes straight to `write(2)` until every byte is taken, so the
/// stream holds no buffer of its own and a slow reader blocks the writer (back-pressure
/// through the pipe). The descriptor is not closed here.
///
/// A reader that exits early makes `write(2)` fail with `EPIPE` (when `SIGPIPE` is ignored,
/// as `masksearch generate --stdout` does): reported as `.ioFailure` saying so.
final class StreamOutput: ByteSink {
    let descriptor: Int32
    /// The name in error messages (`standard output`).
    let name: String
    /// Bytes written so far.
    private(set) var position = 0

    init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(DatasetGenerationError) {
        do {
            try SystemCalls.writeAll(descriptor, bytes)
        } catch {
            let reason = error.errno == EPIPE ? "the reader closed the stream after \(position) bytes" : "write failed"
            throw DatasetGenerationError(.ioFailure, reason, path: name, underlying: error)
        }
        position += bytes.count
    }
}
