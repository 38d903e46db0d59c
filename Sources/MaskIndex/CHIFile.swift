import CMaskKernels
#if canImport(Glibc)
import Glibc
#endif
import MaskFormat
import MaskStorage

/// One segment's Cumulative Histogram Index file (Format/index.md), memory-mapped.
///
/// Entries are read in place (column per key, `entry(key:mask:)`); a writable mapping also
/// takes new masks' entries (`store`) and then their validity
/// bits (`publish`). Until its bit is set, a mask's entries are never used for a bound.
///
/// Durability without waiting for the disk: before the first bit it sets in a boot, a writer
/// makes the header's mark "unsynced in boot T" durable (`BootSession`); bits are then set
/// right after the entries are stored, with no sync. Readers trust the bits only when the
/// mark is 0 or the current boot, so a crash of the system (which loses or reorders unsynced
/// pages, and always changes the boot) makes the file's bits untrusted instead of wrong; a
/// process crash loses nothing, since the page cache keeps every store. `settle` syncs the
/// file and clears the mark once the kernel has written the pages back. Without a boot tag the
/// writer syncs entries before bits, as version 1 did.
public final class CHIFile: @unchecked Sendable {
    public let header: IndexHeader
    public let grid: CHIGrid
    public let file: MappedFile
    private let entries: UnsafeRawPointer
    private let stride: Int
    private let wide: Bool

    public var path: String { file.path }
    public var maskCount: Int { header.maskCount }

    /// Creates an empty index file (no mask valid) for a segment.
    public static func create(path: String, directory: String, header: IndexHeader) throws(StorageError) {
        try createZeroFilledFile(path, size: header.fileSize, prefix: header.encoded(), directory: directory)
    }

    /// Opens an index file, checking its header and its binding to `segment`.
    public init(path: String, segment: SegmentReader, writable: Bool) throws(StorageError) {
        let file = try MappedFile(path: path, writable: writable)
        self.file = file
        do throws(FormatError) {
            let h = try IndexHeader.decode(file.bytes)
            let sh = segment.header
            guard h.height == sh.height, h.width == sh.width, h.pixelFormat == sh.pixelFormat, h.maskCount == sh.maskCount,
                  h.segmentFooterCRC == segment.footerChecksum else {
                throw FormatError(.invalidField, structure: "index header", offset: 16, detail: "does not belong to \(segment.path)")
            }
            guard file.count >= h.fileSize else {
                throw FormatError(.outOfBounds, structure: "index entries", offset: UInt64(file.count), detail: "file is \(file.count) bytes, needs \(h.fileSize)")
            }
            header = h
        } catch {
            throw StorageError.corrupt(error.located(in: path))
        }
        grid = CHIGrid(header: header)
        entries = file.bytes.baseAddress! + header.entriesOffset
        stride = header.columnStride
        wide = header.entryWidth == 4
        let mark = UInt64(littleEndian: file.bytes.baseAddress!.loadUnaligned(fromByteOffset: IndexLayout.unsyncedBootOffset, as: UInt64.self))
        trusted = mark == 0 || mark == BootSession.tag
    }

    /// False when, at open, the header said the bits relied on unsynced writes of an earlier
    /// boot: then no entry of the file is used by this instance (a writer's `repair` makes the
    /// file trusted for instances opened afterwards).
    public let trusted: Bool

    /// The header's unsynced-boot mark (0: every valid entry is durable).
    public var unsyncedBoot: UInt64 {
        UInt64(littleEndian: file.bytes.baseAddress!.loadUnaligned(fromByteOffset: IndexLayout.unsyncedBootOffset, as: UInt64.self))
    }

    /// True when mask `m`'s entries are complete and trusted.
    @inlinable public func isValid(_ m: Int) -> Bool {
        trusted && file.bytes[header.validityOffset + m >> 3] & (1 << UInt8(m & 7)) != 0
    }

    /// Number of valid masks.
    public var validCount: Int {
        guard trusted else { return 0 }
        var n = 0
        for i in 0..<((maskCount + 7) / 8) { n += file.bytes[header.validityOffset + i].nonzeroBitCount }
        return n
    }

    /// True when some mask of `masks` is valid; `masks.lowerBound` a multiple of 8.
    /// - Complexity: O(masks / 8) byte loads.
    public func anyValid(in masks: Range<Int>) -> Bool {
        guard trusted, !masks.isEmpty else { return false }
        let bitmap = file.bytes.baseAddress! + header.validityOffset
        for byte in (masks.lowerBound >> 3)...((masks.upperBound - 1) >> 3) where bitmap.load(fromByteOffset: byte, as: UInt8.self) != 0 {
            return true
        }
        return false
    }

    /// The bit of mask `m` as stored, trusted or not (for `dump`).
    public func storedBit(_ m: Int) -> Bool {
        file.bytes[header.validityOffset + m >> 3] & (1 << UInt8(m & 7)) != 0
    }

    /// Entry `key` of mask `m`.
    @inline(__always)
    public func entry(key: Int, mask m: Int) -> Int {
        let p = entries + key * stride
        return wide ? Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: m * 4, as: UInt32.self)))
                    : Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: m * 2, as: UInt16.self)))
    }

    /// Bounds on CP for mask `m` (which must be valid) by any plan.
    @inline(__always)
    public func bounds<Plan: MaskBoundsPlan>(_ plan: Plan, mask m: Int) -> ClosedRange<Int> {
        plan.evaluate { entry(key: $0, mask: m) }
    }

    /// Hints that entry `key` of mask `m` will be read soon.
    @inline(__always)
    public func prefetchEntry(key: Int, mask m: Int) {
        cmk_prefetch(entries + key * stride + m * header.entryWidth)
    }

    /// Starts reading the entries of masks `masks` in every key column `plan` reads
    /// (`MappedFile.willNeed`): a constant ROI's columns, a few hundred kilobytes for 40k masks.
    /// Nothing is read for a file without valid masks (a fresh, sparse file: reading ahead
    /// would fill the page cache with its holes).
    public func prefetchColumns<Plan: MaskBoundsPlan>(_ plan: Plan, masks: Range<Int>) {
        guard !masks.isEmpty, validCount > 0 else { return }
        let width = header.entryWidth, offset = header.entriesOffset
        plan.forEachKey { key in
            file.willNeed(offset: offset + key * stride + masks.lowerBound * width, length: masks.count * width)
        }
    }

    /// Starts reading every entry and the validity bitmap: for bounds over many different
    /// boxes (named ROIs), which touch nearly every page of the key columns.
    /// Returns false (and reads nothing) when no mask is valid yet.
    @discardableResult
    public func prefetchAllEntries() -> Bool {
        guard validCount > 0 else { return false }
        file.willNeed(offset: header.validityOffset, length: (maskCount + 7) / 8)
        file.willNeed(offset: header.entriesOffset, length: header.keyCount * stride)
        return true
    }

    /// Bounds of masks `range` of the file for one plan, vectorised over masks: in tiles of
    /// 1024 masks (so that the four partial sums stay in L1), each of the plan's four sums is
    /// accumulated key column by key column (unit-stride loads of the tile's entries), then
    /// combined as `BoundsPlan.bounds` does. `lower[i]`/`upper[i]` are for mask
    /// `range.lowerBound + i`; masks without a valid entry get `lower = -1`.
    /// - Complexity: O(terms × masks) with unit-stride loops; tens of millions of masks/s per core.
    public func boundsForMasks(_ range: Range<Int>, plan: BoundsPlan, lower: UnsafeMutablePointer<Int32>, upper: UnsafeMutablePointer<Int32>) {
        guard !range.isEmpty else { return }
        if let e = plan.exact {
            for (i, m) in range.enumerated() {
                lower[i] = isValid(m) ? Int32(e) : -1
                upper[i] = Int32(e)
            }
            return
        }
        let tile = 1024
        let scratch = UnsafeMutablePointer<Int32>.allocate(capacity: 4 * tile)
        defer { scratch.deallocate() }
        let ii = scratch, oi = scratch + tile, oo = scratch + 2 * tile, io = scratch + 3 * tile
        let wide = self.wide, entries = self.entries, stride = self.stride
        @inline(__always) func accumulate(_ sum: BoundsPlan.Sum, _ first: Int, _ n: Int, into acc: UnsafeMutablePointer<Int32>) {
            acc.initialize(repeating: Int32(sum.constant), count: n)
            for i in 0..<sum.count {
                let column = entries + Int(sum.keys[i]) * stride
                let sign = sum.signs[i]
                if wide {
                    let c = column.assumingMemoryBound(to: UInt32.self) + first
                    if sign > 0 { for m in 0..<n { acc[m] &+= Int32(truncatingIfNeeded: c[m]) } } else { for m in 0..<n { acc[m] &-= Int32(truncatingIfNeeded: c[m]) } }
                } else {
                    let c = column.assumingMemoryBound(to: UInt16.self) + first
                    if sign > 0 { for m in 0..<n { acc[m] &+= Int32(c[m]) } } else { for m in 0..<n { acc[m] &-= Int32(c[m]) } }
                }
            }
        }
        let outside = Int32(plan.outerArea - plan.boxArea), missing = Int32(plan.boxArea - plan.innerArea), area = Int32(plan.boxArea)
        let bitmap = file.bytes.baseAddress! + header.validityOffset
        var first = range.lowerBound
        while first < range.upperBound {
            let n = min(tile, range.upperBound - first)
            accumulate(plan.innerInner, first, n, into: ii)
            accumulate(plan.outerInner, first, n, into: oi)
            accumulate(plan.outerOuter, first, n, into: oo)
            accumulate(plan.innerOuter, first, n, into: io)
            let lo = lower + (first - range.lowerBound), hi = upper + (first - range.lowerBound)
            for m in 0..<n {
                let l = max(ii[m], oi[m] &- outside, 0)
                lo[m] = l
                hi[m] = max(l, min(oo[m], io[m] &+ missing, area))
            }
            if trusted {
                for m in 0..<n {
                    let g = first + m
                    if bitmap.load(fromByteOffset: g >> 3, as: UInt8.self) & (1 << UInt8(g & 7)) == 0 { lo[m] = -1 }
                }
            } else {
                for m in 0..<n { lo[m] = -1 }
            }
            first += n
        }
    }

    /// Runs of at least this many consecutive masks are stored column by column
    /// (`storeColumnRun`); shorter runs key tile by key tile.
    public static let columnRunMinimum = 32

    /// Stores the entries and checksums of `masks` (ascending, distinct), given mask-major at
    /// the entry width (`entries[i]` = `keyCount` little-endian values of `masks[i]`), through
    /// the mapping. Not visible until `publish`.
    ///
    /// Each run of `columnRunMinimum` or more consecutive masks occupies one contiguous range
    /// of every key column: it is transposed into them in SSE2 blocks (`storeColumnRun`). Masks in shorter runs (a top-k's scattered
    /// candidates) are stored in tiles of 16 keys, mask by mask, each tile writing its 16
    /// columns in one ascending sweep. Into a fresh file each page's first store takes a page
    /// fault; a writer about to fill most of the file populates it first (`populateForWriting`).
    /// `parallel`: the key columns are split between the cores — for a caller not itself
    /// spread over them (the incremental flush).
    /// - Complexity: O(masks × keys) entry moves.
    public func store(masks: [Int], entries values: UnsafeRawBufferPointer, parallel: Bool = false) {
        let keys = grid.keyCount, width = header.entryWidth, rowBytes = keys * width
        precondition(values.count >= masks.count * rowBytes, "entries for \(masks.count) masks")
        guard let src = values.baseAddress, !masks.isEmpty else { return }
        let out = file.mutableBytes.baseAddress!
        let checksums = out + header.checksumsOffset
        for (i, m) in masks.enumerated() {
            let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: src + i * rowBytes, count: rowBytes))
            checksums.storeBytes(of: crc.littleEndian, toByteOffset: m * 4, as: UInt32.self)
        }
        var runs: [Range<Int>] = [], scattered: [Int] = []  // indices into `masks`
        var i = 0
        while i < masks.count {
            var j = i + 1
            while j < masks.count && masks[j] == masks[j - 1] + 1 { j += 1 }
            if j - i >= CHIFile.columnRunMinimum { runs.append(i..<j) } else { scattered.append(contentsOf: i..<j) }
            i = j
        }
        let tiles = (keys + 15) / 16, stride = self.stride
        let srcAddress = UInt(bitPattern: src), baseAddress = UInt(bitPattern: out + header.entriesOffset)
        Parallel.forEachChunk(count: tiles, minimumChunk: parallel && masks.count >= 256 ? 8 : tiles) { tileRange in
            let src = UnsafeRawPointer(bitPattern: srcAddress)!, base = UnsafeMutableRawPointer(bitPattern: baseAddress)!
            let keyRange = (tileRange.lowerBound * 16)..<min(keys, tileRange.upperBound * 16)
            for run in runs {
                storeColumnRun(rows: src + run.lowerBound * rowBytes, count: run.count, keys: keyRange, into: base + masks[run.lowerBound] * width)
            }
            for tile in tileRange where !scattered.isEmpty {
                let k0 = tile * 16, k1 = min(k0 + 16, keys)
                for i in scattered {
                    let row = src + i * rowBytes, dst = base + masks[i] * width
                    if width == 2 {
                        for k in k0..<k1 {
                            (dst + k * stride).storeBytes(of: row.loadUnaligned(fromByteOffset: k * 2, as: UInt16.self), as: UInt16.self)
                        }
                    } else {
                        for k in k0..<k1 {
                            (dst + k * stride).storeBytes(of: row.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self), as: UInt32.self)
                        }
                    }
                }
            }
        }
    }

    /// Column `k` at `out + k * stride` gets entry `k` of rows `0..<count` (mask-major,
    /// `rowBytes` apart), for `k` in `keys` (`cmk_transpose_u16/u32`: SSE2 blocks in tiles of
    /// 32 rows by 256 keys).
    private func storeColumnRun(rows: UnsafeRawPointer, count n: Int, keys: Range<Int>, into out: UnsafeMutableRawPointer) {
        let width = header.entryWidth, rowBytes = grid.keyCount * width
        let src = rows + keys.lowerBound * width, dst = out + keys.lowerBound * stride
        if width == 2 {
            cmk_transpose_u16(src.assumingMemoryBound(to: UInt16.self), rowBytes / 2, n, keys.count,
                              dst.assumingMemoryBound(to: UInt16.self), stride / 2)
        } else {
            cmk_transpose_u32(src.assumingMemoryBound(to: UInt32.self), rowBytes / 4, n, keys.count,
                              dst.assumingMemoryBound(to: UInt32.self), stride / 4)
        }
    }

    /// Maps the checksums of masks `masks` and every key column's entries from the first
    /// column's entry of `masks.lowerBound` to the last column's of `masks.upperBound - 1`
    /// writable at once, every page (`MappedFile.populateForWriting`), in 16 MB pieces split
    /// between the cores: for a build about to store most of the file's masks (the gaps
    /// between the columns' ranges are then small), instead of a page fault per page. A hint
    /// (no effect where the system lacks the call).
    public func populateForWriting(masks: Range<Int>) {
        guard !masks.isEmpty else { return }
        let width = header.entryWidth
        let ranges = [(header.checksumsOffset + masks.lowerBound * 4)..<(header.checksumsOffset + masks.upperBound * 4),
                      (header.entriesOffset + masks.lowerBound * width)..<(header.entriesOffset + (grid.keyCount - 1) * stride + masks.upperBound * width)]
        let piece = 16 << 20
        let pieces = ranges.flatMap { r in Swift.stride(from: r.lowerBound, to: r.upperBound, by: piece).map { $0..<min($0 + piece, r.upperBound) } }
        Parallel.forEachChunk(count: pieces.count) { chunk in
            for r in pieces[chunk] { file.populateForWriting(offset: r.lowerBound, length: r.count) }
        }
    }

    /// Marks `masks` (whose entries and checksums are stored) valid. With a boot tag: the
    /// unsynced mark first (`prepareUnsyncedWrites`), then the bits, no sync. Without one: the
    /// entries are synced, then the bits set and synced. The caller holds the database lock
    /// (bits of one byte are shared between masks).
    public func publish(_ masks: [Int]) throws(StorageError) {
        guard !masks.isEmpty else { return }
        if BootSession.tag != 0 {
            try prepareUnsyncedWrites()
        } else {
            try repair()
            try file.sync(header.checksumsOffset..<header.fileSize)
        }
        let out = file.mutableBytes
        for m in masks {
            let at = header.validityOffset + m >> 3
            out[at] |= 1 << UInt8(m & 7)
        }
        if BootSession.tag == 0 { try file.sync(header.validityOffset..<header.checksumsOffset) }
    }

    /// Seconds after which the kernel has written dirty pages back (its default
    /// `dirty_expire_centisecs` is 30 s), so that `settle`'s sync is cheap.
    public static let settleAfterSeconds = 35

    /// True when this boot's unsynced mark is older than `settleAfterSeconds`.
    public var needsSettle: Bool {
        guard unsyncedBoot != 0, unsyncedBoot == BootSession.tag else { return false }
        let since = Int(UInt32(littleEndian: file.bytes.baseAddress!.loadUnaligned(fromByteOffset: IndexLayout.unsyncedSinceOffset, as: UInt32.self)))
        return Int(time(nil)) - since >= CHIFile.settleAfterSeconds
    }

    /// Makes the header's mark "unsynced in this boot" durable before any bit relies on
    /// unsynced writes; repairs an untrusted file first. The caller holds the database lock.
    func prepareUnsyncedWrites() throws(StorageError) {
        guard unsyncedBoot != BootSession.tag else { return }
        try repair()
        let out = file.mutableBytes.baseAddress!
        let now = UInt32(clamping: Int(time(nil)))
        out.storeBytes(of: now.littleEndian, toByteOffset: IndexLayout.unsyncedSinceOffset, as: UInt32.self)
        out.storeBytes(of: BootSession.tag.littleEndian, toByteOffset: IndexLayout.unsyncedBootOffset, as: UInt64.self)
        try file.sync(0..<IndexLayout.headerSize)
    }

    /// An untrusted file (unsynced writes of an earlier boot): clears every bit and the mark,
    /// durably, so that the file can be filled again. The caller holds the database lock.
    func repair() throws(StorageError) {
        let mark = unsyncedBoot
        guard mark != 0 && mark != BootSession.tag else { return }
        let out = file.mutableBytes
        for i in header.validityOffset..<header.checksumsOffset { out[i] = 0 }
        try file.sync(header.validityOffset..<header.checksumsOffset)
        out.baseAddress!.storeBytes(of: UInt64(0), toByteOffset: IndexLayout.unsyncedBootOffset, as: UInt64.self)
        try file.sync(0..<IndexLayout.headerSize)
    }

    /// Once the kernel has had time to write the file back (`needsSettle`, or `force`): syncs
    /// the whole file — cheap when the pages are already clean — then clears the mark durably.
    /// The caller holds the database lock.
    public func settle(force: Bool = false) throws(StorageError) {
        guard file.writable, unsyncedBoot != 0, unsyncedBoot == BootSession.tag, force || needsSettle else { return }
        try file.sync()
        file.mutableBytes.baseAddress!.storeBytes(of: UInt64(0), toByteOffset: IndexLayout.unsyncedBootOffset, as: UInt64.self)
        try file.sync(0..<IndexLayout.headerSize)
    }

    /// Recomputes mask `m`'s checksum from its entries: true when it matches (for `dump`).
    public func verifyChecksum(mask m: Int) -> Bool {
        var w = ByteWriter(capacity: grid.keyCount * header.entryWidth)
        for k in 0..<grid.keyCount {
            if wide { w.u32(UInt32(entry(key: k, mask: m))) } else { w.u16(UInt16(entry(key: k, mask: m))) }
        }
        return CRC32C.checksum(w.bytes) == UInt32(littleEndian: file.bytes.loadUnaligned(fromByteOffset: header.checksumsOffset + m * 4, as: UInt32.self))
    }
}
