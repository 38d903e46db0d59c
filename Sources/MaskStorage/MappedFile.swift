#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CMaskGuard

/// A read-only memory mapping of a whole file (`mmap(PROT_READ, MAP_SHARED)`), unmapped on
/// deinit. swift-system has no mmap wrapper; this follows its style.
///
/// A read through a mapping cannot fail like a call: an I/O error on the page, or a file
/// truncated under the mapping, raises SIGBUS. Every mapping is registered with `CMaskGuard`,
/// so that a process that installed its handler (`MappedFile.guardReads`, the CLI does) stops
/// with an error naming the file (exit 1), never with a wrong answer or an unexplained crash.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    /// True when the mapping is writable (`PROT_READ | PROT_WRITE`, `MAP_SHARED`): stores
    /// through `mutableBytes` reach the file (durable after `sync()`).
    public let writable: Bool

    /// Maps `path`, read-only unless `writable`. An empty file maps to an empty buffer.
    public init(path: String, writable: Bool = false) throws(StorageError) {
        self.path = path
        self.writable = writable
        let fd = try SystemCalls.open(path, writable ? O_RDWR : O_RDONLY)
        defer { SystemCalls.close(fd) }
        let size = try SystemCalls.fileSize(fd, path: path)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, writable ? (PROT_READ | PROT_WRITE) : PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw StorageError.system(call: "mmap", path: path, errno: errno)
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
        _ = cmg_register(p, size, path)
    }

    /// Installs the SIGBUS handler of `CMaskGuard` for the whole process (idempotent): a fault
    /// on a mapped file writes `error: reading FILE: ...` to standard error and exits with
    /// status 1. For executables; a library loaded by another program (the C ABI) does not
    /// install process-wide signal handlers.
    public static func guardReads() {
        _ = cmg_install("")
    }

    public var count: Int { bytes.count }

    /// The mapping as mutable memory; only for a writable mapping.
    public var mutableBytes: UnsafeMutableRawBufferPointer {
        precondition(writable, "\(path) is mapped read-only")
        return UnsafeMutableRawBufferPointer(mutating: bytes)
    }

    /// Flushes stores in `range` (or the whole mapping) to the file (`msync(MS_SYNC)`).
    public func sync(_ range: Range<Int>? = nil) throws(StorageError) {
        guard let base = bytes.baseAddress, writable else { return }
        let r = range ?? 0..<bytes.count
        let start = r.lowerBound / MappedFile.pageSize * MappedFile.pageSize
        guard r.upperBound > start else { return }
        if msync(UnsafeMutableRawPointer(mutating: base + start), r.upperBound - start, MS_SYNC) != 0 {
            throw StorageError.system(call: "msync", path: path, errno: errno)
        }
    }

    /// Bytes `range` of the file; nil when the range is outside it.
    public func slice(offset: UInt64, length: UInt64) -> UnsafeRawBufferPointer? {
        guard offset <= UInt64(bytes.count), length <= UInt64(bytes.count) - offset else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[Int(offset)..<Int(offset + length)])
    }

    /// Tells the kernel that the mapping is read at random (`MADV_RANDOM`): a page fault then
    /// reads only its page instead of the device's read-ahead window (`read_ahead_kb`, often
    /// megabytes) around it. Readers that know what they will read say so with `willNeed`.
    public func adviseRandom() {
        if let base = bytes.baseAddress { madvise(UnsafeMutableRawPointer(mutating: base), bytes.count, MADV_RANDOM) }
    }

    /// Starts reading bytes `offset..<offset + length` of the file into the page cache
    /// (`MADV_WILLNEED` on the pages covering them; asynchronous, a no-op for cached pages).
    /// Linux reads at most the device's read-ahead window (`read_ahead_kb`) per call and
    /// drops the rest, so a long range is advised in pieces of `willNeedPiece` bytes.
    public func willNeed(offset: Int, length: Int) {
        var start = offset
        while start < offset + length {
            let piece = min(MappedFile.willNeedPiece, offset + length - start)
            advise(MADV_WILLNEED, offset: start, length: piece)
            start += piece
        }
    }

    /// Advises byte ranges `ranges` (`willNeed`), a range that starts within `gap` bytes after
    /// the end of the current run extending it: one sequential read instead of many small
    /// ones, and one system call. Ranges come in ascending order for the merging to apply.
    /// - Complexity: O(ranges) plus one `madvise` per merged run (per 2 MB of it).
    public func willNeed(_ ranges: some Sequence<Range<Int>>, mergingGapsUpTo gap: Int) {
        var run: Range<Int>?
        for r in ranges {
            if let c = run, r.lowerBound >= c.lowerBound, r.lowerBound <= c.upperBound + gap {
                run = c.lowerBound..<max(c.upperBound, r.upperBound)
            } else {
                if let c = run { willNeed(offset: c.lowerBound, length: c.count) }
                run = r
            }
        }
        if let c = run { willNeed(offset: c.lowerBound, length: c.count) }
    }

    /// True when the first page of each of up to `probes` of `ranges`, spread evenly over them,
    /// is in the page cache (`mincore`). A sample, not a proof: readers use it to skip advising
    /// thousands of small ranges of a file that is already cached, where each `madvise` costs
    /// about a microsecond and reads nothing (a query over 201 masks with a named ROI advised
    /// 4,407 ranges, 2-3 ms). When a range is not resident the reader advises them all.
    /// - Complexity: O(probes) `mincore` calls of one page each.
    public func isResident(sampling ranges: [Range<Int>], probes: Int = 8) -> Bool {
        guard let base = bytes.baseAddress, !ranges.isEmpty else { return true }
        let page = MappedFile.pageSize
        var state: UInt8 = 0
        for k in 0..<min(probes, ranges.count) {
            let offset = ranges[k * (ranges.count - 1) / max(1, min(probes, ranges.count) - 1)].lowerBound
            guard offset >= 0, offset < bytes.count else { continue }
            let start = offset / page * page
            guard mincore(UnsafeMutableRawPointer(mutating: base + start), 1, &state) == 0, state & 1 == 1 else { return false }
        }
        return true
    }

    /// The largest range one `MADV_WILLNEED` is given (below common read-ahead windows).
    public static let willNeedPiece = 2 << 20

    /// `madvise(advice)` on the pages covering bytes `offset..<offset + length` (clipped to the
    /// mapping); false when the range is empty or outside it, or the call fails.
    @discardableResult
    private func advise(_ advice: Int32, offset: Int, length: Int) -> Bool {
        guard let base = bytes.baseAddress, length > 0, offset >= 0, offset < bytes.count else { return false }
        let start = offset / MappedFile.pageSize * MappedFile.pageSize
        let end = min(bytes.count, offset + length)
        return madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, advice) == 0
    }

    /// Maps bytes `offset..<offset + length` writable now, every page of them at once
    /// (`MADV_POPULATE_WRITE`, Linux 5.14): for a writer about to store into most of a fresh
    /// file, this costs about a fifth of taking a write fault per page (298 MB: 0.1 s instead
    /// of 0.5 s). A hint: returns false (and changes nothing) where the call is unsupported.
    @discardableResult
    public func populateForWriting(offset: Int, length: Int) -> Bool {
        writable && advise(MappedFile.populateWrite, offset: offset, length: length)
    }

    /// Drops this process's mappings of the pages covering bytes `offset..<offset + length`
    /// (`MADV_DONTNEED` on a `MAP_SHARED` file mapping: the pages stay in the page cache, stores
    /// already made stay there as dirty pages and reach the file as usual; a later access maps
    /// the page again). For a process walking through a file larger than it should keep
    /// resident. A hint: returns false when the range is empty or outside the mapping.
    @discardableResult
    public func releasePages(offset: Int, length: Int) -> Bool {
        advise(MADV_DONTNEED, offset: offset, length: length)
    }

    /// `MADV_POPULATE_WRITE` (Glibc's headers may predate it).
    private static let populateWrite: Int32 = 23

    /// The system's page size.
    public static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    deinit {
        if let base = bytes.baseAddress {
            cmg_unregister(base)
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        }
    }
}
