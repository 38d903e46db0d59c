#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An `errno` value from a failed system call, printed with its `strerror` text.
struct SystemError: Error, CustomStringConvertible, Sendable {
    /// The name of the call that failed (`openat`, `write`, …).
    let call: String
    let errno: Int32

    var description: String { "\(call): \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// Thin wrappers over the POSIX calls the generator writes files with, in the style of
/// swift-system: one wrapper per call, `EINTR` retried in one place, failures as `SystemError`
/// naming the call. They exist because Foundation's file APIs add costs the generator cannot
/// afford per image: `Data.write(to:)` calls `fsync` on every file (a synchronous disk
/// write each, ~0.4 ms here), and `FileHandle` wraps each write in `Data`.
enum SystemCalls {
    /// Calls `body` until it returns a non-negative value or fails with something other than
    /// `EINTR`.
    static func retrying<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SystemError) -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SystemError(call: call, errno: code)
        }
    }

    /// `open(2)` with `O_CLOEXEC` added.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0o666) throws(SystemError) -> Int32 {
        try retrying("open") { () -> Int32 in
            #if canImport(Darwin)
            Darwin.open(path, flags | O_CLOEXEC, mode)
            #else
            Glibc.open(path, flags | O_CLOEXEC, mode)
            #endif
        }
    }

    /// `openat(2)` with `O_CLOEXEC` added; `name` is a NUL-terminated path relative to the
    /// directory `directory`.
    static func openat(_ directory: Int32, _ name: UnsafePointer<CChar>, flags: Int32,
                       mode: mode_t = 0o666) throws(SystemError) -> Int32 {
        try retrying("openat") { () -> Int32 in
            #if canImport(Darwin)
            Darwin.openat(directory, name, flags | O_CLOEXEC, mode)
            #else
            Glibc.openat(directory, name, flags | O_CLOEXEC, mode)
            #endif
        }
    }

    /// `write(2)` until all of `buffer` is written (resuming after short writes).
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) {
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            done += try retrying("write") { write(fd, base + done, buffer.count - done) }
        }
    }

    /// `pwrite(2)` until all of `buffer` is written at `offset` (resuming after short writes).
    static func pwriteAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, at offset: Int) throws(SystemError) {
        guard let base = buffer.baseAddress else { return }
        var done = 0
        while done < buffer.count {
            done += try retrying("pwrite") { pwrite(fd, base + done, buffer.count - done, off_t(offset + done)) }
        }
    }

    /// `close(2)`. Not retried on `EINTR` (on Linux the descriptor is released even then).
    static func close(_ fd: Int32) throws(SystemError) {
        #if canImport(Darwin)
        let result = Darwin.close(fd)
        #else
        let result = Glibc.close(fd)
        #endif
        if result != 0 && errno != EINTR { throw SystemError(call: "close", errno: errno) }
    }

    /// `rename(2)`: atomically replaces `destination` (a file) with `source`.
    static func rename(_ source: String, _ destination: String) throws(SystemError) {
        _ = try retrying("rename") { () -> Int32 in
            #if canImport(Darwin)
            Darwin.rename(source, destination)
            #else
            Glibc.rename(source, destination)
            #endif
        }
    }

    /// `unlink(2)`, errors ignored (used only to clean up after a failure).
    static func unlinkIgnoringErrors(_ path: String) {
        _ = unlink(path)
    }
}
